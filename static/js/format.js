/* Numbers and models as the page writes them.
 *
 * Slider scales with an explicit sign and a true minus ("+1.5", "−0.7", "0.0"), fixed-digit numbers,
 * clamping of typed numbers into a field's range, file-name slugs, and the one-line description of a
 * model under the header. Pure functions: no DOM, so Node's test runner imports this module as it is.
 */

import { ENCODE_K, SMALL_IMAGE_SIZE } from "./constants.js";

const MINUS = "−"; // U+2212: the typographic minus, as wide as the plus sign

/** A slider scale: one decimal, "+" for positive values, a true minus, and never "−0.0". */
export function formatScale(x) {
  const s = Number(x).toFixed(1);
  return (x > 0 ? "+" : "") + (s === "-0.0" ? "0.0" : s).replace("-", MINUS);
}

/** A number with `digits` decimals and a true minus. */
export function formatNumber(x, digits = 2) {
  return Number(x).toFixed(digits).replace("-", MINUS);
}

/** A typed value as an integer within {min, max}; `fallback` when it is no number at all. */
export function clampInt(value, { min, max, fallback }) {
  // Number("") and Number(null) are 0: an emptied field is no number, not a request for the minimum.
  if (value === null || value === undefined || String(value).trim() === "") return fallback;
  const n = Math.round(Number(value));
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, n));
}

/** A name as a file-name part: "Blond_Hair (balanced)" → "blond-hair-balanced". */
export function slug(text) {
  return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "attribute";
}

/** "1 image", "3 images". */
export function countImages(n) {
  return `${n} image${n === 1 ? "" : "s"}`;
}

/** Small greyscale models (the digits) are drawn on the pad; larger or colour ones are uploaded. */
export function isDrawable(model) {
  const [height, , channels] = model.image_shape;
  return channels === 1 && height <= SMALL_IMAGE_SIZE;
}

/** Small images are scaled up with hard pixel edges rather than blurred. */
export function isPixelated(model) {
  return model.image_shape[0] <= SMALL_IMAGE_SIZE;
}

/** "28×28 greyscale images · 100-dimensional latent (h1) · test NLL 85.56 nats · trained as IWAE · on CPU":
 * the latent's stochastic layer in brackets, and its grid when it is one ("2048-dimensional latent
 * (h1, 8×8 grid of 32)"). */
export function describeModel(model) {
  const [h, w, c] = model.image_shape;
  const shape = model.latent_shape || [];
  const grid = shape.length === 3 ? `${shape[0]}×${shape[1]} grid of ${shape[2]}` : "";
  const notes = [model.latent_layer, grid].filter(Boolean).join(", ");
  const latent = `${model.latent_size}-dimensional latent${notes ? ` (${notes})` : ""}`;
  const parts = [`${h}×${w}${c === 3 ? " colour" : " greyscale"} images`, latent];
  const report = model.report || {};
  const nll = typeof model.test_nll === "number" ? model.test_nll : report.test_nll;
  // Per-image nats of a 12,288-dimensional face are unreadable; the literature reports bits per dimension.
  if (c === 3 && typeof report.bits_per_dim === "number") parts.push(`test NLL ${report.bits_per_dim.toFixed(2)} bits/dim`);
  else if (typeof nll === "number") parts.push(`test NLL ${formatNumber(nll)} nats`);
  if (model.objective) parts.push(`trained as ${model.objective.toUpperCase()}`);
  if (model.device) parts.push(`on ${model.device.replace(/^\/(device:)?/i, "").replace(/:0$/, "")}`);
  return parts.join(" · ");
}

/** The note under log p(x) before anything is encoded (also in the HTML). */
export const LOG_LIKELIHOOD_NOTE = `nats, importance-weighted with k = ${ENCODE_K}`;

/** "nats, importance-weighted with k = 50", with bits per dimension for colour images, whose per-image
 * nats run to tens of thousands. */
export function logLikelihoodNote(model, logLikelihood, k) {
  const [h, w, c] = model.image_shape;
  const bitsPerDim = c === 3 ? ` (${(-logLikelihood / (h * w * c * Math.LN2)).toFixed(2)} bits/dim)` : "";
  return `nats${bitsPerDim}, importance-weighted with k = ${k}`;
}
