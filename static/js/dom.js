/* Small DOM helpers the panels share: look-ups, images, strips of frames, drop zones.
 *
 * A strip is a row of frames (a sweep, an interpolation, prior samples): each frame is a button whose
 * click makes it the input, with an optional caption, and the strip as one PNG behind a download link.
 *
 * A list of buttons redrawn under the keyboard (`focusedItem` before, `refocus` after) keeps the focus
 * near where it was: emptied, the element that held the focus is gone and the browser would send the
 * next Tab from the top of the page.
 */

import { BLANK_IMAGE } from "./constants.js";

/** The element with this id inside `root` (a panel, or the whole document). */
export function find(root, id) {
  return root.querySelector(`#${id}`);
}

/** `<tag class=…>text</tag>`. */
export function element(tag, className = "", text = null) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== null) el.textContent = text;
  return el;
}

/** Shows `src` in `img` (the blank pixel and the "empty" style for none); `alt` if given. */
export function setImage(img, src, alt) {
  img.src = src || BLANK_IMAGE;
  if (alt) img.alt = alt;
  img.classList.toggle("empty", !src);
}

/** The index, among the `selector` items of `container`, of the one holding the keyboard focus (the
 * focus may be on something inside it); -1 when the focus is elsewhere, or on the container itself. */
export function focusedItem(container, selector) {
  const active = container.ownerDocument.activeElement;
  if (!active || active === container || !container.contains(active)) return -1;
  const item = active.closest(selector);
  return item ? Array.from(container.querySelectorAll(selector)).indexOf(item) : -1;
}

/** Gives the keyboard focus to `target`; a region (a strip, a grid) is made focusable by script only. */
function focusOn(target) {
  if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) target.tabIndex = -1;
  target.focus();
}

/** After `container` was redrawn while its item at `index` had the focus (see `focusedItem`): the focus
 * goes to the item now at that place, the last one if fewer are left, else to `fallback` (by default
 * the container, which screen readers announce by its label). */
export function refocus(container, selector, index, fallback = container) {
  if (index < 0) return;
  const items = container.querySelectorAll(selector);
  focusOn(items.length ? items[Math.min(index, items.length - 1)] : fallback);
}

function frameButton(src, what, label) {
  const button = element("button", "frame");
  button.type = "button";
  button.setAttribute("aria-label", `Use ${what} as the input`);
  button.title = `Use ${what} as the input`;
  const img = element("img", "pic frame-img");
  img.src = src;
  img.alt = what;
  button.append(img);
  if (label !== undefined) button.append(element("span", "frame-label", label));
  return button;
}

/** Renders frames as buttons (click = `onPick(index)`), captioned with `labels`, described for screen
 * readers by `describe(index)`; `download` links to the whole `strip` image as `filename`. A frame that
 * had the keyboard focus hands it to the new frame at its place (picking a sweep frame redraws the strip). */
export function renderStrip(container, images, { labels = [], describe, onPick, download, strip, filename } = {}) {
  const focused = focusedItem(container, ".frame");
  container.textContent = "";
  images.forEach((src, i) => {
    const button = frameButton(src, describe ? describe(i) : `frame ${i + 1}`, labels[i]);
    button.addEventListener("click", () => onPick && onPick(i));
    container.append(button);
  });
  refocus(container, ".frame", focused);
  if (!download) return;
  if (strip) {
    download.href = strip;
    download.download = filename || "strip.png";
    download.hidden = false;
  } else {
    download.hidden = true;
  }
}

/** Empties the strip and hides its download link. If the keyboard was on either, it goes to the strip
 * (now its "empty" line), where the next Tab leads into the frames once they are drawn again. */
export function clearStrip(container, download) {
  const active = container.ownerDocument.activeElement;
  const hadFocus = container.contains(active) || (download && download.contains(active));
  container.textContent = "";
  if (download) download.hidden = true;
  if (hadFocus) focusOn(container);
}

/** Files dropped on `zone` go to `onFiles(files)`; the zone is highlighted while a drag is over it. */
export function wireDropZone(zone, onFiles) {
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    onFiles(Array.from(event.dataTransfer.files || []));
  });
}

/** Files chosen in a file input go to `onFiles(files)`; the input is emptied so the same file can be
 * chosen again. */
export function wireFileInput(input, onFiles) {
  input.addEventListener("change", () => {
    onFiles(input.files);
    input.value = "";
  });
}
