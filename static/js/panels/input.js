/* Panel 1, the input: the drawing pad, uploads (file, drop, paste), what the model sees, its
 * reconstruction and log p(x).
 *
 * A drawing, an upload or a pasted image is encoded (session.encodeImage) and becomes the current
 * latent. A latent adopted from elsewhere shows its decoded image instead, with "Encode this image" to
 * estimate its log p(x). Ctrl+Z / Cmd+Z undoes the last stroke outside text fields.
 */

import { dataUrlToBlob } from "../codec.js";
import { find, setImage, wireDropZone, wireFileInput } from "../dom.js";
import { formatNumber, LOG_LIKELIHOOD_NOTE, logLikelihoodNote } from "../format.js";
import { createDrawPad } from "../drawpad.js";
import { changedAny } from "../store.js";

const SHOWN = ["modelChoice", "latent", "source", "inputImage", "reconstruction", "logLikelihood"];
const NO_ESTIMATE = "—";

function inputAlt(state) {
  if (state.source === "latent") return "The image decoded from the current latent";
  return state.inputImage ? "The input as the model sees it" : "The input as the model sees it (nothing yet)";
}

function isTyping(target) {
  return Boolean(target && target.matches && target.matches("input, textarea, select"));
}

function isTextField(target) {
  return Boolean(target && target.matches && target.matches("input[type=text], input[type=number], textarea"));
}

function isUndoKey(event) {
  return (event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z";
}

export function mountInputPanel(root, { store, session }) {
  const doc = root.ownerDocument;
  const win = doc.defaultView;
  const inputView = find(root, "input-view");
  const reconView = find(root, "recon-view");
  const caption = find(root, "input-caption");
  const loglik = find(root, "loglik");
  const loglikNote = find(root, "loglik-note");
  const reencode = find(root, "reencode");
  const pad = createDrawPad(find(root, "pad"), { onDrawing: (blob) => session.encodeImage(blob, "drawing.png") });

  function render(state) {
    const fromLatent = state.source === "latent";
    setImage(inputView, state.inputImage, inputAlt(state));
    setImage(reconView, state.reconstruction, state.reconstruction ? "Reconstruction of the input" : "Reconstruction of the input (nothing yet)");
    caption.textContent = fromLatent ? "Decoded from latent" : "Model sees";
    reencode.hidden = !fromLatent || !state.inputImage;
    if (!state.latent || fromLatent) {
      loglik.textContent = NO_ESTIMATE;
      loglikNote.textContent = fromLatent ? "draw, upload or encode an image to estimate it" : LOG_LIKELIHOOD_NOTE;
    } else if (state.logLikelihood) {
      const { value, k } = state.logLikelihood;
      loglik.textContent = formatNumber(value);
      loglikNote.textContent = logLikelihoodNote(state.model, value, k);
    }
  }

  /** The first of `files` becomes the input; the pad is cleared, as the drawing is no longer it. */
  function handleFiles(files) {
    const file = Array.from(files || []).find(Boolean);
    if (!file) return;
    pad.clear();
    session.encodeImage(file, file.name || "upload.png");
  }

  function pasteFiles(event) {
    if (isTextField(event.target)) return;
    const files = Array.from((event.clipboardData && event.clipboardData.files) || []);
    if (files.length) {
      event.preventDefault();
      handleFiles(files);
    }
  }

  function undoKey(event) {
    if (isUndoKey(event) && !isTyping(event.target) && !pad.isEmpty()) {
      event.preventDefault();
      pad.undo();
    }
  }

  find(root, "undo").addEventListener("click", () => pad.undo());
  find(root, "clear").addEventListener("click", () => pad.clear());
  wireFileInput(find(root, "input-file"), handleFiles);
  wireDropZone(find(root, "input-drop"), handleFiles);
  wireDropZone(find(root, "pad"), handleFiles);
  doc.addEventListener("paste", pasteFiles);
  doc.addEventListener("keydown", undoKey);
  // A file dropped outside a drop zone must not navigate away from the page.
  win.addEventListener("dragover", (event) => event.preventDefault());
  win.addEventListener("drop", (event) => event.preventDefault());
  reencode.addEventListener("click", () => {
    const { inputImage } = store.state;
    if (inputImage) session.encodeImage(dataUrlToBlob(inputImage), "decoded.png");
  });

  store.subscribe((state, changed) => {
    if (changed.has("modelChoice")) pad.clear();
    if (changedAny(changed, SHOWN)) render(state);
  });

  return {
    /** After the current drawing was used as an example: a clean pad for the next one. */
    clearUsedDrawing() {
      if (store.state.source === "image" && !pad.isEmpty()) pad.clear();
    },
  };
}
