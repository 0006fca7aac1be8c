/* Keeps the URL hash in step with the view, and restores a view from a link.
 *
 * The hash is rewritten (replaceState: no history entry per slider move) when the latent changes and
 * when a control the link records is committed; opening a link, or editing the hash by hand, restores
 * model, latent, edits, sweep, frames and seed, and reports together whatever the link held that this
 * server's model cannot show. A link to the model in use changes only what it names (the drawing, the
 * posterior, custom attributes, interpolation ends and samples stay, unless it names another seed:
 * `onNewSeed()` draws the samples of that one); one to another model starts the page over on it, and
 * `onNewModel(restored)` refills what a model starts with (the samples, and a first view when the link
 * held no latent). The format itself is urlstate.js.
 */

import { sweptAttribute } from "./edits.js";
import { encodeFloats } from "./codec.js";
import { parseLink, resolveLink, serialiseView } from "./urlstate.js";

export function createUrlSync({ store, session, feedback, onNewModel = () => {}, onNewSeed = () => {}, win = window }) {
  const { location, history } = win;
  let restoring = false; // a restore in progress sets the state piece by piece: save once, at its end

  function save() {
    if (restoring) return;
    const hash = "#" + serialiseView(store.state);
    if (hash !== location.hash) history.replaceState(null, "", hash);
  }

  /** The link to this view. */
  function shareUrl() {
    return `${location.href.split("#")[0]}#${serialiseView(store.state)}`;
  }

  /** Restores the view of the URL hash. Resolves true if it set a latent. */
  async function restore() {
    return (await restoreView()).restored;
  }

  /** Restores the view of the URL hash: {restored: it set a latent, newModel: it chose another model,
   * newSeed: it changed the seed of the samples}. */
  async function restoreView() {
    const link = parseLink(location.hash);
    const current = store.state.model;
    const newModel = !current || current.name !== link.model;
    const newSeed = link.seed !== null && link.seed !== store.state.seed;
    if (!link.model) return { restored: false, newModel: false, newSeed: false };
    restoring = true;
    let problems = []; // everything wrong with the link, reported together
    try {
      if (newModel && !session.useModel(link.model)) return { restored: false, newModel: false, newSeed: false };
      const view = resolveLink(link, store.state.model);
      problems = view.problems;
      store.set({
        frames: link.frames ?? store.state.frames,
        seed: link.seed ?? store.state.seed,
        // On the same model the attributes made here stay available beside the link's.
        custom: newModel ? view.custom : { ...store.state.custom, ...view.custom },
        edits: view.edits,
        sweepAttr: sweptAttribute(view.edits, view.sweepAttr),
      });
      if (!view.latent) return { restored: false, newModel, newSeed };
      const { latent } = store.state;
      if (!newModel && latent && encodeFloats(latent) === encodeFloats(view.latent)) {
        // The input in use, as the link writes it: its posterior, reconstruction and bounds stay. A
        // fresh array tells the panels that follow the latent to show the link's edits on it.
        store.set({ latent: latent.slice() });
      } else {
        await session.setCurrentLatent(view.latent, null);
      }
      return { restored: true, newModel, newSeed };
    } finally {
      restoring = false;
      if (problems.length) feedback.showError(`This link could not be restored completely: ${problems.join("; ")}.`);
      save();
    }
  }

  // A new latent is a new view: the link follows (the edited image and the sweep follow elsewhere).
  store.subscribe((state, changed) => {
    if (changed.has("latent") && state.latent) save();
  });

  // The hash edited by hand, or a link opened in this tab: show its view unless it is this one.
  win.addEventListener("hashchange", async () => {
    if (location.hash.replace(/^#/, "") === serialiseView(store.state)) return;
    const { restored, newModel, newSeed } = await restoreView();
    if (newModel) await onNewModel(restored); // its samples come with the rest of the model's first view
    else if (newSeed) await onNewSeed();
  });

  return { save, shareUrl, restore };
}
