// The session's answers land only on the model choice they were asked for.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createSession } from "../../static/js/session.js";
import { createStore, initialState, stateForModel } from "../../static/js/store.js";

const DIGITS = { name: "digits", latent_size: 2, attributes: [] };

/** A session over a store on the digits model, whose API calls wait until the test answers them. */
function pendingSession() {
  const store = createStore({ ...initialState(), models: [DIGITS] });
  store.set(stateForModel(DIGITS, store.state));
  const calls = [];
  const api = (route, options) => new Promise((resolve) => calls.push({ route, options, resolve }));
  const feedback = {
    track: async (_panel, promise) => promise,
    clearError() {},
    showError() {},
    showNotice() {},
    announce() {},
  };
  return { store, calls, session: createSession({ store, api, feedback }) };
}

const ENCODED = { latent: [0.5, -0.5], input: "data:in", reconstruction: "data:re", log_likelihood: -90, k: 50 };

test("an encode answered on the model it was asked for becomes the current latent", async () => {
  const { store, calls, session } = pendingSession();
  const done = session.encodeImage(new Blob(["x"]));
  calls[0].resolve(ENCODED);
  await done;
  assert.deepEqual(store.state.latent, [0.5, -0.5]);
  assert.equal(store.state.source, "image");
});

test("an encode answered after the same model was chosen again does not land on the fresh start", async () => {
  const { store, calls, session } = pendingSession();
  const done = session.encodeImage(new Blob(["x"]));
  assert.ok(session.useModel("digits")); // starts over on the same model: same name, new choice
  calls[0].resolve(ENCODED);
  await done;
  assert.equal(store.state.latent, null);
  assert.equal(store.state.reconstruction, null);
});

test("a link's latent decoded after the model was chosen again does not land either", async () => {
  const { store, calls, session } = pendingSession();
  const done = session.setCurrentLatent([1, 2]);
  assert.equal(calls[0].route, "decode");
  assert.deepEqual(calls[0].options.json, { model: "digits", latents: [[1, 2]] });
  session.useModel("digits");
  calls[0].resolve({ images: ["data:img"] });
  await done;
  assert.equal(store.state.latent, null);
});
