/* Panel 2, editing with attributes: the attribute picker, one slider per attribute, the edited image.
 *
 * Sliders combine: the edited image is the current latent plus every non-zero slider's vector. While a
 * slider moves the image follows it at the server's pace: one request in flight, the newest slider
 * value sent as soon as the answer arrives (values in between are skipped, never queued). "Use edited as input" bakes the edits into
 * the latent; "Reset sliders" sets them all to 0. The sweep strip below (sweep.js) follows the sliders.
 * Custom attributes made in panel 6 arrive here as a new slider (`addCustomAttribute`).
 */

import { SLIDER_MAX, SLIDER_MIN, SLIDER_STEP, SWEEP_DEBOUNCE_MS } from "../constants.js";
import { element, find, setImage } from "../dom.js";
import {
  attributeGroups,
  attributeNames,
  describeAttribute,
  judgedNote,
  optionLabel,
  suggestedName,
} from "../attributes.js";
import { activeEdits, editSummary, sweptAttribute, withoutEdit, withScale, zeroScales } from "../edits.js";
import { formatScale } from "../format.js";
import { createFollower, createLane, debounce } from "../scheduler.js";
import { changedAny } from "../store.js";

const sliderId = (index) => `slider-${index}`;
const valueText = (edit) => `${edit.name} ${formatScale(edit.scale)}`;

function editedAlt(edited) {
  if (!edited) return "The edited image (nothing yet)";
  return edited.summary ? `The input edited with ${edited.summary}` : "The input with no edits";
}

export function mountEditPanel(root, { store, api, feedback, session, url }, { sweep }) {
  const picker = find(root, "attr-select");
  const addButton = find(root, "attr-add");
  const box = find(root, "sliders");
  const editedView = find(root, "edited-view");
  const editLane = createLane();
  let moving = false; // a slider's own move is going into the store: its row must stay (see below)

  // ---- requests ----

  async function refreshEdited() {
    const { latent, model, edits } = store.state;
    if (!latent || !model) {
      store.set({ edited: null });
      return;
    }
    const body = { model: model.name, latent, edits: activeEdits(edits) };
    const summary = editSummary(edits);
    const result = await feedback.track(root.id, editLane((signal) => api("edit", { json: body, signal })));
    if (!result) return;
    store.set({ edited: { latent: result.latent, image: result.image, summary } });
  }

  /** The edited image and the sweep, for a new latent or new sliders. */
  function refresh() {
    refreshEdited();
    sweep.refresh();
  }

  const followEdited = createFollower(refreshEdited); // a drag: no debounce, the latest value wins
  const scheduleSweep = debounce(() => sweep.refresh(), SWEEP_DEBOUNCE_MS);

  // ---- actions ----

  /** A slider for `name` (with `vector` for a custom attribute), swept and focused; `patch` goes into
   * the same store update. */
  function addSlider(name, vector = null, patch = {}) {
    const { edits, custom } = { ...store.state, ...patch };
    if (edits.some((e) => e.name === name)) return;
    const edit = { name, scale: 0, vector: vector || (custom[name] ? custom[name].vector : null) };
    store.set({ ...patch, edits: [...edits, edit], sweepAttr: name });
    refresh();
    url.save();
    const input = find(box, sliderId(edits.length));
    if (input) input.focus();
  }

  /** A custom attribute (`entry`: {vector, method, n_positive, n_negative}) joins as a new slider. */
  function addCustomAttribute(name, entry) {
    const { custom, edits } = store.state;
    addSlider(name, entry.vector, { custom: { ...custom, [name]: entry }, edits: withoutEdit(edits, name) });
  }

  function removeSlider(name) {
    const edits = withoutEdit(store.state.edits, name);
    store.set({ edits, sweepAttr: sweptAttribute(edits, store.state.sweepAttr) });
    refresh();
    url.save();
  }

  function moveSlider(name, scale) {
    moving = true;
    try {
      store.set({ edits: withScale(store.state.edits, name, scale) });
    } finally {
      moving = false;
    }
    sweep.markCurrentFrame();
    followEdited();
  }

  /** A slider let go: the sweep of another attribute depends on it, and the link records it. */
  function releaseSlider(name) {
    if (store.state.sweepAttr !== name) scheduleSweep();
    url.save();
  }

  function resetSliders() {
    store.set({ edits: zeroScales(store.state.edits) });
    refresh();
    url.save();
  }

  // ---- rendering ----

  function sliderRow(edit, index, state) {
    const row = element("div", "slider-row");
    row.dataset.attribute = edit.name;

    const label = element("label", "slider-label", edit.name);
    label.htmlFor = sliderId(index);
    const about = describeAttribute(state.model, state.custom, edit.name);
    if (about) label.title = about;

    const input = element("input", "slider");
    input.type = "range";
    input.id = sliderId(index);
    input.min = String(SLIDER_MIN);
    input.max = String(SLIDER_MAX);
    input.step = String(SLIDER_STEP);
    input.value = String(edit.scale);
    input.setAttribute("aria-valuetext", valueText(edit));
    input.addEventListener("input", () => moveSlider(edit.name, Number(input.value)));
    input.addEventListener("change", () => releaseSlider(edit.name));

    const output = element("output", "slider-value", formatScale(edit.scale));
    output.htmlFor = input.id;

    const remove = element("button", "icon-button", "×");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove the ${edit.name} slider`);
    remove.addEventListener("click", () => removeSlider(edit.name));

    row.append(label, input, output, remove);
    const judged = judgedNote(state.model, state.custom, edit.name);
    if (judged) row.append(...judgedParts(judged, input, index));
    return row;
  }

  /** The line under a measured vector's slider, tied to it for screen readers, and (for a vector that
   * does its job within the slider's range) a tick on the slider at the scale where it does. */
  function judgedParts(judged, input, index) {
    const note = element("p", judged.works ? "slider-note works" : "slider-note", judged.text);
    note.id = `${sliderId(index)}-judged`;
    input.setAttribute("aria-describedby", note.id);
    if (!judged.works || judged.scale < SLIDER_MIN || judged.scale > SLIDER_MAX) return [note];
    const ticks = element("datalist");
    ticks.id = `${sliderId(index)}-ticks`;
    const tick = element("option");
    tick.value = String(judged.scale);
    ticks.append(tick);
    input.setAttribute("list", ticks.id);
    return [note, ticks];
  }

  /** The control among the rows that has the keyboard focus: {name, kind, index}, or null. */
  function focusedControl() {
    const active = root.ownerDocument.activeElement;
    const row = active && box.contains(active) ? active.closest(".slider-row") : null;
    if (!row) return null;
    const kind = active.matches("button") ? "button" : "input";
    return { name: row.dataset.attribute, kind, index: Array.from(box.children).indexOf(row) };
  }

  /** After the rows were rebuilt: the same control of the same attribute, else of the row now at its
   * place (the next one when a slider was removed), else the attribute picker. */
  function restoreFocus(focus) {
    if (!focus) return;
    const rows = Array.from(box.querySelectorAll(".slider-row"));
    const row = rows.find((r) => r.dataset.attribute === focus.name) || rows[Math.min(focus.index, rows.length - 1)];
    const target = row ? row.querySelector(focus.kind) : picker;
    if (target) target.focus();
  }

  function renderSliders(state) {
    const focus = focusedControl();
    box.textContent = "";
    state.edits.forEach((edit, index) => box.append(sliderRow(edit, index, state)));
    if (state.edits.length === 0) {
      const hasAttributes = state.model && attributeNames(state.model, state.custom).length;
      const text = hasAttributes ? "No sliders yet: pick an attribute and add one." : "This model has no attribute vectors yet; make your own below.";
      box.append(element("p", "hint small", text));
    }
    restoreFocus(focus);
  }

  /** A slider moved: the rows stay (rebuilding would take the slider from under the pointer). */
  function renderSliderValues(state) {
    state.edits.forEach((edit, index) => {
      const input = find(box, sliderId(index));
      if (Number(input.value) !== edit.scale) input.value = String(edit.scale);
      input.setAttribute("aria-valuetext", valueText(edit));
      input.parentElement.querySelector("output").textContent = formatScale(edit.scale);
    });
  }

  function renderAttributeOptions({ model, custom, edits }) {
    const used = new Set(edits.map((e) => e.name));
    picker.textContent = "";
    const groups = attributeGroups(model, custom);
    for (const [label, names] of groups) {
      let parent = picker;
      if (groups.size > 1) {
        parent = element("optgroup");
        parent.label = label;
        picker.append(parent);
      }
      for (const name of names) {
        const option = element("option", "", optionLabel(custom, name));
        option.value = name;
        option.disabled = used.has(name);
        parent.append(option);
      }
    }
    const all = attributeNames(model, custom);
    const free = all.filter((n) => !used.has(n));
    if (free.length) picker.value = suggestedName(free);
    addButton.disabled = free.length === 0;
    picker.disabled = all.length === 0;
  }

  // ---- wiring ----

  addButton.addEventListener("click", () => {
    if (picker.value) addSlider(picker.value);
  });
  find(root, "edited-use").addEventListener("click", () => session.bakeEdits());
  find(root, "edits-reset").addEventListener("click", resetSliders);

  store.subscribe((state, changed) => {
    if (changed.has("modelChoice")) editLane.cancel(); // the previous model's edited image must not land here
    if (changed.has("edits") && moving) {
      renderSliderValues(state);
    } else if (changedAny(changed, ["modelChoice", "custom", "edits"])) {
      renderSliders(state);
      renderAttributeOptions(state);
    }
    if (changedAny(changed, ["modelChoice", "edited"])) setImage(editedView, state.edited && state.edited.image, editedAlt(state.edited));
    if (changed.has("latent") && state.latent) refresh();
  });

  return { addCustomAttribute };
}
