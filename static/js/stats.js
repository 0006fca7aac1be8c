/* The numbers behind the posterior panel: normalised importance weights and the bound chart's layout.
 *
 * Posterior samples arrive with weights the server normalised over them; they are normalised again here
 * so that JSON's rounding never shows shares summing past 100 %. The panel shows them largest first with
 * their share and the effective sample size 1 / Σ w². The bound chart plots L_k against log10 k: this module
 * places ticks, line and dots in SVG user units, and the panel only turns the layout into elements.
 * Pure: Node's test runner imports this module as it is.
 */

import { formatNumber } from "./format.js";

/** {weights (summing to 1, in the samples' order), order (indices, heaviest first), max, ess}. */
export function posteriorWeights(samples) {
  const total = samples.reduce((sum, s) => sum + s.weight, 0) || 1;
  const weights = samples.map((s) => s.weight / total);
  const max = Math.max(...weights);
  const order = weights.map((_, i) => i).sort((i, j) => weights[j] - weights[i]);
  const ess = 1 / weights.reduce((acc, w) => acc + w * w, 0);
  return { weights, order, max, ess };
}

/** Below this effective sample size one sample has taken nearly all the weight. */
export const DEGENERATE_ESS = 1.5;

/** The chart's size and margins (SVG user units; CSS scales the whole). */
export const CHART = Object.freeze({ width: 360, height: 200, left: 56, right: 14, top: 14, bottom: 36 });
const Y_TICKS = 4; // grid lines above the lowest one
const Y_PADDING = 0.12; // share of the value range left free above and below the line
const MIN_Y_PADDING = 0.5; // nats: a flat line still gets some room
const X_LABEL_OFFSET = 16; // k labels below the plot area
const Y_LABEL_NUDGE = 4; // tick text baseline, to centre it on its grid line
const Y_LABEL_GAP = 6; // y labels end this far left of the plot area
const AXIS_LABEL_INSET = 4; // the axis title sits this far above the bottom edge

/** A bound as a number: a number or a numeric string; NaN for anything else (null and "", which
 * Number() would make 0 nats, among them). */
function boundValue(v) {
  if (typeof v === "number") return v;
  return typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
}

/** The measured bounds {k: value} as [[k, value]] sorted by k, without entries that are no numbers. */
export function boundEntries(bounds) {
  if (!bounds) return [];
  return Object.entries(bounds)
    .map(([k, v]) => [Number(k), boundValue(v)])
    .filter(([k, v]) => Number.isFinite(k) && Number.isFinite(v))
    .sort((x, y) => x[0] - y[0]);
}

/** "k = 1: −90.12, k = 10: −88.40, …" */
export function boundsSummary(entries) {
  return entries.map(([k, v]) => `k = ${k}: ${formatNumber(v)}`).join(", ");
}

/** Where everything of the chart goes, for non-empty `entries`: gridlines with y labels, k labels,
 * the line's path and the dots. */
export function boundsLayout(entries) {
  const { width: W, height: H, left, right, top, bottom } = CHART;
  const xs = entries.map(([k]) => Math.log10(k));
  const ys = entries.map(([, v]) => v);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin + 1);
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  const padding = Math.max((yMax - yMin) * Y_PADDING, MIN_Y_PADDING);
  yMin -= padding;
  yMax += padding;
  const X = (k) => left + ((Math.log10(k) - xMin) / (xMax - xMin)) * (W - left - right);
  const Y = (y) => top + (1 - (y - yMin) / (yMax - yMin)) * (H - top - bottom);

  const grid = [];
  for (let i = 0; i <= Y_TICKS; i++) {
    const y = yMin + ((yMax - yMin) * i) / Y_TICKS;
    grid.push({ x1: left, x2: W - right, y: Y(y), labelX: left - Y_LABEL_GAP, labelY: Y(y) + Y_LABEL_NUDGE, label: formatNumber(y, 1) });
  }
  return {
    width: W,
    height: H,
    grid,
    kLabels: entries.map(([k]) => ({ x: X(k), y: H - bottom + X_LABEL_OFFSET, label: String(k) })),
    axisLabel: { x: (left + W - right) / 2, y: H - AXIS_LABEL_INSET },
    path: entries.map(([k, v], i) => `${i ? "L" : "M"}${X(k).toFixed(1)},${Y(v).toFixed(1)}`).join(" "),
    dots: entries.map(([k, v]) => ({ x: X(k), y: Y(v), k, value: v })),
  };
}
