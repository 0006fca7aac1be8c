/* Panel 6, a custom attribute: a few images with a property and a few without; the difference of
 * their mean encodings becomes a new slider.
 *
 * Examples come from files, drops or the current input, and are shown as thumbnails (click to remove).
 * The server makes the vector; the edit panel adds it as a slider (`addCustomAttribute`). Thumbnails of
 * files are object URLs, released when their example goes (removed, cleared, or a new model chosen).
 */

import { dataUrlToBlob } from "../codec.js";
import { element, find, focusedItem, refocus, wireDropZone, wireFileInput } from "../dom.js";
import { NO_INPUT_MESSAGE } from "../feedback.js";
import { attributeNames, freeName } from "../attributes.js";
import { countImages } from "../format.js";
import { sameModel } from "../store.js";

const ZONES = ["with", "without"];

function releaseDropped(previous, current) {
  const kept = new Set(ZONES.flatMap((zone) => current[zone].map((e) => e.url)));
  for (const example of ZONES.flatMap((zone) => previous[zone])) {
    if (example.url.startsWith("blob:") && !kept.has(example.url)) URL.revokeObjectURL(example.url);
  }
}

export function mountCustomPanel(root, { store, api, feedback }, { addCustomAttribute, clearUsedDrawing }) {
  const nameInput = find(root, "custom-name");

  function setExamples(zone, list) {
    store.set({ examples: { ...store.state.examples, [zone]: list } });
  }

  function addExamples(zone, files) {
    const added = Array.from(files || [])
      .filter(Boolean)
      .map((file) => ({ blob: file, url: URL.createObjectURL(file), name: file.name || "image.png" }));
    setExamples(zone, [...store.state.examples[zone], ...added]);
  }

  function addCurrentInput(zone) {
    const { inputImage } = store.state;
    if (!inputImage) {
      feedback.showError(NO_INPUT_MESSAGE);
      return;
    }
    setExamples(zone, [...store.state.examples[zone], { blob: dataUrlToBlob(inputImage), url: inputImage, name: "current.png" }]);
    clearUsedDrawing();
  }

  function removeExample(zone, index) {
    setExamples(zone, store.state.examples[zone].filter((_, i) => i !== index));
  }

  function thumb(zone, example, index) {
    const button = element("button", "thumb");
    button.type = "button";
    button.setAttribute("aria-label", `Remove example ${index + 1} ${zone} the property`);
    button.title = "Remove";
    const img = element("img");
    img.src = example.url;
    img.alt = `Example ${index + 1} ${zone} the property`;
    button.append(img);
    button.addEventListener("click", () => removeExample(zone, index));
    return button;
  }

  /** A thumbnail removed with the keyboard hands the focus to the one now at its place (the last one
   * if it was the last), and the last one to the zone's "Add current input" button. */
  function renderExamples(examples) {
    for (const zone of ZONES) {
      const box = find(root, `thumbs-${zone}`);
      const focused = focusedItem(box, ".thumb");
      box.textContent = "";
      examples[zone].forEach((example, i) => box.append(thumb(zone, example, i)));
      box.append(element("span", "thumb-count", countImages(examples[zone].length)));
      refocus(box, ".thumb", focused, root.querySelector(`.add-current[data-zone="${zone}"]`));
    }
  }

  async function createAttribute() {
    const asked = store.state;
    const { model, examples, edits, custom } = asked;
    if (!model) return;
    if (examples.with.length === 0 || examples.without.length === 0) {
      feedback.showError("Add at least one image with the property and one without it.");
      return;
    }
    const name = freeName(nameInput.value, new Set([...attributeNames(model, custom), ...edits.map((e) => e.name)]));
    const form = new FormData();
    form.append("model", model.name);
    form.append("name", name);
    examples.with.forEach((e) => form.append("with", e.blob, e.name));
    examples.without.forEach((e) => form.append("without", e.blob, e.name));
    const result = await feedback.track(root.id, api("attributes/custom", { form }));
    if (!result || !sameModel(asked, store.state)) return; // a vector of another model's latent space
    feedback.clearError();
    // The name asked for was free, so the server's echo of it is too.
    const { vector, method, n_positive, n_negative } = result;
    addCustomAttribute(name, { vector, method, n_positive, n_negative });
    if (result.warnings && result.warnings.length) feedback.showNotice(`Note: ${result.warnings.join("; ")}.`);
    feedback.announce(`Custom attribute “${name}” added as a slider.`);
    nameInput.value = "";
  }

  for (const zone of ZONES) {
    wireFileInput(find(root, `file-${zone}`), (files) => addExamples(zone, files));
    wireDropZone(find(root, `zone-${zone}`), (files) => addExamples(zone, files));
  }
  for (const button of root.querySelectorAll(".add-current")) {
    button.addEventListener("click", () => addCurrentInput(button.dataset.zone));
  }
  find(root, "custom-create").addEventListener("click", createAttribute);
  find(root, "custom-clear").addEventListener("click", () => store.set({ examples: { with: [], without: [] } }));

  store.subscribe((state, changed, previous) => {
    if (!changed.has("examples")) return;
    releaseDropped(previous.examples, state.examples);
    renderExamples(state.examples);
  });
  renderExamples(store.state.examples);
}
