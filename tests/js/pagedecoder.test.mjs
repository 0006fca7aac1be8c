// Page decoding in front of the API: a decoder still loading never holds a request back.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createPageDecoding } from "../../static/js/pagedecoder.js";

const MODEL = {
  name: "digits",
  latent_size: 2,
  image_shape: [1, 1, 1],
  decoder: { url: "/decoder.onnx", vectors_url: "/vectors.json", input: "z", output: "x" },
};
/** `promise`, or a rejection after `ms`: a request held back forever fails the test instead of hanging it. */
function within(ms, promise) {
  let timer;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const SERVER_ANSWER = { model: "digits", images: ["from the server"] };
const DECODE = { json: { model: "digits", latents: [[0, 0]] } };

/** A fetch for the decoder's files. */
async function fetchDecoderFiles(url) {
  if (url === MODEL.decoder.url) return new Response(new Uint8Array([1, 2, 3]));
  return new Response(JSON.stringify({ vectors: {} }));
}

/** A stand-in for ONNX Runtime Web that counts the decoder's runs. */
function fakeRuntime() {
  const runtime = {
    runs: 0,
    Tensor: class {
      constructor(type, data, dims) {
        Object.assign(this, { type, data, dims });
      }
    },
    InferenceSession: {
      create: async () => ({
        run: async (feeds) => {
          runtime.runs++;
          return { x: { data: new Float32Array(feeds.z.data.length / 2) } };
        },
      }),
    },
  };
  return runtime;
}

test("while the decoder loads, requests go to the server at once", async () => {
  const stalled = new Promise(() => {}); // a download that never ends
  const pageDecoding = createPageDecoding({ runtimeUrl: "/ort.mjs", fetch: fetchDecoderFiles, loadRuntime: () => stalled });
  pageDecoding.decoderFor(MODEL);
  const asked = [];
  const api = pageDecoding.wrap(async (path) => {
    asked.push(path);
    return SERVER_ANSWER;
  });
  assert.deepEqual(await within(1000, api("decode", DECODE)), SERVER_ANSWER);
  assert.deepEqual(await within(1000, api("edit", { json: { model: "digits", latent: [0, 0], edits: [] } })), SERVER_ANSWER);
  assert.deepEqual(asked, ["decode", "edit"]);
});

test("once the decoder has loaded, it is tried first", async () => {
  const runtime = fakeRuntime();
  const pageDecoding = createPageDecoding({ runtimeUrl: "/ort.mjs", fetch: fetchDecoderFiles, loadRuntime: async () => runtime });
  const api = pageDecoding.wrap(async () => SERVER_ANSWER);
  assert.ok(await pageDecoding.decoderFor(MODEL));
  // Node has no canvas to draw the PNGs on, so the server answers in the end; the decoder ran first.
  assert.deepEqual(await api("decode", DECODE), SERVER_ANSWER);
  assert.equal(runtime.runs, 1);
});

test("a decoder that could not load leaves every request to the server, and the footer says why", async () => {
  const pageDecoding = createPageDecoding({ runtimeUrl: "", fetch: fetchDecoderFiles });
  assert.equal(await pageDecoding.decoderFor(MODEL), null);
  assert.deepEqual(await pageDecoding.wrap(async () => SERVER_ANSWER)("decode", DECODE), SERVER_ANSWER);
  assert.match(pageDecoding.describe(MODEL), /^Decoding on the server \(ONNX Runtime Web is not installed/);
});
