import assert from "node:assert/strict";
import test from "node:test";

import { editedLatent, fitsModel, lerp, linspace, pathLatents, rgbaPixels, slerp, sweepLatents } from "../../static/js/localdecode.js";

const VECTORS = { "7": [1, 0, -1], smile: [0, 2, 0] };
const close = (a, b) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-9, `${a} vs ${b}`));

test("an edit adds scale × vector for stored and custom vectors, like /edit", () => {
  const edited = editedLatent([0, 0, 0], [{ attribute: "7", scale: 2 }, { vector: [0.5, 0.5, 0.5], scale: -1 }], VECTORS, 3);
  close(edited, [1.5, -0.5, -2.5]);
  close(editedLatent([1, 2, 3], [], VECTORS, 3), [1, 2, 3]);
});

test("what the page cannot answer is left to the server", () => {
  assert.equal(editedLatent([0, 0, 0], [{ attribute: "unknown", scale: 1 }], VECTORS, 3), null);
  assert.equal(editedLatent([0, 0], [], VECTORS, 3), null); // wrong size: the server's message says which
  assert.equal(editedLatent([0, 0, NaN], [], VECTORS, 3), null);
  assert.equal(editedLatent([0, 0, 0], [{ vector: [1, 2], scale: 1 }], VECTORS, 3), null);
  assert.equal(sweepLatents([0, 0, 0], { attribute: "nope", start: -3, stop: 3, steps: 5 }, VECTORS, 3), null);
  assert.equal(pathLatents({ start: [0, 0, 0], end: [1, 1] }, 3), null);
  assert.equal(fitsModel([1, 2, 3], 3) && !fitsModel([1, Infinity, 3], 3), true);
});

test("a sweep spaces its scales like numpy's linspace and adds each to the latent", () => {
  assert.deepEqual(linspace(-3, 3, 5), [-3, -1.5, 0, 1.5, 3]);
  assert.deepEqual(linspace(2, 5, 1), [2]);
  const { scales, latents } = sweepLatents([1, 1, 1], { attribute: "smile", start: -1, stop: 1, steps: 3 }, VECTORS, 3);
  assert.deepEqual(scales, [-1, 0, 1]);
  assert.deepEqual(latents, [[1, -1, 1], [1, 1, 1], [1, 3, 1]]);
});

test("paths: lerp is straight, slerp keeps the radius between ends of equal norm and hits both ends", () => {
  close(lerp([0, 0], [2, 4], 3)[1], [1, 2]);
  const path = slerp([3, 0], [0, 3], 5);
  assert.deepEqual(path[0], [3, 0]);
  assert.deepEqual(path[4], [0, 3]);
  for (const point of path) assert.ok(Math.abs(Math.hypot(...point) - 3) < 1e-9);
  close(path[2], [3 / Math.SQRT2, 3 / Math.SQRT2]);
  close(slerp([1, 1], [2, 2], 3)[1], [1.5, 1.5]); // parallel ends: the straight line
  close(pathLatents({ start: [0, 0], end: [2, 2], steps: 3, method: "lerp" }, 2)[1], [1, 1]);
});

test("pixels are rounded and clipped as the server's PNGs are, grey repeated over RGB", () => {
  const grey = Float32Array.from([0, 0.5, 1.2, NaN, /* second image */ 0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(Array.from(rgbaPixels(grey, 0, 2, 2, 1)), [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
  assert.deepEqual(Array.from(rgbaPixels(grey, 1, 2, 2, 1)).filter((_, i) => i % 4 === 0), [51, 102, 153, 204]);
  const colour = Float32Array.from([0.1, 0.2, -0.3]);
  assert.deepEqual(Array.from(rgbaPixels(colour, 0, 1, 1, 3)), [26, 51, 0, 255]);
});
