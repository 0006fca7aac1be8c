// The URL sync on a hash change: what it restores and which refill it asks for (samples of a new seed,
// a new model's first view), with a fake window and session around the real store.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createStore, initialState, stateForModel } from "../../static/js/store.js";
import { createUrlSync } from "../../static/js/urlsync.js";

const MODELS = [
  { name: "digits", latent_size: 2, attributes: [{ name: "0", method: "mean_difference" }] },
  { name: "digits-vae", latent_size: 2, attributes: [{ name: "0", method: "mean_difference" }] },
];

/** A window whose hash the test sets; `changeHash` resolves once the page's hashchange handlers did. */
function fakeWindow() {
  const handlers = [];
  const location = { hash: "", href: "http://demo/" };
  return {
    location,
    history: {
      replaceState(_state, _title, hash) {
        location.hash = hash;
      },
    },
    addEventListener(type, handler) {
      if (type === "hashchange") handlers.push(handler);
    },
    changeHash(hash) {
      location.hash = hash;
      return Promise.all(handlers.map((handler) => handler()));
    },
  };
}

/** The page on "digits" with a latent and seed 0, its URL in sync; `calls` records the refills. */
function pageOnDigits() {
  const store = createStore({ ...initialState(), models: MODELS });
  const session = {
    useModel(name) {
      store.set(stateForModel(MODELS.find((m) => m.name === name), store.state));
      return true;
    },
    async setCurrentLatent(latent) {
      store.set({ latent: Array.from(latent), source: "latent" });
    },
  };
  const errors = [];
  const feedback = { showError: (message) => errors.push(message) };
  const calls = [];
  const win = fakeWindow();
  const url = createUrlSync({
    store,
    session,
    feedback,
    onNewModel: (restored) => calls.push(["model", restored]),
    onNewSeed: () => calls.push(["seed", store.state.seed]),
    win,
  });
  session.useModel("digits");
  store.set({ latent: [0.5, -1], seed: 0 });
  url.save();
  return { store, win, calls, errors };
}

test("a link to the model in use with another seed draws the samples of that seed", async () => {
  const { store, win, calls, errors } = pageOnDigits();
  const latent = store.state.latent;
  await win.changeHash(win.location.hash.replace("seed=0", "seed=7"));
  assert.equal(store.state.seed, 7);
  assert.deepEqual(calls, [["seed", 7]]); // drawn once the seed is the link's
  assert.deepEqual(store.state.latent, latent); // the input in use stays (a copy: the panels redraw on it)
  assert.deepEqual(errors, []);
});

test("a link to the model in use with the same seed leaves the samples as they are", async () => {
  const { store, win, calls } = pageOnDigits();
  await win.changeHash(win.location.hash.replace("frames=9", "frames=5"));
  assert.equal(store.state.frames, 5);
  assert.deepEqual(calls, []);
});

test("a link to another model with another seed refills that model once, not the seed on top", async () => {
  const { store, win, calls } = pageOnDigits();
  await win.changeHash("#model=digits-vae&frames=9&seed=3");
  assert.equal(store.state.model.name, "digits-vae");
  assert.equal(store.state.seed, 3);
  assert.deepEqual(calls, [["model", false]]); // no latent in the link: a first view, with seed 3's samples
});
