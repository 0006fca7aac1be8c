/* Panel 3, interpolation: the path from latent A to latent B, along a great circle (slerp) or a
 * straight line (lerp).
 *
 * "Use current as A/B" copies the current latent; once both ends are set the path is drawn at once,
 * and again whenever the method or the number of steps changes. Clicking a frame makes it the input.
 */

import { INTERPOLATE_DEBOUNCE_MS, INTERPOLATION_STEPS } from "../constants.js";
import { clearStrip, find, renderStrip, setImage } from "../dom.js";
import { NO_INPUT_MESSAGE } from "../feedback.js";
import { clampInt } from "../format.js";
import { createLane, debounce } from "../scheduler.js";

const END_NAMES = { a: "Start", b: "End" };

export function mountInterpolationPanel(root, { store, api, feedback, session }) {
  const stepsInput = find(root, "interp-steps");
  const runButton = find(root, "interp-run");
  const strip = find(root, "interp-strip");
  const download = find(root, "interp-download");
  const lane = createLane();

  function renderEnds({ ends }) {
    for (const key of ["a", "b"]) {
      const end = ends[key];
      const name = `${END_NAMES[key]} ${key.toUpperCase()}`;
      setImage(find(root, `end-${key}`), end ? end.image : null, end ? name : `${name} (not set)`);
    }
    runButton.disabled = !(ends.a && ends.b);
  }

  function chosenMethod() {
    return root.querySelector('input[name="interp-method"]:checked').value;
  }

  async function run() {
    const { ends, model } = store.state;
    if (!ends.a || !ends.b || !model) return;
    const steps = clampInt(stepsInput.value, INTERPOLATION_STEPS);
    stepsInput.value = String(steps);
    const method = chosenMethod();
    const body = { model: model.name, start: ends.a.latent, end: ends.b.latent, steps, method };
    const result = await feedback.track(root.id, lane((signal) => api("interpolate", { json: body, signal })));
    if (!result) return;
    renderStrip(strip, result.images, {
      describe: (i) => `step ${i + 1} of ${result.images.length} from A to B`,
      onPick: (i) => session.setCurrentLatent(result.latents[i], result.images[i]),
      download,
      strip: result.strip,
      filename: `${model.name}-${method}-interpolation.png`,
    });
    feedback.announce(`Interpolated in ${result.images.length} steps (${method}).`);
  }

  const scheduleRun = debounce(run, INTERPOLATE_DEBOUNCE_MS);

  /** The current latent becomes end `key` ("a" or "b"), shown by its reconstruction. */
  function setEnd(key) {
    const { latent, reconstruction, inputImage, ends } = store.state;
    if (!latent) {
      feedback.showError(NO_INPUT_MESSAGE);
      return;
    }
    const next = { ...ends, [key]: { latent: latent.slice(), image: reconstruction || inputImage } };
    store.set({ ends: next });
    if (next.a && next.b) run();
  }

  find(root, "set-a").addEventListener("click", () => setEnd("a"));
  find(root, "set-b").addEventListener("click", () => setEnd("b"));
  runButton.addEventListener("click", run);
  stepsInput.addEventListener("change", scheduleRun);
  for (const radio of root.querySelectorAll('input[name="interp-method"]')) radio.addEventListener("change", scheduleRun);

  store.subscribe((state, changed) => {
    if (changed.has("modelChoice")) {
      // A path of the previous model, still on its way, must not land in the new model's panel.
      lane.cancel();
      scheduleRun.cancel();
      clearStrip(strip, download);
    }
    if (changed.has("modelChoice") || changed.has("ends")) renderEnds(state);
  });
}
