/* What the page tells the person besides its panels: alerts, screen-reader announcements, busy marks.
 *
 * One alert region (errors, and notices that are no failure, each with a close button), one polite
 * status region for screen readers, and `track(panelId, promise)`: the panel is aria-busy while the
 * promise runs (and shows a spinner after a short delay, as does the header), the promise's error is
 * reported in plain words, and the cancellations of request lanes are swallowed. An error reported for
 * a panel goes away when a later tracked request of the same panel succeeds (one failed /edit during
 * a drag is over once the next one answers); notices and other panels' errors stay until dismissed.
 * When the alert goes while the keyboard is on its close button, the focus goes back to where it was
 * when the alert appeared (else to the demo), not to the top of the page.
 */

import { ApiError } from "./api.js";
import { SPINNER_DELAY_MS } from "./constants.js";
import { element, find } from "./dom.js";
import { isCancellation } from "./scheduler.js";

/** The answer to any action that needs a current input when there is none. */
export const NO_INPUT_MESSAGE = "There is no current input yet: draw, upload or sample one first.";

export function createFeedback(doc) {
  const alert = find(doc, "alert");
  const status = find(doc, "status");
  const spinner = find(doc, "busy");
  let running = 0; // tracked promises in flight, page-wide
  let failedPanel = null; // the panel whose tracked request the alert reports, if that is what it shows
  let focusBefore = null; // the element the keyboard was on when the alert appeared

  const alertHasFocus = () => alert.contains(doc.activeElement);

  function focusBack() {
    const target = focusBefore && focusBefore.isConnected && !focusBefore.disabled ? focusBefore : find(doc, "main");
    target.focus();
  }

  function clearError() {
    const hadFocus = alertHasFocus();
    alert.textContent = "";
    failedPanel = null;
    if (hadFocus) focusBack();
  }

  function showError(message, { notice = false } = {}) {
    const hadFocus = alertHasFocus();
    if (!hadFocus) focusBefore = doc.activeElement === doc.body ? null : doc.activeElement;
    alert.textContent = "";
    failedPanel = null;
    alert.classList.toggle("notice", notice);
    const close = element("button", "alert-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss the message");
    close.addEventListener("click", clearError);
    alert.append(element("p", "alert-text", message), close);
    if (hadFocus) close.focus(); // a message replaced the one whose close button had the focus
  }

  /** A warning that is no failure (e.g. "no face found: used the centre"), in the same region. */
  function showNotice(message) {
    showError(message, { notice: true });
  }

  function announce(message) {
    status.textContent = message;
  }

  function showSpinner(visible) {
    spinner.hidden = !visible;
  }

  // A panel can run several tracked promises at once: it stays busy until the last one ends.
  function markBusy(panel) {
    panel.dataset.busyCount = String(Number(panel.dataset.busyCount || 0) + 1);
    panel.setAttribute("aria-busy", "true");
  }

  function unmarkBusy(panel) {
    const left = Number(panel.dataset.busyCount || 1) - 1;
    panel.dataset.busyCount = String(left);
    if (left === 0) {
      panel.removeAttribute("aria-busy");
      panel.classList.remove("busy");
    }
  }

  function report(err, panelId) {
    showError(err instanceof ApiError ? err.message : `Something went wrong in the page: ${err && err.message}`);
    failedPanel = panelId || null;
    if (!(err instanceof ApiError)) console.warn(err);
  }

  /** Awaits `promise` with `panelId` marked busy; resolves with its result, or undefined when it
   * failed (reported) or was cancelled (silently). */
  async function track(panelId, promise) {
    const panel = panelId ? find(doc, panelId) : null;
    running++;
    if (panel) markBusy(panel);
    const spinnerTimer = setTimeout(() => {
      spinner.hidden = running === 0;
      if (panel && panel.getAttribute("aria-busy") === "true") panel.classList.add("busy");
    }, SPINNER_DELAY_MS);
    try {
      const result = await promise;
      if (panelId && failedPanel === panelId) clearError(); // the panel works again: its error is over
      return result;
    } catch (err) {
      if (!isCancellation(err)) report(err, panelId);
      return undefined;
    } finally {
      clearTimeout(spinnerTimer);
      running--;
      if (running === 0) spinner.hidden = true;
      if (panel) unmarkBusy(panel);
    }
  }

  return { showError, showNotice, clearError, announce, showSpinner, track };
}
