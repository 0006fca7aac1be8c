/* Keeps the URL hash in step with the view, and restores a view from a link.
 *
 * The hash is rewritten (replaceState: no history entry per slider move) when the latent changes and
 * when a control the link records is committed; opening a link, or editing the hash by hand, restores
 * model, latent, edits, sweep, frames and seed, and reports together whatever the link held that this
 * server's model cannot show. The format itself is urlstate.js.
 */

import { sweptAttribute } from "./edits.js";
import { parseLink, resolveLink, serialiseView } from "./urlstate.js";

export function createUrlSync({ store, session, feedback, win = window }) {
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
    const link = parseLink(location.hash);
    if (!link.model) return false;
    restoring = true;
    let problems = []; // everything wrong with the link, reported together
    try {
      if (!session.useModel(link.model)) return false;
      const view = resolveLink(link, store.state.model);
      problems = view.problems;
      store.set({
        frames: link.frames ?? store.state.frames,
        seed: link.seed ?? store.state.seed,
        custom: view.custom,
        edits: view.edits,
        sweepAttr: sweptAttribute(view.edits, view.sweepAttr),
      });
      if (!view.latent) return false;
      await session.setCurrentLatent(view.latent, null);
      return true;
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
  win.addEventListener("hashchange", () => {
    if (location.hash.replace(/^#/, "") !== serialiseView(store.state)) restore();
  });

  return { save, shareUrl, restore };
}
