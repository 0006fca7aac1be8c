/* Decoding in the page: each model's decoder run by ONNX Runtime Web, so a slider drag costs no round trip.
 *
 * The service serves every bundle's decoder as ONNX (GET /models/{name}/decoder.onnx, converted from
 * the very function /decode runs) and ONNX Runtime Web from npm (the page's data-onnx-runtime). When
 * both load, /edit, /interpolate and /decode requests with JSON latents are answered here, in the
 * same shape as the server's answers; until then (the runtime is ~14 MB of WebAssembly), when they do
 * not load, or for anything the page cannot answer (an unknown attribute, a latent of the wrong size),
 * they go to the server, which stays the reference: a request never waits for the download. The
 * footer says which path decodes. The runtime runs on WebAssembly with one thread: threads need
 * cross-origin isolation, and one thread decodes a digit in well under a millisecond.
 */

import { editedLatent, fitsModel, pathLatents, rgbaPixels, sweepLatents } from "./localdecode.js";

const LOCAL_PATHS = new Set(["edit", "interpolate", "decode"]);

/** Loads ONNX Runtime Web from `moduleUrl` (its .wasm files lie beside it). */
async function loadOnnxRuntime(moduleUrl) {
  const ort = await import(moduleUrl);
  ort.env.wasm.wasmPaths = new URL(".", new URL(moduleUrl, document.baseURI)).href;
  ort.env.wasm.numThreads = 1;
  return ort;
}

async function fetchOk(fetchImpl, url) {
  const response = await fetchImpl(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

/** `count` decoded images from index `first` of values (N, H, W, C) → PNG data URLs, and the strip of
 * them side by side: what the server's PNGs show. */
function toImages(values, first, count, [height, width, channels]) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  const stripCanvas = document.createElement("canvas");
  stripCanvas.width = width * count;
  stripCanvas.height = height;
  const stripContext = stripCanvas.getContext("2d");
  const images = [];
  for (let i = 0; i < count; i++) {
    const picture = new ImageData(rgbaPixels(values, first + i, height, width, channels), width, height);
    context.putImageData(picture, 0, 0);
    stripContext.putImageData(picture, i * width, 0);
    images.push(canvas.toDataURL("image/png"));
  }
  return { images, strip: stripCanvas.toDataURL("image/png") };
}

/** One model's decoder: `run(latents)` → float32 values (N, H, W, C), one run at a time. */
async function createModelDecoder(ort, model, fetchImpl) {
  const [graph, vectors] = await Promise.all([
    fetchOk(fetchImpl, model.decoder.url).then((r) => r.arrayBuffer()),
    fetchOk(fetchImpl, model.decoder.vectors_url).then((r) => r.json()),
  ]);
  const session = await ort.InferenceSession.create(new Uint8Array(graph), { executionProviders: ["wasm"] });
  const size = model.latent_size;
  let queue = Promise.resolve();

  async function run(latents) {
    const data = new Float32Array(latents.length * size);
    latents.forEach((latent, i) => data.set(latent, i * size));
    const feeds = { [model.decoder.input]: new ort.Tensor("float32", data, [latents.length, size]) };
    const result = queue.then(() => session.run(feeds));
    queue = result.catch(() => {});
    return (await result)[model.decoder.output].data;
  }

  return { model, size, vectors: vectors.vectors, run };
}

/** The answer to an /edit, /interpolate or /decode body, as the server would give it; null when the
 * page cannot answer it. */
async function answer(decoder, path, body) {
  const { size, vectors, run, model } = decoder;
  const decode = async (latents) => toImages(await run(latents), 0, latents.length, model.image_shape);
  if (path === "decode") {
    const latents = body.latents;
    if (!Array.isArray(latents) || !latents.length || !latents.every((z) => fitsModel(z, size))) return null;
    return { model: model.name, ...(await decode(latents)) };
  }
  if (path === "interpolate") {
    const latents = pathLatents(body, size);
    if (!latents) return null;
    return { model: model.name, method: body.method || "slerp", latents, ...(await decode(latents)), inputs: null, warnings: [] };
  }
  const latent = editedLatent(body.latent, body.edits, vectors, size);
  const sweep = latent && body.sweep ? sweepLatents(latent, body.sweep, vectors, size) : null;
  if (!latent || (body.sweep && !sweep)) return null;
  if (!sweep) return { model: model.name, latent, image: (await decode([latent])).images[0], sweep: null };
  const values = await run([latent, ...sweep.latents]); // the edit and its sweep in one run, as the server does
  const frames = toImages(values, 1, sweep.latents.length, model.image_shape);
  const image = toImages(values, 0, 1, model.image_shape).images[0];
  return { model: model.name, latent, image, sweep: { scales: sweep.scales, ...frames } };
}

/** Page decoding for `runtimeUrl` (empty: none). `decoderFor(model)` starts loading the model's decoder
 * and resolves to it or null; `wrap(api)` answers what it can in the page with the decoders loaded so
 * far; `describe(model)` is the footer's sentence. `loadRuntime(url)` resolves to the runtime's module
 * (tests give their own). */
export function createPageDecoding({
  runtimeUrl,
  fetch: fetchImpl = (...args) => globalThis.fetch(...args),
  loadRuntime = loadOnnxRuntime,
}) {
  let runtime = null;
  const decoders = new Map(); // model name → the promise of its decoder (null when it cannot load)
  const ready = new Map(); // model name → its decoder, once loaded: the only ones requests use
  const problems = new Map();

  function decoderFor(model) {
    if (!model) return Promise.resolve(null);
    if (!decoders.has(model.name)) {
      const loading = (async () => {
        if (!runtimeUrl) throw new Error("ONNX Runtime Web is not installed on this server");
        if (!model.decoder) throw new Error("this model's bundle has no decoder for the browser");
        runtime = runtime || loadRuntime(runtimeUrl);
        const decoder = await createModelDecoder(await runtime, model, fetchImpl);
        ready.set(model.name, decoder);
        return decoder;
      })().catch((err) => {
        problems.set(model.name, err.message || String(err));
        return null;
      });
      decoders.set(model.name, loading);
    }
    return decoders.get(model.name);
  }

  /** The API, with edits, paths and decodes of JSON latents answered in the page when it can. A
   * decoder still loading is not waited for: the server answers meanwhile. */
  function wrap(api) {
    return async function pageFirst(path, options = {}) {
      const decoder = LOCAL_PATHS.has(path) && options.json ? ready.get(options.json.model) : undefined;
      if (decoder) {
        const local = await answer(decoder, path, options.json).catch(() => null);
        if (local) return local;
      }
      return api(path, options);
    };
  }

  function describe(model) {
    if (!model) return "";
    if (problems.has(model.name)) return `Decoding on the server (${problems.get(model.name)}).`;
    return "Decoding in this page: the model's decoder runs in ONNX Runtime Web (WebAssembly).";
  }

  return { decoderFor, wrap, describe };
}
