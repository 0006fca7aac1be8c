/* The header: the model picker, the line that describes the model, and "Copy link".
 *
 * It loads the list of models (waiting while the service still loads them), offers them in the picker
 * and adapts the page to the chosen one: digits are drawn on the pad and shown with hard pixels, photos
 * are uploaded. Picking a model starts the page over on it (`onModelPicked` then shows a first view).
 */

import { ApiError } from "../api.js";
import { COPY_FEEDBACK_MS, MODEL_LOAD_RETRIES, MODEL_LOAD_RETRY_MS } from "../constants.js";
import { element, find } from "../dom.js";
import { describeModel, isDrawable, isPixelated } from "../format.js";

const COPY_LABEL = "Copy link";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `root` is the page's body: the header, the model line and the body's own data-kind. */
export function mountHeader(root, { store, api, feedback, session, url }, { onModelPicked }) {
  const picker = find(root, "model-select");
  const info = find(root, "model-info");
  const copyButton = find(root, "copy-link");

  function renderModelOptions(models) {
    picker.textContent = "";
    for (const m of models) {
      const option = element("option", "", m.name);
      option.value = m.name;
      picker.append(option);
    }
  }

  function renderModel(model) {
    picker.value = model.name;
    root.dataset.kind = isDrawable(model) ? "digits" : "photos";
    root.classList.toggle("pixelated", isPixelated(model));
    info.textContent = describeModel(model);
  }

  /** No models to show: says why and what to do, and stops the spinner of the wait. */
  function noModels(reason) {
    feedback.showSpinner(false);
    feedback.showError(`${reason} Reload the page to try again.`);
    info.textContent = "No models available.";
    return false;
  }

  /** Asks for /models until the service has loaded them; resolves false (and says why) if it cannot. */
  async function loadModels() {
    let models;
    for (let attempt = 0; ; attempt++) {
      try {
        models = await api("models", { retries: 0 }); // the waiting is done here, with the page saying so
        break;
      } catch (err) {
        // While the service is still loading its models it answers 503: wait as it asks, and ask again.
        const loading = err instanceof ApiError && err.status === 503;
        if (loading && attempt >= MODEL_LOAD_RETRIES) return noModels("The server has not finished loading its models.");
        if (!loading) return noModels(err instanceof ApiError ? err.message : String(err));
        info.textContent = "The models are still loading…";
        feedback.showSpinner(true);
        await sleep(err.retryAfter !== null ? err.retryAfter * 1000 : MODEL_LOAD_RETRY_MS);
      }
    }
    feedback.showSpinner(false);
    if (!Array.isArray(models) || models.length === 0) return noModels("The server has no models loaded yet.");
    store.set({ models });
    return true;
  }

  /** Writes the link through the Clipboard API, or the old copy command where that is not allowed
   * (a page served over plain HTTP from another host). */
  async function copyToClipboard(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (_) {
      /* fall back below */
    }
    const area = element("textarea", "visually-hidden");
    area.value = text;
    area.setAttribute("readonly", "");
    document.body.append(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (_) {
      copied = false;
    }
    area.remove();
    return copied;
  }

  async function copyLink() {
    const link = url.shareUrl();
    url.save();
    const copied = await copyToClipboard(link);
    copyButton.dataset.url = link;
    copyButton.textContent = copied ? "Link copied" : "Link in address bar";
    feedback.announce(copied ? "The link to this view is on the clipboard." : "Copy the link from the address bar.");
    setTimeout(() => (copyButton.textContent = COPY_LABEL), COPY_FEEDBACK_MS);
  }

  picker.addEventListener("change", () => {
    if (session.useModel(picker.value)) {
      url.save();
      onModelPicked();
    }
  });
  copyButton.addEventListener("click", copyLink);

  store.subscribe((state, changed) => {
    if (changed.has("models")) renderModelOptions(state.models);
    if (changed.has("modelChoice") && state.model) renderModel(state.model);
  });

  return { loadModels };
}
