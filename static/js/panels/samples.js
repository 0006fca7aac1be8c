/* Panel 4, samples: a seeded, tempered batch of decoded samples from the model's prior, or from the
 * Gaussian fitted to its training encodings when it has one (GET /models: samples_from).
 *
 * The seed is part of the link; "New seed" draws one. Clicking a sample makes it the input. The page's
 * first view on a model is such a batch and an input (`showFirstView`: the first sample, or the mean of
 * the training encodings), unless the person has sent an input of their own meanwhile.
 */

import { NEW_SEED_LIMIT, SAMPLE_COUNT, SEED_RANGE } from "../constants.js";
import { clearStrip, find, renderStrip } from "../dom.js";
import { clampInt } from "../format.js";
import { createLane } from "../scheduler.js";
import { sameModel } from "../store.js";

const TEMPERATURE_DIGITS = 2;
// What /sample draws from (GET /models: samples_from), as the panel's title says it.
const SAMPLE_SOURCES = { prior: "from the prior", encodings: "from the training encodings" };

export function mountSamplePanel(root, { store, api, feedback, session, url }) {
  const seedInput = find(root, "seed");
  const temperature = find(root, "temperature");
  const source = find(root, "sample-source");
  const temperatureValue = find(root, "temperature-value");
  const countSelect = find(root, "sample-n");
  const strip = find(root, "sample-strip");
  const download = find(root, "sample-download");
  const lane = createLane();

  /** The seed field clamped; the store learns a typed value here if no change event told it yet. */
  function committedSeed() {
    const seed = clampInt(seedInput.value, SEED_RANGE);
    seedInput.value = String(seed);
    store.set({ seed });
    return seed;
  }

  /** Draws a batch of prior samples into the strip; resolves with the answer (undefined on failure). */
  async function run() {
    const { model } = store.state;
    if (!model) return undefined;
    const seed = committedSeed();
    const body = { model: model.name, n: clampInt(countSelect.value, SAMPLE_COUNT), seed, temperature: Number(temperature.value) };
    const result = await feedback.track(root.id, lane((signal) => api("sample", { json: body, signal })));
    if (!result) return undefined;
    renderStrip(strip, result.images, {
      describe: (i) => `sample ${i + 1} (seed ${seed})`,
      onPick: (i) => session.setCurrentLatent(result.latents[i], result.images[i]),
      download,
      strip: result.strip,
      filename: `${model.name}-samples-seed${seed}.png`,
    });
    return result;
  }

  /** The first view's input: a model that samples from its training encodings starts on their mean
   * (temperature 0: the average face), since one draw at the default temperature is about as often a
   * smudge as a face; a model that samples from the prior starts on the batch's first sample. */
  async function firstInput(model, samples) {
    if (model.samples_from !== "encodings") return samples && samples.latents.length ? samples : null;
    const body = { model: model.name, n: 1, seed: 0, temperature: 0 };
    return feedback.track(root.id, lane((signal) => api("sample", { json: body, signal })));
  }

  /** A first view with something to play with: a batch of samples, and an input to edit. */
  async function showFirstView() {
    const asked = store.state;
    const { model } = asked;
    if (!model) return;
    const first = await firstInput(model, await run());
    const state = store.state;
    if (!first || !sameModel(asked, state) || state.latent || state.inputRequested) return;
    await session.setCurrentLatent(first.latents[0], first.images[0]);
  }

  function runAndRecord() {
    run();
    url.save();
  }

  find(root, "sample-run").addEventListener("click", runAndRecord);
  find(root, "sample-new").addEventListener("click", () => {
    store.set({ seed: Math.floor(Math.random() * NEW_SEED_LIMIT) });
    runAndRecord();
  });
  seedInput.addEventListener("change", runAndRecord);
  function showTemperature() {
    temperatureValue.textContent = Number(temperature.value).toFixed(TEMPERATURE_DIGITS);
  }
  temperature.addEventListener("input", showTemperature);
  temperature.addEventListener("change", run);

  store.subscribe((state, changed) => {
    if (changed.has("modelChoice")) {
      lane.cancel(); // samples of the previous model, still on their way, must not land in the new model's strip
      clearStrip(strip, download);
      // Each model's own default, chosen by measuring its samples (bench/face_fidelity.py; else 1).
      temperature.value = String(state.model.sample_temperature ?? 1);
      showTemperature();
      source.textContent = SAMPLE_SOURCES[state.model.samples_from] || SAMPLE_SOURCES.prior;
    }
    if (changed.has("seed")) seedInput.value = String(state.seed);
  });

  return { run, showFirstView };
}
