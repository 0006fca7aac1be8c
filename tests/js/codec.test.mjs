// The float codec of share links: exact float32 round trips, URL-safe text, clear failures.
import assert from "node:assert/strict";
import { test } from "node:test";

import { dataUrlToBlob, decodeFloats, encodeFloats } from "../../static/js/codec.js";

const roundTrip = (values) => decodeFloats(encodeFloats(values));

test("float32 values survive the round trip bit for bit", () => {
  const values = [0, 1, -1, 0.5, -2.25, 1e-3, 123456.789, Math.PI].map(Math.fround);
  assert.deepEqual(roundTrip(values), values);
});

test("edge values: ±0, ±Infinity, NaN, the float32 extremes and subnormals", () => {
  const edges = [-0, 0, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38, 1.401298464324817e-45];
  const back = roundTrip(edges);
  edges.forEach((v, i) => assert.ok(Object.is(back[i], v), `${v} came back as ${back[i]}`));
  assert.ok(Number.isNaN(roundTrip([NaN])[0]));
});

test("doubles come back rounded to float32, as the server holds them", () => {
  assert.deepEqual(roundTrip([0.1, 1 / 3]), [Math.fround(0.1), Math.fround(1 / 3)]);
  assert.deepEqual(roundTrip([1e39]), [Infinity]); // beyond float32: the nearest it has
});

test("the empty list is the empty text", () => {
  assert.equal(encodeFloats([]), "");
  assert.deepEqual(decodeFloats(""), []);
});

test("the text is base64url without padding: nothing a URL must escape", () => {
  for (let n = 1; n <= 6; n++) {
    const text = encodeFloats(Array.from({ length: n }, (_, i) => (i + 1) * -1.7e-5));
    assert.match(text, /^[A-Za-z0-9_-]*$/);
    assert.equal(encodeURIComponent(text), text);
    assert.equal(text.length, Math.ceil((4 * n * 4) / 3)); // 4 bytes a value, no "=" padding
  }
  // values whose bytes need the URL-safe letters of base64url ("-" and "_" for "+" and "/")
  const text = encodeFloats([-1.7014118346046923e38, Math.fround(-4.2e-19)]);
  assert.match(text, /[-_]/);
  assert.deepEqual(decodeFloats(text), [-1.7014118346046923e38, Math.fround(-4.2e-19)]);
});

test("a 50-dimensional latent takes 267 characters", () => {
  assert.equal(encodeFloats(new Array(50).fill(0.25)).length, 267);
});

test("text that is no whole number of floats is refused", () => {
  const text = encodeFloats([1, 2]);
  assert.throws(() => decodeFloats(text.slice(0, -3)), /bad latent length/);
  assert.throws(() => decodeFloats("AAA"), /bad latent length/); // 2 bytes
});

test("text that is no base64 at all is refused", () => {
  assert.throws(() => decodeFloats("@@@@"));
});

test("a data URL becomes a Blob with its type and bytes", async () => {
  const blob = dataUrlToBlob("data:image/png;base64,iVBORw0KGgo=");
  assert.equal(blob.type, "image/png");
  assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(dataUrlToBlob("data:image/jpeg;base64,/9j/").type, "image/jpeg");
  assert.equal(dataUrlToBlob("data:;base64,AAAA").type, "image/png"); // no type: PNG, the server's format
});
