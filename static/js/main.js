/* IWAE Latent Lab: the browser side of the demo, started here.
 *
 * One page over the JSON API of app/: pick a model, draw or upload an input, move attribute sliders,
 * interpolate, sample, make a custom attribute, look at the posterior, share the view as a link.
 * Plain ES modules, no build step. This module creates the shared pieces (the store, the API with
 * decoding in the page in front of it, feedback, the session actions, the URL sync), mounts one module
 * per panel on its section, and starts: load the models, restore a link or show a first view on the
 * first model. ONNX Runtime Web, when the server has it, is the one dependency (pagedecoder.js).
 */

import { createApi } from "./api.js";
import { find } from "./dom.js";
import { createPageDecoding } from "./pagedecoder.js";
import { createFeedback } from "./feedback.js";
import { mountCustomPanel } from "./panels/custom.js";
import { mountEditPanel } from "./panels/edits.js";
import { mountHeader } from "./panels/header.js";
import { mountInputPanel } from "./panels/input.js";
import { mountInterpolationPanel } from "./panels/interpolation.js";
import { mountPosteriorPanel } from "./panels/posterior.js";
import { mountSamplePanel } from "./panels/samples.js";
import { mountSweep } from "./panels/sweep.js";
import { createSession } from "./session.js";
import { createStore, initialState } from "./store.js";
import { createUrlSync } from "./urlsync.js";

const store = createStore(initialState());
const pageDecoding = createPageDecoding({ runtimeUrl: document.body.dataset.onnxRuntime || "" });
const api = pageDecoding.wrap(createApi());
const feedback = createFeedback(document);
const session = createSession({ store, api, feedback });
const url = createUrlSync({ store, session, feedback, onNewModel: fillSamples, onNewSeed: () => samples.run() });
const app = { store, api, feedback, session, url };

// Debug / test hook: a read-only view of the current state, and decoding as the page does it.
window.latentLab = Object.freeze({
  get state() {
    return store.state;
  },
  decode: (latents) => api("decode", { json: { model: store.state.model.name, latents } }),
  decoderReady: () => pageDecoding.decoderFor(store.state.model).then(Boolean),
});

/** The footer says where images are decoded: in the page once its decoder loads, else on the server. */
async function showDecodingPath(model) {
  const footer = find(document, "decoding-path");
  footer.textContent = "Decoding on the server while the in-page decoder loads.";
  await pageDecoding.decoderFor(model);
  if (store.state.model === model) footer.textContent = pageDecoding.describe(model);
}
store.subscribe((state, changed) => {
  if (changed.has("model") && state.model) showDecodingPath(state.model);
});

const panel = (id) => find(document, id);
const input = mountInputPanel(panel("input-panel"), app);
const sweep = mountSweep(panel("edit-panel"), app);
const edits = mountEditPanel(panel("edit-panel"), app, { sweep });
mountInterpolationPanel(panel("interp-panel"), app);
const samples = mountSamplePanel(panel("sample-panel"), app);
mountPosteriorPanel(panel("posterior-panel"), app);
mountCustomPanel(panel("custom-panel"), app, { addCustomAttribute: edits.addCustomAttribute, clearUsedDrawing: input.clearUsedDrawing });
const header = mountHeader(document.body, app, { onModelPicked: samples.showFirstView });

/** The sample strip of a model the page starts on: a restored link brings its own input and the
 * samples are there to pick from; else the first view also brings one (the first sample, or the
 * average face of a model that samples from its encodings). */
function fillSamples(restored) {
  return restored ? samples.run() : samples.showFirstView();
}

async function start() {
  if (!(await header.loadModels())) return;
  const restored = await url.restore();
  if (!store.state.model) session.useModel(store.state.models[0].name);
  await fillSamples(restored);
  url.save();
  document.body.dataset.ready = "true";
}

start();
