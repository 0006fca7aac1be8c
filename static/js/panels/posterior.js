/* Panel 5, the posterior: importance-weighted samples h ~ q(h|x) of the encoded input, and the bound
 * on log p(x) as k grows.
 *
 * The samples come with the encode answer, heaviest first, each with its share of the weight and the
 * effective sample size below; clicking one makes its latent the input. "Measure" encodes the input
 * again with bounds for k = 1 … the model's cap and draws them as an inline SVG line chart.
 */

import { dataUrlToBlob } from "../codec.js";
import { BOUNDS_SEED, DEFAULT_MAX_K, ENCODE_K } from "../constants.js";
import { element, find, focusedItem, refocus } from "../dom.js";
import { NO_INPUT_MESSAGE } from "../feedback.js";
import { formatNumber } from "../format.js";
import { boundEntries, boundsLayout, boundsSummary, DEGENERATE_ESS, posteriorWeights } from "../stats.js";
import { changedAny, sameInput } from "../store.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const DOT_RADIUS = 4;

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== null) el.textContent = text;
  return el;
}

function sampleButton(sample, weight, max) {
  const percent = (100 * weight).toFixed(1);
  const button = element("button", "frame posterior");
  button.type = "button";
  button.setAttribute("aria-label", `Posterior sample with weight ${percent}%: use as the input`);
  button.title = `weight ${percent}%`;
  const img = element("img", "pic frame-img");
  img.src = sample.image;
  img.alt = `Posterior sample, weight ${percent}%`;
  const bar = element("span", "weight-bar");
  const fill = element("span", "weight-fill");
  fill.style.width = `${max > 0 ? (100 * weight) / max : 0}%`;
  bar.append(fill);
  button.append(img, bar, element("span", "frame-label", `${percent}%`));
  return button;
}

function essNote(ess, count, model) {
  let note = `Effective sample size ${ess.toFixed(1)} of ${count}: the closer to ${count}, the better q(h|x) matches the true posterior.`;
  if (ess < DEGENERATE_ESS && model) {
    // Typical for faces: log w sums over every pixel value, so small differences in fit between
    // samples add up to many nats, and the largest weight takes nearly everything.
    const values = model.image_shape.reduce((a, b) => a * b, 1).toLocaleString("en");
    note += ` Here one sample takes almost all the weight: over ${values} pixel values, small differences in fit add up to many nats between samples.`;
  }
  return note;
}

function boundsChart(entries) {
  const layout = boundsLayout(entries);
  const summary = boundsSummary(entries);
  const chart = svg("svg", { viewBox: `0 0 ${layout.width} ${layout.height}`, role: "img", class: "bounds-svg" });
  chart.append(svg("title", {}, `Bound on log p(x) in nats for growing k: ${summary}`));
  for (const line of layout.grid) {
    chart.append(svg("line", { x1: line.x1, x2: line.x2, y1: line.y, y2: line.y, class: "grid" }));
    chart.append(svg("text", { x: line.labelX, y: line.labelY, class: "tick", "text-anchor": "end" }, line.label));
  }
  for (const tick of layout.kLabels) chart.append(svg("text", { x: tick.x, y: tick.y, class: "tick", "text-anchor": "middle" }, tick.label));
  chart.append(svg("text", { x: layout.axisLabel.x, y: layout.axisLabel.y, class: "axis-label", "text-anchor": "middle" }, "k (log scale)"));
  chart.append(svg("path", { d: layout.path, class: "line" }));
  for (const dot of layout.dots) {
    const circle = svg("circle", { cx: dot.x, cy: dot.y, r: DOT_RADIUS, class: "dot" });
    circle.append(svg("title", {}, `k = ${dot.k}: ${formatNumber(dot.value)} nats`));
    chart.append(circle);
  }
  return chart;
}

export function mountPosteriorPanel(root, { store, api, feedback, session }) {
  const grid = find(root, "posterior-grid");
  const essText = find(root, "posterior-ess");
  const chartBox = find(root, "bounds-chart");
  const caption = find(root, "bounds-caption");
  const measureButton = find(root, "bounds-run");

  /** The grid of samples, or a hint without them. A sample picked with the keyboard empties the grid
   * (its latent is no encoded input): the focus stays on the grid, not at the top of the page. */
  function renderPosterior(state) {
    const focused = focusedItem(grid, ".frame");
    fillPosterior(state);
    refocus(grid, ".frame", focused);
  }

  function fillPosterior({ posterior: samples, source, model }) {
    grid.textContent = "";
    if (!samples || samples.length === 0) {
      const hint = source === "latent" ? "Encode an image to see its posterior samples." : "Draw or upload an input to see its posterior samples.";
      grid.append(element("p", "hint small", hint));
      essText.textContent = "";
      return;
    }
    const { weights, order, max, ess } = posteriorWeights(samples);
    for (const i of order) {
      const button = sampleButton(samples[i], weights[i], max);
      // The sample's image shows its h1; as the input it is decoded from its latent (the same when that is h1).
      button.addEventListener("click", () => session.setCurrentLatent(samples[i].latent, null));
      grid.append(button);
    }
    essText.textContent = essNote(ess, samples.length, model);
  }

  function renderBounds({ bounds, latent }) {
    chartBox.textContent = "";
    const entries = boundEntries(bounds);
    if (entries.length === 0) {
      caption.textContent = latent ? "Measure how the bound on log p(x) tightens for growing k." : "Encode an input, then measure the bound for growing k.";
      return;
    }
    chartBox.append(boundsChart(entries));
    const first = entries[0];
    const last = entries[entries.length - 1];
    caption.textContent = `L_k in nats: ${boundsSummary(entries)}. From k = ${first[0]} to ${last[0]} the bound moves by ${formatNumber(last[1] - first[1])} nats.`;
  }

  function boundsForm({ inputImage, model }) {
    const form = new FormData();
    form.append("image", dataUrlToBlob(inputImage), "input.png");
    form.append("model", model.name);
    form.append("k", String(ENCODE_K));
    form.append("bounds", "true");
    form.append("seed", String(BOUNDS_SEED));
    return form;
  }

  /** Measures the bounds of the current input; one measurement at a time (the button is off meanwhile),
   * and its answer is dropped if the input or the model changed while it ran. */
  async function measureBounds() {
    const asked = store.state;
    if (!asked.latent || !asked.inputImage) {
      feedback.showError(NO_INPUT_MESSAGE);
      return;
    }
    const doc = root.ownerDocument;
    const hadFocus = doc.activeElement === measureButton;
    measureButton.disabled = true;
    let result;
    try {
      result = await feedback.track(root.id, api("encode", { form: boundsForm(asked) }));
    } finally {
      measureButton.disabled = false;
      // A disabled button loses the keyboard focus to the page: give it back.
      if (hadFocus && (doc.activeElement === doc.body || doc.activeElement === null)) measureButton.focus();
    }
    if (!result || !sameInput(asked, store.state)) return;
    if (!result.bounds) {
      feedback.showError("The server did not return bounds for this input.");
      return;
    }
    store.set({ bounds: result.bounds });
  }

  measureButton.addEventListener("click", measureBounds);

  store.subscribe((state, changed) => {
    if (changed.has("modelChoice")) find(root, "bounds-max-k").textContent = String(state.model.max_k || DEFAULT_MAX_K);
    if (changedAny(changed, ["modelChoice", "latent", "source", "posterior"])) renderPosterior(state);
    if (changedAny(changed, ["modelChoice", "latent", "bounds"])) renderBounds(state);
  });
}
