/* The page state and a tiny store that tells the panels when it changes.
 *
 * One frozen state object; `store.set(patch)` replaces it with a copy that has the patch applied and
 * calls every subscriber with (state, changed keys, previous state). Panels render from that; only
 * actions (event handlers, request results) call `set`, never a render function, and since the state
 * is frozen a render that tried to write it would throw. A `set` made while subscribers are being
 * called is delivered after the current round, so every subscriber sees the changes in order. Values
 * are replaced, never changed in place (the edits list, the interpolation ends…), which is how a
 * subscriber can tell what changed by identity. Pure: Node's test runner imports this module as it is.
 */

import { firstAttribute } from "./attributes.js";
import { SEED_RANGE, SWEEP_FRAMES } from "./constants.js";

const NO_EXAMPLES = Object.freeze({ with: Object.freeze([]), without: Object.freeze([]) });
const NO_ENDS = Object.freeze({ a: null, b: null });

/** Everything the page works from, before the models are known. */
export function initialState() {
  return {
    models: [], // the /models answer
    model: null, // the /models entry in use
    modelChoice: 0, // counts the times a model was chosen, the same one again included: each starts over
    latent: null, // the current latent (array of numbers): the point every panel works from
    source: null, // "image" (encoded from an input) or "latent" (picked from a strip, a link, a sample)
    inputRequested: false, // an upload or drawing was sent for encoding since the model was chosen
    inputImage: null, // data URL of the current input as the model sees it
    reconstruction: null, // data URL of its reconstruction
    logLikelihood: null, // {value, k} of the last encoded input
    posterior: null, // [{image, latent, weight}] importance samples of the last encoded input
    bounds: null, // {k: bound} measured for the current input
    edited: null, // {latent, image, summary}: the current latent with the slider edits
    edits: [], // [{name, scale, vector|null}] one per slider; vector only for custom attributes
    custom: {}, // custom attributes made here: name → {vector, method, n_positive, n_negative}
    sweepAttr: null, // the attribute the sweep strip shows
    frames: SWEEP_FRAMES.fallback, // frames of the sweep strip
    seed: SEED_RANGE.fallback, // seed of the prior samples
    ends: NO_ENDS, // interpolation ends: {latent, image} each
    examples: NO_EXAMPLES, // custom-attribute examples: {blob, url, name} per zone
  };
}

/** The patch that switches `state` to `model` (or starts it over on the same one): everything latent
 * belongs to one model, so it starts over, with one slider for the attribute people try first.
 * Frames and seed stay. Panels reset on `modelChoice`, which changes even when `model` does not. */
export function stateForModel(model, state) {
  const first = firstAttribute(model);
  return {
    model,
    modelChoice: state.modelChoice + 1,
    latent: null,
    source: null,
    inputRequested: false,
    inputImage: null,
    reconstruction: null,
    logLikelihood: null,
    posterior: null,
    bounds: null,
    edited: null,
    edits: first ? [{ name: first.name, scale: 0, vector: null }] : [],
    custom: {},
    sweepAttr: first ? first.name : null,
    ends: NO_ENDS,
    examples: NO_EXAMPLES,
  };
}

export function createStore(initial) {
  let state = Object.freeze({ ...initial });
  const subscribers = new Set();
  const pending = []; // [state, changed, previous] not yet delivered
  let delivering = false;

  function deliver() {
    delivering = true;
    try {
      while (pending.length) {
        const [next, changed, previous] = pending.shift();
        for (const subscriber of [...subscribers]) subscriber(next, changed, previous);
      }
    } finally {
      delivering = false;
      pending.length = 0; // a subscriber threw: the rest of this round is lost, not delivered late
    }
  }

  return {
    /** The current state (frozen: change it with `set`). */
    get state() {
      return state;
    },

    /** Applies `patch`; subscribers hear about the keys whose values changed (by identity). */
    set(patch) {
      const changed = new Set(Object.keys(patch).filter((key) => !Object.is(state[key], patch[key])));
      if (changed.size === 0) return;
      const previous = state;
      state = Object.freeze({ ...state, ...patch });
      pending.push([state, changed, previous]);
      if (!delivering) deliver();
    },

    /** Calls `subscriber(state, changed, previous)` after every change; returns the unsubscribe. */
    subscribe(subscriber) {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
  };
}

/** True while `state` works from the same model choice as `asked`, a state noted before a request: the
 * answer for an earlier model must not land on the one chosen since. */
export function sameModel(asked, state) {
  return asked.modelChoice === state.modelChoice;
}

/** True while `state` works from the same model choice and the same current latent as `asked`: the
 * answer for an earlier input must not land on a newer one. */
export function sameInput(asked, state) {
  return sameModel(asked, state) && asked.latent === state.latent;
}

/** True when any of `keys` is among the changed ones. */
export function changedAny(changed, keys) {
  return keys.some((key) => changed.has(key));
}
