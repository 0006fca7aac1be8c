/* The actions that change what the page works on: the model, and the current latent.
 *
 * Every panel works from one current latent. It comes from encoding an image (the pad, an upload, a
 * paste), from adopting a latent (a strip frame, a posterior sample, a link) or from baking the slider
 * edits into it. These actions make the requests and put the answers in the store in one step; the
 * panels render from there, and react to a new latent (the edited image, the sweep, the URL). An
 * encode and an adopted latent share one request lane, so whichever came last wins.
 */

import { ENCODE_K, POSTERIOR_SAMPLES } from "./constants.js";
import { bakedEdits, zeroScales } from "./edits.js";
import { formatNumber } from "./format.js";
import { createLane } from "./scheduler.js";
import { sameInput, sameModel, stateForModel } from "./store.js";

const INPUT_PANEL = "input-panel";
const EDIT_PANEL = "edit-panel";

export function createSession({ store, api, feedback }) {
  const inputLane = createLane();

  /** Switches the page to the model named `name` (everything starts over); false if there is none. */
  function useModel(name) {
    const model = store.state.models.find((m) => m.name === name);
    if (!model) {
      feedback.showError(`The model “${name}” is not available on this server.`);
      return false;
    }
    store.set(stateForModel(model, store.state));
    return true;
  }

  function encodeForm(blob, filename, model) {
    const form = new FormData();
    form.append("image", blob, filename);
    form.append("model", model);
    form.append("k", String(ENCODE_K));
    form.append("samples", String(POSTERIOR_SAMPLES));
    return form;
  }

  /** Encodes an image file/blob: its latent becomes current, with input, reconstruction, log p(x) and
   * posterior samples. */
  async function encodeImage(blob, filename = "input.png") {
    const asked = store.state;
    const { model } = asked;
    if (!model) return;
    store.set({ inputRequested: true }); // the first-view sample, if still on its way, must not replace this
    const form = encodeForm(blob, filename, model.name);
    const result = await feedback.track(INPUT_PANEL, inputLane((signal) => api("encode", { form, signal })));
    if (!result || !sameModel(asked, store.state)) return; // another model (or the same one again) since
    feedback.clearError();
    store.set({
      latent: result.latent,
      source: "image",
      inputImage: result.input,
      reconstruction: result.reconstruction,
      logLikelihood: { value: result.log_likelihood, k: result.k },
      posterior: result.samples || null,
      bounds: null,
    });
    if (result.warning) feedback.showNotice(`Note: ${result.warning}.`);
    feedback.announce(`Encoded. log p(x) is about ${formatNumber(result.log_likelihood)} nats.`);
  }

  /** Makes `latent` current without an input image: shows `image`, or its decoded image if none. The
   * decode runs in the input lane, so a drawing sent meanwhile (while a link's latent decodes) wins. */
  async function setCurrentLatent(latent, image) {
    const values = Array.from(latent);
    let shown = image || null;
    if (shown) {
      inputLane.cancel(); // an encode still in flight must not replace this latent
    } else {
      const asked = store.state;
      const json = { model: asked.model.name, latents: [values] };
      const result = await feedback.track(INPUT_PANEL, inputLane((signal) => api("decode", { json, signal })));
      if (!result || !sameModel(asked, store.state)) return;
      shown = result.images[0];
    }
    store.set({
      latent: values,
      source: "latent",
      inputImage: shown,
      reconstruction: shown,
      logLikelihood: null,
      posterior: null,
      bounds: null,
    });
  }

  /** Bakes the slider edits into the latent: the edited image becomes the input, sliders go to 0.
   * `override` ({name, scale}) sets one slider's value first (a sweep frame that was picked). */
  async function bakeEdits(override = null) {
    const asked = store.state;
    const { latent, model, edits } = asked;
    if (!latent) return;
    const body = { model: model.name, latent, edits: bakedEdits(edits, override) };
    const result = await feedback.track(EDIT_PANEL, api("edit", { json: body }));
    if (!result || !sameInput(asked, store.state)) return; // a new input or model since: it stays
    store.set({ edits: zeroScales(store.state.edits) });
    await setCurrentLatent(result.latent, result.image);
    feedback.announce("The edited image is now the input.");
  }

  return { useModel, encodeImage, setCurrentLatent, bakeEdits };
}
