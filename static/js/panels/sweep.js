/* The sweep strip of panel 2: one attribute from −3 to +3 on top of the other sliders.
 *
 * The strip follows the swept attribute's picker, the number of frames, the current latent and the
 * other sliders; the frame nearest to the swept slider's value is outlined, as that is where the
 * edited image sits. Clicking a frame bakes it into the input. The edit panel asks for a new strip
 * when its sliders change (`refresh`), and for a new outline while one moves (`markCurrentFrame`).
 */

import { SWEEP_FRAMES } from "../constants.js";
import { clearStrip, element, find, renderStrip } from "../dom.js";
import { activeEdits, nearestFrame, sameSliders, sweepRequest } from "../edits.js";
import { clampInt, formatScale, slug } from "../format.js";
import { createLane } from "../scheduler.js";

/** `root` is the edit panel, which holds the sweep. */
export function mountSweep(root, { store, api, feedback, session, url }) {
  const picker = find(root, "sweep-attr");
  const framesInput = find(root, "sweep-steps");
  const strip = find(root, "sweep-strip");
  const download = find(root, "sweep-download");
  const lane = createLane();
  let frameScales = []; // the scales of the frames on screen

  function renderOptions({ edits, sweepAttr }) {
    picker.textContent = "";
    for (const e of edits) {
      const option = element("option", "", e.name);
      option.value = e.name;
      picker.append(option);
    }
    if (sweepAttr !== null) picker.value = sweepAttr;
    picker.disabled = edits.length === 0;
  }

  /** Outlines the frame nearest to the swept attribute's slider. */
  function markCurrentFrame() {
    const { edits, sweepAttr } = store.state;
    const edit = edits.find((e) => e.name === sweepAttr);
    const frames = strip.querySelectorAll(".frame");
    const current = edit && frames.length === frameScales.length ? nearestFrame(frameScales, edit.scale) : -1;
    frames.forEach((frame, i) => {
      frame.classList.toggle("current", i === current);
      if (i === current) frame.setAttribute("aria-current", "true");
      else frame.removeAttribute("aria-current");
    });
  }

  /** The frames field clamped; the store learns a typed value here if no change event told it yet. */
  function committedFrames() {
    const frames = clampInt(framesInput.value, SWEEP_FRAMES);
    framesInput.value = String(frames);
    store.set({ frames });
    return frames;
  }

  function show(edit, { scales, images, strip: stripImage }, modelName) {
    frameScales = scales;
    renderStrip(strip, images, {
      labels: scales.map(formatScale),
      describe: (i) => `${edit.name} at ${formatScale(scales[i])}`,
      onPick: (i) => session.bakeEdits({ name: edit.name, scale: scales[i] }),
      download,
      strip: stripImage,
      filename: `${modelName}-${slug(edit.name)}-sweep.png`,
    });
    markCurrentFrame();
  }

  /** Asks for the strip of the current latent, sliders and swept attribute (clears it without one). */
  async function refresh() {
    const { latent, model, edits, sweepAttr } = store.state;
    const edit = edits.find((e) => e.name === sweepAttr);
    if (!latent || !model || !edit) {
      lane.cancel();
      clearStrip(strip, download);
      return;
    }
    const sweep = sweepRequest(edit, committedFrames());
    const body = { model: model.name, latent, edits: activeEdits(edits, edit.name), sweep };
    const result = await feedback.track(root.id, lane((signal) => api("edit", { json: body, signal })));
    if (!result || !result.sweep) return;
    show(edit, result.sweep, model.name);
  }

  picker.addEventListener("change", () => {
    store.set({ sweepAttr: picker.value });
    refresh();
    url.save();
  });
  framesInput.addEventListener("change", () => {
    committedFrames(); // the link records the frames even before there is a strip to show
    refresh();
    url.save();
  });

  store.subscribe((state, changed, previous) => {
    if (changed.has("modelChoice")) {
      lane.cancel(); // a strip of the previous model, still on its way, must not land in the new model's panel
      clearStrip(strip, download);
    }
    if (changed.has("frames")) framesInput.value = String(state.frames);
    const slidersChanged = changed.has("edits") && !sameSliders(state.edits, previous.edits);
    if (changed.has("modelChoice") || slidersChanged) renderOptions(state);
    else if (changed.has("sweepAttr") && state.sweepAttr !== null) picker.value = state.sweepAttr;
  });

  return { refresh, markCurrentFrame };
}
