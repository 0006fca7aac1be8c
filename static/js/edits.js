/* Slider edits: the list of {name, scale, vector} and the requests made from it.
 *
 * Each attribute slider is an edit: a built-in attribute by name, or a custom one carried with its
 * vector (the server does not know it). The list is replaced, never changed in place, so the store
 * sees every change. These functions build new lists (add, remove, set a scale, reset), keep the swept
 * attribute pointing at a slider, and turn edits into the bodies of /edit requests. Pure: Node's test
 * runner imports this module as it is.
 */

import { SLIDER_MAX, SLIDER_MIN } from "./constants.js";
import { formatScale } from "./format.js";

/** One edit as /edit takes it; `scale` overrides the slider's own value. */
export function editPayload(edit, scale = edit.scale) {
  return edit.vector ? { vector: edit.vector, scale } : { attribute: edit.name, scale };
}

/** The edits that change something (scale ≠ 0), optionally without the one named `except`. */
export function activeEdits(edits, except = null) {
  return edits.filter((e) => e.name !== except && e.scale !== 0).map((e) => editPayload(e));
}

/** The edits to bake into the latent: the non-zero ones, with `override` ({name, scale}) replacing its
 * slider's value (a sweep frame picked at that scale). */
export function bakedEdits(edits, override = null) {
  return edits
    .map((e) => {
      if (override && e.name === override.name) return editPayload(e, override.scale);
      return e.scale !== 0 ? editPayload(e) : null;
    })
    .filter(Boolean);
}

/** "0 +1.5, 3 −0.7": the non-zero edits, for the edited image's text alternative. */
export function editSummary(edits) {
  return edits
    .filter((e) => e.scale !== 0)
    .map((e) => `${e.name} ${formatScale(e.scale)}`)
    .join(", ");
}

/** The sweep body of /edit: the edit's attribute from SLIDER_MIN to SLIDER_MAX in `steps` frames. */
export function sweepRequest(edit, steps) {
  const range = { start: SLIDER_MIN, stop: SLIDER_MAX, steps };
  return edit.vector ? { vector: edit.vector, ...range } : { attribute: edit.name, ...range };
}

/** A scale within the slider's range; anything that is no number is 0. */
export function clampScale(value) {
  return Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, Number(value) || 0));
}

export function withScale(edits, name, scale) {
  return edits.map((e) => (e.name === name ? { ...e, scale } : e));
}

export function withoutEdit(edits, name) {
  return edits.filter((e) => e.name !== name);
}

/** Every slider back to 0. */
export function zeroScales(edits) {
  return edits.map((e) => (e.scale === 0 ? e : { ...e, scale: 0 }));
}

/** True when two lists hold the same sliders in the same order (scales aside). */
export function sameSliders(a, b) {
  return a.length === b.length && a.every((e, i) => e.name === b[i].name && e.vector === b[i].vector);
}

/** The attribute the sweep strip shows: `wanted` if it has a slider, else the last slider's, else null. */
export function sweptAttribute(edits, wanted) {
  if (edits.some((e) => e.name === wanted)) return wanted;
  return edits.length ? edits[edits.length - 1].name : null;
}

/** Distances closer than this are a tie (float noise of the server's scales): the first frame wins. */
const TIE = 1e-9;

/** Index of the frame whose scale is nearest to `scale` (the first of equals); -1 for no frames. */
export function nearestFrame(scales, scale) {
  let nearest = -1;
  let best = Infinity;
  scales.forEach((s, i) => {
    const distance = Math.abs(s - scale);
    if (distance < best - TIE) {
      best = distance;
      nearest = i;
    }
  });
  return nearest;
}
