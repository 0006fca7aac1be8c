/* IWAE Latent Lab: the browser side of the demo.
 *
 * One page over the JSON API of app/: pick a model, draw or upload an input, move attribute sliders,
 * interpolate, sample, make a custom attribute, look at the posterior, share the view as a link.
 * Plain JavaScript, no build step, no dependencies. The page state lives in `state`; the URL hash
 * mirrors the parts a link needs (model, latent, edits) so opening a link restores the view.
 */
"use strict";

(() => {
  // ---------------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);
  const SLIDER_MIN = -3;
  const SLIDER_MAX = 3;
  const EDIT_DEBOUNCE_MS = 80;
  const ENCODE_DEBOUNCE_MS = 250;
  const POSTERIOR_SAMPLES = 16;
  const STALE = Symbol("stale");

  class ApiError extends Error {
    constructor(message, status = 0) {
      super(message);
      this.status = status;
    }
  }

  function debounce(fn, ms) {
    let timer = null;
    const wrapped = (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
    wrapped.cancel = () => clearTimeout(timer);
    return wrapped;
  }

  function clampInt(value, lo, hi, fallback) {
    const n = Math.round(Number(value));
    if (!Number.isFinite(n)) return fallback;
    return Math.min(hi, Math.max(lo, n));
  }

  function formatScale(x) {
    const s = Number(x).toFixed(1);
    return (x > 0 ? "+" : "") + (s === "-0.0" ? "0.0" : s).replace("-", "−");
  }

  function formatNumber(x, digits = 2) {
    return Number(x).toFixed(digits).replace("-", "−");
  }

  /** The server's error body in plain words: {"detail": "..."} or a pydantic list of errors. */
  function describeError(status, body) {
    const detail = body && body.detail;
    if (typeof detail === "string" && detail) return detail;
    if (Array.isArray(detail) && detail.length) {
      return detail
        .map((e) => {
          const where = (e.loc || []).filter((p) => p !== "body" && p !== "query" && p !== "form").join(" → ");
          return where ? `${where}: ${e.msg}` : String(e.msg || e);
        })
        .join("; ");
    }
    if (detail && typeof detail === "object") return JSON.stringify(detail);
    if (status === 413) return "That file is too large for the server.";
    if (status === 404) return "The server does not know this request (404).";
    if (status >= 500) return `The server ran into a problem (${status}). Please try again.`;
    return `The request failed (${status}).`;
  }

  /** fetch + JSON + readable errors. `json` sends a JSON body, `form` a FormData body. */
  async function api(path, { json, form, signal } = {}) {
    const init = { method: json || form ? "POST" : "GET", signal, headers: { Accept: "application/json" } };
    if (json) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(json);
    } else if (form) {
      init.body = form;
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError("Could not reach the server. Is it still running?");
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (_) {
      body = null;
    }
    if (!response.ok) throw new ApiError(describeError(response.status, body), response.status);
    if (body === null) throw new ApiError("The server sent an answer this page cannot read.");
    return body;
  }

  /** A request lane: each call aborts the previous one, and an answer that arrives after a newer
   * call started is dropped (rejects with STALE), so the page never shows an out-of-date image. */
  function lane() {
    let counter = 0;
    let controller = null;
    return async (fn) => {
      const id = ++counter;
      if (controller) controller.abort();
      controller = new AbortController();
      const result = await fn(controller.signal);
      if (id !== counter) throw STALE;
      return result;
    };
  }

  function dataUrlToBlob(dataUrl) {
    const [head, data] = dataUrl.split(",");
    const mime = (head.match(/data:([^;]+)/) || [])[1] || "image/png";
    const bytes = atob(data);
    const array = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i);
    return new Blob([array], { type: mime });
  }

  // Latents travel in the URL as base64url float32: exact for the server's float32 values, short.
  function encodeFloats(values) {
    const bytes = new Uint8Array(Float32Array.from(values).buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeFloats(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(b64 + "===".slice((b64.length + 3) % 4));
    if (binary.length % 4 !== 0) throw new Error("bad latent length");
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return Array.from(new Float32Array(bytes.buffer));
  }

  // ---------------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------------

  const state = {
    models: [],
    model: null, // the /models entry in use
    latent: null, // current latent (array of numbers), the point every panel works from
    inputRequested: false, // an upload or drawing was sent for encoding since the model was chosen
    source: null, // "image" (encoded from an input) or "latent" (picked from a strip / a link)
    inputImage: null, // data URL of the current input as the model sees it
    reconstruction: null,
    edited: null, // {latent, image} of the current latent plus the slider edits
    edits: [], // [{name, scale, vector|null}] one per slider, vector only for custom attributes
    custom: {}, // custom attributes made on this page: name → {vector, method, n_positive, n_negative}
    sweepAttr: null,
    sweepScales: [], // scales of the frames in the sweep strip
    ends: { a: null, b: null }, // interpolation ends: {latent, image}
    examples: { with: [], without: [] }, // custom-attribute examples: {blob, url, name}
    restoring: false,
  };

  // Debug / test hook: read-only view of the state.
  window.latentLab = { state };

  // ---------------------------------------------------------------------------------------------
  // Alerts, progress
  // ---------------------------------------------------------------------------------------------

  function showError(message, { notice = false } = {}) {
    const alert = $("alert");
    alert.textContent = "";
    alert.classList.toggle("notice", notice);
    const text = document.createElement("p");
    text.className = "alert-text";
    text.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "alert-close";
    close.setAttribute("aria-label", "Dismiss the message");
    close.textContent = "×";
    close.addEventListener("click", clearError);
    alert.append(text, close);
  }

  function clearError() {
    $("alert").textContent = "";
  }

  /** A warning that is no failure (e.g. "no face found: used the centre"), in the same region. */
  function showNotice(message) {
    showError(message, { notice: true });
  }

  function announce(message) {
    $("status").textContent = message;
  }

  let globalBusy = 0;

  /** Marks a panel busy (aria-busy and, after a short delay, a spinner) while `promise` runs;
   * reports its errors in the alert region; swallows aborted and stale answers. */
  async function track(panelId, promise) {
    const panel = panelId ? $(panelId) : null;
    globalBusy++;
    if (panel) panel.dataset.busyCount = String(Number(panel.dataset.busyCount || 0) + 1);
    if (panel) panel.setAttribute("aria-busy", "true");
    const spinnerTimer = setTimeout(() => {
      $("busy").hidden = globalBusy === 0;
      if (panel && panel.getAttribute("aria-busy") === "true") panel.classList.add("busy");
    }, 150);
    try {
      return await promise;
    } catch (err) {
      if (err === STALE || (err && err.name === "AbortError")) return undefined;
      showError(err instanceof ApiError ? err.message : `Something went wrong in the page: ${err && err.message}`);
      if (!(err instanceof ApiError)) console.warn(err);
      return undefined;
    } finally {
      clearTimeout(spinnerTimer);
      globalBusy--;
      if (globalBusy === 0) $("busy").hidden = true;
      if (panel) {
        const left = Number(panel.dataset.busyCount || 1) - 1;
        panel.dataset.busyCount = String(left);
        if (left === 0) {
          panel.removeAttribute("aria-busy");
          panel.classList.remove("busy");
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Images and strips
  // ---------------------------------------------------------------------------------------------

  // A transparent pixel for "no image yet": an <img> without src would show a broken-image icon.
  const BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

  function setImage(img, src, alt) {
    img.src = src || BLANK;
    if (alt) img.alt = alt;
    img.classList.toggle("empty", !src);
  }

  /** Renders frames as buttons (click = make that frame the input) plus a download link. */
  function renderStrip(container, images, { labels = [], describe, onPick, download, strip, filename } = {}) {
    container.textContent = "";
    images.forEach((src, i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "frame";
      const what = describe ? describe(i) : `frame ${i + 1}`;
      button.setAttribute("aria-label", `Use ${what} as the input`);
      button.title = `Use ${what} as the input`;
      const img = document.createElement("img");
      img.className = "pic frame-img";
      img.src = src;
      img.alt = what;
      button.append(img);
      if (labels[i] !== undefined) {
        const caption = document.createElement("span");
        caption.className = "frame-label";
        caption.textContent = labels[i];
        button.append(caption);
      }
      button.addEventListener("click", () => onPick && onPick(i));
      container.append(button);
    });
    if (download) {
      if (strip) {
        download.href = strip;
        download.download = filename || "strip.png";
        download.hidden = false;
      } else {
        download.hidden = true;
      }
    }
  }

  function clearStrip(container, download) {
    container.textContent = "";
    if (download) download.hidden = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Models
  // ---------------------------------------------------------------------------------------------

  function isDrawable(model) {
    const [h, , c] = model.image_shape;
    return c === 1 && h <= 32;
  }

  function describeModel(model) {
    const [h, w, c] = model.image_shape;
    const parts = [`${h}×${w}${c === 3 ? " colour" : " greyscale"} images`, `${model.latent_size}-dimensional latent`];
    const report = model.report || {};
    const nll = typeof model.test_nll === "number" ? model.test_nll : report.test_nll;
    // Per-image nats of a 12,288-dimensional face are unreadable; the literature reports bits per dimension.
    if (typeof report.bits_per_dim === "number") parts.push(`test NLL ${report.bits_per_dim.toFixed(2)} bits/dim`);
    else if (typeof nll === "number") parts.push(`test NLL ${formatNumber(nll)} nats`);
    if (model.objective) parts.push(`trained as ${model.objective.toUpperCase()}`);
    if (model.device) parts.push(`on ${model.device.replace(/^\/(device:)?/i, "").replace(/:0$/, "")}`);
    return parts.join(" · ");
  }

  async function loadModels() {
    // While the service is still loading its models it answers 503: wait and ask again.
    let models;
    for (let attempt = 0; ; attempt++) {
      try {
        models = await api("models");
        break;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 503 || attempt >= 120) {
          showError(err instanceof ApiError ? err.message : String(err));
          $("model-info").textContent = "No models available.";
          return false;
        }
        $("model-info").textContent = "The models are still loading…";
        $("busy").hidden = false;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    $("busy").hidden = true;
    if (!Array.isArray(models) || models.length === 0) {
      showError("The server has no models loaded yet.");
      $("model-info").textContent = "No models available.";
      return false;
    }
    state.models = models;
    const select = $("model-select");
    select.textContent = "";
    for (const m of models) {
      const option = document.createElement("option");
      option.value = m.name;
      option.textContent = m.name;
      select.append(option);
    }
    return true;
  }

  /** Switches the page to a model: resets the input, edits and strips, adapts the input panel. */
  function useModel(name) {
    const model = state.models.find((m) => m.name === name);
    if (!model) {
      showError(`The model “${name}” is not available on this server.`);
      return false;
    }
    state.model = model;
    $("model-select").value = model.name;
    document.body.dataset.kind = isDrawable(model) ? "digits" : "photos";
    document.body.classList.toggle("pixelated", model.image_shape[0] <= 32);
    $("model-info").textContent = describeModel(model);

    // Everything latent belongs to one model: start over.
    state.latent = null;
    state.source = null;
    state.inputRequested = false;
    state.inputImage = null;
    state.reconstruction = null;
    state.edited = null;
    state.edits = [];
    state.custom = {};
    state.sweepAttr = null;
    state.ends = { a: null, b: null };
    clearExamples();
    pad.clear(false);
    showInput();
    renderAttributeOptions();
    renderSliders();
    setImage($("edited-view"), null, "The edited image (nothing yet)");
    clearStrip($("sweep-strip"), $("sweep-download"));
    clearStrip($("interp-strip"), $("interp-download"));
    clearStrip($("sample-strip"), $("sample-download"));
    renderEnds();
    renderPosterior(null);
    renderBounds(null);
    $("bounds-max-k").textContent = String(model.max_k || 5000);
    const first = firstAttribute(model);
    if (first) addSlider(first.name, 0, null, { quiet: true });
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // The current input
  // ---------------------------------------------------------------------------------------------

  const encodeLane = lane();

  function showInput() {
    const fromLatent = state.source === "latent";
    setImage($("input-view"), state.inputImage, fromLatent ? "The image decoded from the current latent" : state.inputImage ? "The input as the model sees it" : "The input as the model sees it (nothing yet)");
    setImage($("recon-view"), state.reconstruction, state.reconstruction ? "Reconstruction of the input" : "Reconstruction of the input (nothing yet)");
    $("input-caption").textContent = fromLatent ? "Decoded from latent" : "Model sees";
    $("reencode").hidden = !fromLatent || !state.inputImage;
    if (!state.latent || fromLatent) {
      $("loglik").textContent = "—";
      $("loglik-note").textContent = fromLatent ? "draw, upload or encode an image to estimate it" : "nats, importance-weighted with k = 50";
    }
  }

  /** "nats, importance-weighted with k = 50", with bits per dimension for colour images, whose per-image
   * nats run to tens of thousands. */
  function logLikelihoodNote(logLikelihood, k) {
    const [h, w, c] = state.model.image_shape;
    const bitsPerDim = c === 3 ? ` (${(-logLikelihood / (h * w * c * Math.LN2)).toFixed(2)} bits/dim)` : "";
    return `nats${bitsPerDim}, importance-weighted with k = ${k}`;
  }

  /** Encodes an image file/blob: the latent becomes current; shows input, reconstruction, log p(x). */
  async function encodeImage(blob, filename = "input.png") {
    if (!state.model) return;
    state.inputRequested = true; // the first-view sample, if still on its way, must not replace this
    const model = state.model.name;
    const form = new FormData();
    form.append("image", blob, filename);
    form.append("model", model);
    form.append("k", "50");
    form.append("samples", String(POSTERIOR_SAMPLES));
    const result = await track(
      "input-panel",
      encodeLane((signal) => api("encode", { form, signal }))
    );
    if (!result || !state.model || state.model.name !== model) return;
    clearError();
    state.latent = result.latent;
    state.source = "image";
    state.inputImage = result.input;
    state.reconstruction = result.reconstruction;
    showInput();
    $("loglik").textContent = formatNumber(result.log_likelihood);
    $("loglik-note").textContent = logLikelihoodNote(result.log_likelihood, result.k);
    if (result.warning) showNotice(`Note: ${result.warning}.`);
    renderPosterior(result.samples || null);
    renderBounds(null);
    announce(`Encoded. log p(x) is about ${formatNumber(result.log_likelihood)} nats.`);
    latentChanged();
  }

  /** Makes a latent current without an input image: shows its decoded image. */
  async function setCurrentLatent(latent, image) {
    state.latent = Array.from(latent);
    state.source = "latent";
    state.inputImage = image || null;
    state.reconstruction = image || null;
    encodeLane(async () => null).catch(() => {}); // drop an encode still in flight
    if (!image) {
      const model = state.model.name;
      const result = await track("input-panel", api("decode", { json: { model, latents: [state.latent] } }));
      if (!result || state.model.name !== model) return;
      state.inputImage = result.images[0];
      state.reconstruction = result.images[0];
    }
    showInput();
    renderPosterior(null);
    renderBounds(null);
    latentChanged();
  }

  /** The latent moved: refresh the edited image, the sweep and the URL. */
  function latentChanged() {
    updateEdited();
    updateSweep();
    saveToUrl();
  }

  function handleFiles(files) {
    const file = Array.from(files || []).find(Boolean);
    if (!file) return;
    pad.clear(false);
    encodeImage(file, file.name || "upload.png");
  }

  // ---------------------------------------------------------------------------------------------
  // The drawing pad (Pointer Events: mouse, pen and touch alike)
  // ---------------------------------------------------------------------------------------------

  const pad = (() => {
    const canvas = $("pad");
    const ctx = canvas.getContext("2d");
    const strokes = [];
    let current = null;
    const lineWidth = () => canvas.width / 12; // ≈ 2.3 px at 28×28, like an MNIST pen stroke

    function paintBackground() {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }

    function drawStroke(points) {
      ctx.strokeStyle = "#000000";
      ctx.fillStyle = "#000000";
      ctx.lineWidth = lineWidth();
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      if (points.length === 1) {
        ctx.beginPath();
        ctx.arc(points[0][0], points[0][1], lineWidth() / 2, 0, Math.PI * 2);
        ctx.fill();
        return;
      }
      ctx.beginPath();
      ctx.moveTo(points[0][0], points[0][1]);
      for (let i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
      ctx.stroke();
    }

    function redraw() {
      paintBackground();
      strokes.forEach(drawStroke);
    }

    function point(event) {
      const rect = canvas.getBoundingClientRect();
      return [
        ((event.clientX - rect.left) * canvas.width) / rect.width,
        ((event.clientY - rect.top) * canvas.height) / rect.height,
      ];
    }

    const scheduleEncode = debounce(() => {
      if (strokes.length === 0) return;
      canvas.toBlob((blob) => blob && encodeImage(blob, "drawing.png"), "image/png");
    }, ENCODE_DEBOUNCE_MS);

    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 && event.pointerType === "mouse") return;
      event.preventDefault();
      try {
        canvas.setPointerCapture(event.pointerId); // keep the stroke when the pointer leaves the pad
      } catch (_) {
        /* a synthetic pointer cannot be captured; drawing works without */
      }
      scheduleEncode.cancel();
      current = { id: event.pointerId, points: [point(event)] };
      strokes.push(current.points);
      drawStroke(current.points);
    });

    canvas.addEventListener("pointermove", (event) => {
      if (!current || event.pointerId !== current.id) return;
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      const points = current.points;
      for (const e of events.length ? events : [event]) {
        const p = point(e);
        const last = points[points.length - 1];
        points.push(p);
        ctx.beginPath();
        ctx.moveTo(last[0], last[1]);
        ctx.lineTo(p[0], p[1]);
        ctx.lineWidth = lineWidth();
        ctx.lineCap = "round";
        ctx.strokeStyle = "#000000";
        ctx.stroke();
      }
    });

    function finish(event) {
      if (!current || event.pointerId !== current.id) return;
      current = null;
      scheduleEncode();
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);

    paintBackground();

    return {
      clear(encode = true) {
        strokes.length = 0;
        current = null;
        scheduleEncode.cancel();
        redraw();
        if (encode) scheduleEncode();
      },
      undo() {
        strokes.pop();
        redraw();
        scheduleEncode();
      },
      isEmpty: () => strokes.length === 0,
    };
  })();

  // ---------------------------------------------------------------------------------------------
  // Attribute sliders, the edited image and the sweep
  // ---------------------------------------------------------------------------------------------

  const editLane = lane();
  const sweepLane = lane();

  /** Attributes people try first, in that order: the bias-corrected ("balanced") face edits, then the
   * plain ones. A model opens on the first it has, and "Add" offers the next free one. */
  const SUGGESTED = ["Smiling", "Male", "Eyeglasses", "Young", "Blond_Hair", "Wavy_Hair", "Mustache"];
  const SUGGESTED_NAMES = [...SUGGESTED.map((n) => `${n} (balanced)`), ...SUGGESTED];

  /** The first of `names` people would try: a suggested one if there is one, else the first. */
  function suggestedName(names) {
    return SUGGESTED_NAMES.find((n) => names.includes(n)) ?? names[0];
  }

  /** The attribute a new model opens with (the faces' balanced "Smiling", the digits' "add zero"). */
  function firstAttribute(model) {
    const name = suggestedName(model.attributes.map((a) => a.name));
    return model.attributes.find((a) => a.name === name);
  }

  function attributeNames() {
    const builtIn = state.model ? state.model.attributes.map((a) => a.name) : [];
    return [...builtIn, ...Object.keys(state.custom).filter((n) => !builtIn.includes(n))];
  }

  function describeAttribute(name) {
    if (state.custom[name]) {
      const c = state.custom[name];
      return `custom: ${c.n_positive} with, ${c.n_negative} without`;
    }
    const a = state.model && state.model.attributes.find((x) => x.name === name);
    if (!a) return "";
    return `${a.method.replace(/_/g, " ")}: ${a.n_positive} with, ${a.n_negative} without`;
  }

  /** Option groups of the attribute picker: the model's vectors by how they were made, then the
   * user's own. One group needs no heading. */
  function attributeGroups() {
    const builtIn = state.model ? state.model.attributes : [];
    const balancedFirst = [...builtIn].sort((a, b) => (b.method === "balanced") - (a.method === "balanced"));
    const groups = new Map();
    for (const a of balancedFirst) {
      const label = a.method === "balanced" ? "balanced: other attributes held fixed" : a.method.replace(/_/g, " ");
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label).push(a.name);
    }
    const custom = Object.keys(state.custom).filter((n) => !builtIn.some((a) => a.name === n));
    if (custom.length) groups.set("yours", custom);
    return groups;
  }

  function renderAttributeOptions() {
    const select = $("attr-select");
    const used = new Set(state.edits.map((e) => e.name));
    select.textContent = "";
    const groups = attributeGroups();
    for (const [label, names] of groups) {
      const parent = groups.size > 1 ? document.createElement("optgroup") : select;
      if (parent !== select) {
        parent.label = label;
        select.append(parent);
      }
      for (const name of names) {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = state.custom[name] ? `${name} (custom)` : name;
        option.disabled = used.has(name);
        parent.append(option);
      }
    }
    const free = attributeNames().filter((n) => !used.has(n));
    if (free.length) select.value = suggestedName(free);
    $("attr-add").disabled = free.length === 0;
    select.disabled = attributeNames().length === 0;
  }

  function renderSweepOptions() {
    const select = $("sweep-attr");
    select.textContent = "";
    for (const e of state.edits) {
      const option = document.createElement("option");
      option.value = e.name;
      option.textContent = e.name;
      select.append(option);
    }
    if (!state.edits.some((e) => e.name === state.sweepAttr)) {
      state.sweepAttr = state.edits.length ? state.edits[state.edits.length - 1].name : null;
    }
    if (state.sweepAttr !== null) select.value = state.sweepAttr;
    select.disabled = state.edits.length === 0;
  }

  function sliderId(index) {
    return `slider-${index}`;
  }

  function renderSliders() {
    const box = $("sliders");
    box.textContent = "";
    state.edits.forEach((edit, index) => {
      const row = document.createElement("div");
      row.className = "slider-row";
      row.dataset.attribute = edit.name;

      const label = document.createElement("label");
      label.htmlFor = sliderId(index);
      label.className = "slider-label";
      label.textContent = edit.name;
      const about = describeAttribute(edit.name);
      if (about) label.title = about;

      const input = document.createElement("input");
      input.type = "range";
      input.id = sliderId(index);
      input.min = String(SLIDER_MIN);
      input.max = String(SLIDER_MAX);
      input.step = "0.1";
      input.value = String(edit.scale);
      input.className = "slider";
      input.setAttribute("aria-valuetext", `${edit.name} ${formatScale(edit.scale)}`);

      const output = document.createElement("output");
      output.htmlFor = input.id;
      output.className = "slider-value";
      output.textContent = formatScale(edit.scale);

      input.addEventListener("input", () => {
        edit.scale = Number(input.value);
        output.textContent = formatScale(edit.scale);
        input.setAttribute("aria-valuetext", `${edit.name} ${formatScale(edit.scale)}`);
        markSweepFrame();
        scheduleEdit();
      });
      input.addEventListener("change", () => {
        if (state.sweepAttr !== edit.name) scheduleSweep();
        saveToUrl();
      });

      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "icon-button";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `Remove the ${edit.name} slider`);
      remove.addEventListener("click", () => removeSlider(edit.name));

      row.append(label, input, output, remove);
      box.append(row);
    });
    if (state.edits.length === 0) {
      const empty = document.createElement("p");
      empty.className = "hint small";
      empty.textContent = state.model && attributeNames().length ? "No sliders yet: pick an attribute and add one." : "This model has no attribute vectors yet; make your own below.";
      box.append(empty);
    }
    renderAttributeOptions();
    renderSweepOptions();
  }

  function addSlider(name, scale = 0, vector = null, { quiet = false } = {}) {
    if (state.edits.some((e) => e.name === name)) return;
    const custom = state.custom[name];
    state.edits.push({ name, scale, vector: vector || (custom ? custom.vector : null) });
    state.sweepAttr = name;
    renderSliders();
    if (!quiet) {
      updateEdited();
      updateSweep();
      saveToUrl();
      const input = $(sliderId(state.edits.length - 1));
      if (input) input.focus();
    }
  }

  function removeSlider(name) {
    state.edits = state.edits.filter((e) => e.name !== name);
    renderSliders();
    updateEdited();
    updateSweep();
    saveToUrl();
  }

  function editPayload(edit, scale = edit.scale) {
    return edit.vector ? { vector: edit.vector, scale } : { attribute: edit.name, scale };
  }

  function activeEdits(except = null) {
    return state.edits.filter((e) => e.name !== except && e.scale !== 0).map((e) => editPayload(e));
  }

  async function updateEdited() {
    if (!state.latent || !state.model) {
      setImage($("edited-view"), null, "The edited image (nothing yet)");
      return;
    }
    const body = { model: state.model.name, latent: state.latent, edits: activeEdits() };
    const summary = state.edits.filter((e) => e.scale !== 0).map((e) => `${e.name} ${formatScale(e.scale)}`).join(", ");
    const result = await track("edit-panel", editLane((signal) => api("edit", { json: body, signal })));
    if (!result) return;
    state.edited = { latent: result.latent, image: result.image };
    setImage($("edited-view"), result.image, summary ? `The input edited with ${summary}` : "The input with no edits");
  }

  async function updateSweep() {
    const edit = state.edits.find((e) => e.name === state.sweepAttr);
    if (!state.latent || !state.model || !edit) {
      sweepLane(async () => null).catch(() => {});
      clearStrip($("sweep-strip"), $("sweep-download"));
      return;
    }
    const steps = clampInt($("sweep-steps").value, 2, 64, 9);
    $("sweep-steps").value = String(steps);
    const sweep = edit.vector
      ? { vector: edit.vector, start: SLIDER_MIN, stop: SLIDER_MAX, steps }
      : { attribute: edit.name, start: SLIDER_MIN, stop: SLIDER_MAX, steps };
    const body = { model: state.model.name, latent: state.latent, edits: activeEdits(edit.name), sweep };
    const result = await track("edit-panel", sweepLane((signal) => api("edit", { json: body, signal })));
    if (!result || !result.sweep) return;
    const { scales, images, strip } = result.sweep;
    state.sweepScales = scales;
    renderStrip($("sweep-strip"), images, {
      labels: scales.map(formatScale),
      describe: (i) => `${edit.name} at ${formatScale(scales[i])}`,
      onPick: (i) => pickSweepFrame(edit, scales[i]),
      download: $("sweep-download"),
      strip,
      filename: `${state.model.name}-${slug(edit.name)}-sweep.png`,
    });
    markSweepFrame();
  }

  /** Outlines the sweep frame nearest to the swept attribute's slider: where the edited image sits. */
  function markSweepFrame() {
    const edit = state.edits.find((e) => e.name === state.sweepAttr);
    const frames = $("sweep-strip").querySelectorAll(".frame");
    let nearest = -1;
    if (edit && frames.length === state.sweepScales.length) {
      let best = Infinity;
      state.sweepScales.forEach((scale, i) => {
        const distance = Math.abs(scale - edit.scale);
        if (distance < best - 1e-9) {
          best = distance;
          nearest = i;
        }
      });
    }
    frames.forEach((frame, i) => frame.classList.toggle("current", i === nearest));
  }

  const scheduleEdit = debounce(updateEdited, EDIT_DEBOUNCE_MS);
  const scheduleSweep = debounce(updateSweep, EDIT_DEBOUNCE_MS);

  function slug(text) {
    return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "attribute";
  }

  /** Bakes the slider edits into the latent: the edited image becomes the input, sliders go to 0. */
  async function bakeEdits(override = null) {
    if (!state.latent) return;
    const edits = state.edits
      .map((e) => (override && e.name === override.name ? editPayload(e, override.scale) : e.scale !== 0 ? editPayload(e) : null))
      .filter(Boolean);
    const body = { model: state.model.name, latent: state.latent, edits };
    const result = await track("edit-panel", api("edit", { json: body }));
    if (!result) return;
    state.edits.forEach((e) => (e.scale = 0));
    renderSliders();
    await setCurrentLatent(result.latent, result.image);
    announce("The edited image is now the input.");
  }

  function pickSweepFrame(edit, scale) {
    bakeEdits({ name: edit.name, scale });
  }

  // ---------------------------------------------------------------------------------------------
  // Interpolation
  // ---------------------------------------------------------------------------------------------

  const interpLane = lane();

  function renderEnds() {
    for (const key of ["a", "b"]) {
      const end = state.ends[key];
      const label = key.toUpperCase();
      setImage($(`end-${key}`), end ? end.image : null, end ? `${key === "a" ? "Start" : "End"} ${label}` : `${key === "a" ? "Start" : "End"} ${label} (not set)`);
    }
    $("interp-run").disabled = !(state.ends.a && state.ends.b);
  }

  function setEnd(key) {
    if (!state.latent) {
      showError("There is no current input yet: draw, upload or sample one first.");
      return;
    }
    state.ends[key] = { latent: state.latent.slice(), image: state.reconstruction || state.inputImage };
    renderEnds();
    if (state.ends.a && state.ends.b) runInterpolation();
  }

  async function runInterpolation() {
    if (!state.ends.a || !state.ends.b || !state.model) return;
    const steps = clampInt($("interp-steps").value, 2, 64, 10);
    $("interp-steps").value = String(steps);
    const method = document.querySelector('input[name="interp-method"]:checked').value;
    const body = { model: state.model.name, start: state.ends.a.latent, end: state.ends.b.latent, steps, method };
    const result = await track("interp-panel", interpLane((signal) => api("interpolate", { json: body, signal })));
    if (!result) return;
    renderStrip($("interp-strip"), result.images, {
      describe: (i) => `step ${i + 1} of ${result.images.length} from A to B`,
      onPick: (i) => setCurrentLatent(result.latents[i], result.images[i]),
      download: $("interp-download"),
      strip: result.strip,
      filename: `${state.model.name}-${method}-interpolation.png`,
    });
    announce(`Interpolated in ${result.images.length} steps (${method}).`);
  }

  const scheduleInterpolation = debounce(runInterpolation, 150);

  // ---------------------------------------------------------------------------------------------
  // Sampling from the prior
  // ---------------------------------------------------------------------------------------------

  const sampleLane = lane();

  async function runSample() {
    if (!state.model) return;
    const seed = clampInt($("seed").value, 0, 2147483647, 0);
    $("seed").value = String(seed);
    const temperature = Number($("temperature").value);
    const n = clampInt($("sample-n").value, 1, 64, 8);
    const body = { model: state.model.name, n, seed, temperature };
    const result = await track("sample-panel", sampleLane((signal) => api("sample", { json: body, signal })));
    if (!result) return;
    renderStrip($("sample-strip"), result.images, {
      describe: (i) => `sample ${i + 1} (seed ${seed})`,
      onPick: (i) => setCurrentLatent(result.latents[i], result.images[i]),
      download: $("sample-download"),
      strip: result.strip,
      filename: `${state.model.name}-samples-seed${seed}.png`,
    });
    return result;
  }

  // ---------------------------------------------------------------------------------------------
  // Posterior samples and the bound as k grows
  // ---------------------------------------------------------------------------------------------

  function renderPosterior(samples) {
    const grid = $("posterior-grid");
    grid.textContent = "";
    if (!samples || samples.length === 0) {
      const p = document.createElement("p");
      p.className = "hint small";
      p.textContent = state.source === "latent" ? "Encode an image to see its posterior samples." : "Draw or upload an input to see its posterior samples.";
      grid.append(p);
      $("posterior-ess").textContent = "";
      return;
    }
    const total = samples.reduce((s, x) => s + x.weight, 0) || 1;
    const weights = samples.map((s) => s.weight / total);
    const max = Math.max(...weights);
    const order = weights.map((w, i) => i).sort((i, j) => weights[j] - weights[i]);
    for (const i of order) {
      const s = samples[i];
      const button = document.createElement("button");
      button.type = "button";
      button.className = "frame posterior";
      const percent = (100 * weights[i]).toFixed(1);
      button.setAttribute("aria-label", `Posterior sample with weight ${percent}%: use as the input`);
      button.title = `weight ${percent}%`;
      const img = document.createElement("img");
      img.className = "pic frame-img";
      img.src = s.image;
      img.alt = `Posterior sample, weight ${percent}%`;
      const bar = document.createElement("span");
      bar.className = "weight-bar";
      const fill = document.createElement("span");
      fill.className = "weight-fill";
      fill.style.width = `${max > 0 ? (100 * weights[i]) / max : 0}%`;
      bar.append(fill);
      const label = document.createElement("span");
      label.className = "frame-label";
      label.textContent = `${percent}%`;
      button.append(img, bar, label);
      // The sample's image shows its h1; as the input it is decoded from its top-layer latent.
      button.addEventListener("click", () => setCurrentLatent(s.latent, null));
      grid.append(button);
    }
    const ess = 1 / weights.reduce((acc, w) => acc + w * w, 0);
    let note = `Effective sample size ${ess.toFixed(1)} of ${samples.length}: the closer to ${samples.length}, the better q(h|x) matches the true posterior.`;
    if (ess < 1.5 && state.model) {
      // Typical for faces: log w sums over every pixel value, so small differences in fit between
      // samples add up to many nats, and the largest weight takes nearly everything.
      const values = state.model.image_shape.reduce((a, b) => a * b, 1).toLocaleString("en");
      note += ` Here one sample takes almost all the weight: over ${values} pixel values, small differences in fit add up to many nats between samples.`;
    }
    $("posterior-ess").textContent = note;
  }

  const SVG = "http://www.w3.org/2000/svg";

  function svg(tag, attrs = {}, text = null) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== null) el.textContent = text;
    return el;
  }

  /** A small line chart of the bound against log k, drawn as inline SVG. */
  function renderBounds(bounds) {
    const box = $("bounds-chart");
    box.textContent = "";
    const entries = bounds
      ? Object.entries(bounds)
          .map(([k, v]) => [Number(k), Number(v)])
          .filter(([k, v]) => Number.isFinite(k) && Number.isFinite(v))
          .sort((x, y) => x[0] - y[0])
      : [];
    if (entries.length === 0) {
      $("bounds-caption").textContent = state.latent ? "Measure how the bound on log p(x) tightens for growing k." : "Encode an input, then measure the bound for growing k.";
      return;
    }
    const W = 360, H = 200, left = 56, right = 14, top = 14, bottom = 36;
    const xs = entries.map(([k]) => Math.log10(k));
    const ys = entries.map(([, v]) => v);
    const xMin = Math.min(...xs), xMax = Math.max(...xs, xMin + 1);
    let yMin = Math.min(...ys), yMax = Math.max(...ys);
    const pad = Math.max((yMax - yMin) * 0.12, 0.5);
    yMin -= pad;
    yMax += pad;
    const X = (x) => left + ((x - xMin) / (xMax - xMin)) * (W - left - right);
    const Y = (y) => top + (1 - (y - yMin) / (yMax - yMin)) * (H - top - bottom);

    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "bounds-svg" });
    const summary = entries.map(([k, v]) => `k = ${k}: ${formatNumber(v)}`).join(", ");
    chart.append(svg("title", {}, `Bound on log p(x) in nats for growing k: ${summary}`));
    // grid and y ticks
    for (let i = 0; i <= 4; i++) {
      const y = yMin + ((yMax - yMin) * i) / 4;
      chart.append(svg("line", { x1: left, x2: W - right, y1: Y(y), y2: Y(y), class: "grid" }));
      chart.append(svg("text", { x: left - 6, y: Y(y) + 4, class: "tick", "text-anchor": "end" }, formatNumber(y, 1)));
    }
    for (const [k] of entries) {
      chart.append(svg("text", { x: X(Math.log10(k)), y: H - bottom + 16, class: "tick", "text-anchor": "middle" }, String(k)));
    }
    chart.append(svg("text", { x: (left + W - right) / 2, y: H - 4, class: "axis-label", "text-anchor": "middle" }, "k (log scale)"));
    const path = entries.map(([k, v], i) => `${i ? "L" : "M"}${X(Math.log10(k)).toFixed(1)},${Y(v).toFixed(1)}`).join(" ");
    chart.append(svg("path", { d: path, class: "line" }));
    for (const [k, v] of entries) {
      const dot = svg("circle", { cx: X(Math.log10(k)), cy: Y(v), r: 4, class: "dot" });
      dot.append(svg("title", {}, `k = ${k}: ${formatNumber(v)} nats`));
      chart.append(dot);
    }
    box.append(chart);
    const first = entries[0], last = entries[entries.length - 1];
    $("bounds-caption").textContent = `L_k in nats: ${summary}. From k = ${first[0]} to ${last[0]} the bound moves by ${formatNumber(last[1] - first[1])} nats.`;
  }

  async function runBounds() {
    if (!state.latent || !state.inputImage) {
      showError("There is no current input yet: draw, upload or sample one first.");
      return;
    }
    const form = new FormData();
    form.append("image", dataUrlToBlob(state.inputImage), "input.png");
    form.append("model", state.model.name);
    form.append("k", "50");
    form.append("bounds", "true");
    form.append("seed", "0");
    const result = await track("posterior-panel", api("encode", { form }));
    if (!result) return;
    if (!result.bounds) {
      showError("The server did not return bounds for this input.");
      return;
    }
    renderBounds(result.bounds);
  }

  // ---------------------------------------------------------------------------------------------
  // Custom attributes
  // ---------------------------------------------------------------------------------------------

  function clearExamples() {
    for (const zone of ["with", "without"]) {
      state.examples[zone].forEach((e) => e.url.startsWith("blob:") && URL.revokeObjectURL(e.url));
      state.examples[zone] = [];
    }
    renderExamples();
  }

  function addExamples(zone, files) {
    for (const file of Array.from(files || [])) {
      if (!file) continue;
      state.examples[zone].push({ blob: file, url: URL.createObjectURL(file), name: file.name || "image.png" });
    }
    renderExamples();
  }

  function renderExamples() {
    for (const zone of ["with", "without"]) {
      const box = $(`thumbs-${zone}`);
      box.textContent = "";
      state.examples[zone].forEach((example, i) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "thumb";
        button.setAttribute("aria-label", `Remove example ${i + 1} ${zone} the property`);
        button.title = "Remove";
        const img = document.createElement("img");
        img.src = example.url;
        img.alt = `Example ${i + 1} ${zone} the property`;
        button.append(img);
        button.addEventListener("click", () => {
          const [removed] = state.examples[zone].splice(i, 1);
          if (removed.url.startsWith("blob:")) URL.revokeObjectURL(removed.url);
          renderExamples();
        });
        box.append(button);
      });
      const count = document.createElement("span");
      count.className = "thumb-count";
      count.textContent = `${state.examples[zone].length} image${state.examples[zone].length === 1 ? "" : "s"}`;
      box.append(count);
    }
  }

  async function createCustomAttribute() {
    if (!state.model) return;
    const { with: positive, without: negative } = state.examples;
    if (positive.length === 0 || negative.length === 0) {
      showError("Add at least one image with the property and one without it.");
      return;
    }
    let name = $("custom-name").value.trim() || "custom";
    const taken = new Set([...attributeNames(), ...state.edits.map((e) => e.name)]);
    for (let i = 2; taken.has(name); i++) name = `${name.replace(/ \d+$/, "")} ${i}`;
    const form = new FormData();
    form.append("model", state.model.name);
    form.append("name", name);
    positive.forEach((e) => form.append("with", e.blob, e.name));
    negative.forEach((e) => form.append("without", e.blob, e.name));
    const result = await track("custom-panel", api("attributes/custom", { form }));
    if (!result) return;
    clearError();
    // The name asked for was free, so the server's echo of it is too.
    state.custom[name] = { vector: result.vector, method: result.method, n_positive: result.n_positive, n_negative: result.n_negative };
    state.edits = state.edits.filter((e) => e.name !== name);
    addSlider(name, 0, result.vector);
    if (result.warnings && result.warnings.length) showNotice(`Note: ${result.warnings.join("; ")}.`);
    announce(`Custom attribute “${name}” added as a slider.`);
    $("custom-name").value = "";
  }

  // ---------------------------------------------------------------------------------------------
  // The URL holds the view: model, latent, edits (custom vectors included), sweep frames
  // ---------------------------------------------------------------------------------------------

  function viewToParams() {
    const params = new URLSearchParams();
    if (!state.model) return params;
    params.set("model", state.model.name);
    if (state.latent) params.set("z", encodeFloats(state.latent));
    for (const e of state.edits) {
      params.append("edit", `${Number(e.scale).toFixed(1)}:${e.name}`);
      if (e.vector) params.append("vector", `${encodeFloats(e.vector)}:${e.name}`);
    }
    if (state.sweepAttr !== null) params.set("sweep", state.sweepAttr);
    params.set("frames", String(clampInt($("sweep-steps").value, 2, 64, 9)));
    params.set("seed", String(clampInt($("seed").value, 0, 2147483647, 0)));
    return params;
  }

  function saveToUrl() {
    if (state.restoring) return;
    const hash = "#" + viewToParams().toString();
    if (hash !== location.hash) history.replaceState(null, "", hash);
  }

  function shareUrl() {
    return `${location.href.split("#")[0]}#${viewToParams().toString()}`;
  }

  /** Restores a view from the URL hash. Returns true if it set a latent. */
  async function restoreFromUrl() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const modelName = params.get("model");
    if (!modelName) return false;
    state.restoring = true;
    const problems = []; // everything wrong with the link, reported together
    try {
      if (!useModel(modelName)) return false;
      const frames = params.get("frames");
      if (frames) $("sweep-steps").value = String(clampInt(frames, 2, 64, 9));
      const seed = params.get("seed");
      if (seed !== null) $("seed").value = String(clampInt(seed, 0, 2147483647, 0));

      const vectors = {};
      for (const item of params.getAll("vector")) {
        const at = item.indexOf(":");
        if (at < 0) continue;
        try {
          vectors[item.slice(at + 1)] = decodeFloats(item.slice(0, at));
        } catch (_) {
          problems.push("a custom attribute in the link could not be read and was left out");
        }
      }
      const known = new Set(state.model.attributes.map((a) => a.name));
      state.edits = [];
      for (const item of params.getAll("edit")) {
        const at = item.indexOf(":");
        if (at < 0) continue;
        const scale = Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, Number(item.slice(0, at)) || 0));
        const name = item.slice(at + 1);
        if (vectors[name]) {
          state.custom[name] = { vector: vectors[name], method: "custom", n_positive: 0, n_negative: 0 };
          state.edits.push({ name, scale, vector: vectors[name] });
        } else if (known.has(name)) {
          state.edits.push({ name, scale, vector: null });
        } else {
          problems.push(`the ${state.model.name} model has no attribute “${name}”, so its slider was left out`);
        }
      }
      const sweep = params.get("sweep");
      state.sweepAttr = state.edits.some((e) => e.name === sweep) ? sweep : null;
      renderSliders();

      const z = params.get("z");
      if (z) {
        let latent = null;
        try {
          latent = decodeFloats(z);
        } catch (_) {
          latent = null;
        }
        if (!latent || latent.length !== state.model.latent_size) {
          problems.push(`the link's latent does not fit the ${state.model.name} model (it needs ${state.model.latent_size} numbers)`);
        } else {
          await setCurrentLatent(latent, null);
          return true;
        }
      }
      return false;
    } finally {
      state.restoring = false;
      if (problems.length) showError(`This link could not be restored completely: ${problems.join("; ")}.`);
      saveToUrl();
    }
  }

  async function copyLink() {
    const url = shareUrl();
    saveToUrl();
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(url);
        copied = true;
      }
    } catch (_) {
      copied = false;
    }
    if (!copied) {
      // Fallback: a hidden textarea and the old copy command.
      const area = document.createElement("textarea");
      area.value = url;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.append(area);
      area.select();
      try {
        copied = document.execCommand("copy");
      } catch (_) {
        copied = false;
      }
      area.remove();
    }
    const button = $("copy-link");
    button.dataset.url = url;
    button.textContent = copied ? "Link copied" : "Link in address bar";
    announce(copied ? "The link to this view is on the clipboard." : "Copy the link from the address bar.");
    setTimeout(() => (button.textContent = "Copy link"), 2000);
  }

  // ---------------------------------------------------------------------------------------------
  // Wiring
  // ---------------------------------------------------------------------------------------------

  function wireDropZone(zone, onFiles) {
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

  function wire() {
    $("model-select").addEventListener("change", (event) => {
      if (useModel(event.target.value)) {
        saveToUrl();
        sampleAsFirstInput();
      }
    });
    $("copy-link").addEventListener("click", copyLink);

    $("undo").addEventListener("click", () => pad.undo());
    $("clear").addEventListener("click", () => pad.clear(false));
    $("input-file").addEventListener("change", (event) => {
      handleFiles(event.target.files);
      event.target.value = "";
    });
    wireDropZone($("input-drop"), handleFiles);
    wireDropZone($("pad"), handleFiles);
    document.addEventListener("paste", (event) => {
      if (event.target && event.target.matches && event.target.matches("input[type=text], input[type=number], textarea")) return;
      const files = Array.from((event.clipboardData && event.clipboardData.files) || []);
      if (files.length) {
        event.preventDefault();
        handleFiles(files);
      }
    });
    // A file dropped outside a drop zone must not navigate away from the page.
    window.addEventListener("dragover", (event) => event.preventDefault());
    window.addEventListener("drop", (event) => event.preventDefault());
    // Ctrl+Z / Cmd+Z undoes the last stroke (outside text fields).
    document.addEventListener("keydown", (event) => {
      const typing = event.target && event.target.matches && event.target.matches("input, textarea, select");
      if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z" && !typing && !pad.isEmpty()) {
        event.preventDefault();
        pad.undo();
      }
    });
    $("reencode").addEventListener("click", () => {
      if (state.inputImage) encodeImage(dataUrlToBlob(state.inputImage), "decoded.png");
    });

    $("attr-add").addEventListener("click", () => {
      const name = $("attr-select").value;
      if (name) addSlider(name, 0, null);
    });
    $("sweep-attr").addEventListener("change", (event) => {
      state.sweepAttr = event.target.value;
      updateSweep();
      saveToUrl();
    });
    $("sweep-steps").addEventListener("change", () => {
      updateSweep();
      saveToUrl();
    });
    $("edited-use").addEventListener("click", () => bakeEdits());
    $("edits-reset").addEventListener("click", () => {
      state.edits.forEach((e) => (e.scale = 0));
      renderSliders();
      latentChanged();
    });

    $("set-a").addEventListener("click", () => setEnd("a"));
    $("set-b").addEventListener("click", () => setEnd("b"));
    $("interp-run").addEventListener("click", runInterpolation);
    $("interp-steps").addEventListener("change", scheduleInterpolation);
    for (const radio of document.querySelectorAll('input[name="interp-method"]')) {
      radio.addEventListener("change", scheduleInterpolation);
    }

    $("sample-run").addEventListener("click", () => {
      runSample();
      saveToUrl();
    });
    $("sample-new").addEventListener("click", () => {
      $("seed").value = String(Math.floor(Math.random() * 1e6));
      runSample();
      saveToUrl();
    });
    $("temperature").addEventListener("input", () => {
      $("temperature-value").textContent = Number($("temperature").value).toFixed(2);
    });
    $("temperature").addEventListener("change", runSample);
    $("seed").addEventListener("change", () => {
      runSample();
      saveToUrl();
    });

    $("bounds-run").addEventListener("click", runBounds);

    for (const zone of ["with", "without"]) {
      $(`file-${zone}`).addEventListener("change", (event) => {
        addExamples(zone, event.target.files);
        event.target.value = "";
      });
      wireDropZone($(`zone-${zone}`), (files) => addExamples(zone, files));
    }
    for (const button of document.querySelectorAll(".add-current")) {
      button.addEventListener("click", () => {
        if (!state.inputImage) {
          showError("There is no current input yet: draw, upload or sample one first.");
          return;
        }
        const zone = button.dataset.zone;
        state.examples[zone].push({ blob: dataUrlToBlob(state.inputImage), url: state.inputImage, name: "current.png" });
        renderExamples();
        if (state.source === "image" && !pad.isEmpty()) pad.clear(false);
      });
    }
    $("custom-create").addEventListener("click", createCustomAttribute);
    $("custom-clear").addEventListener("click", clearExamples);

    window.addEventListener("hashchange", () => {
      const wanted = viewToParams().toString();
      if (location.hash.replace(/^#/, "") !== wanted) restoreFromUrl();
    });
  }

  /** A first view with something to play with: prior samples, the first one as the input. */
  async function sampleAsFirstInput() {
    const model = state.model && state.model.name;
    const samples = await runSample();
    if (!samples || !state.model || state.model.name !== model || state.latent || state.inputRequested) return;
    if (samples.latents && samples.latents.length) await setCurrentLatent(samples.latents[0], samples.images[0]);
  }

  async function start() {
    wire();
    renderExamples();
    const ok = await loadModels();
    if (!ok) return;
    const restored = await restoreFromUrl();
    if (!state.model) useModel(state.models[0].name);
    if (restored) await runSample();
    else await sampleAsFirstInput();
    saveToUrl();
    document.body.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
