// Share links: what serialiseView writes, parseLink/resolveLink read back, and what a bad link reports.
import assert from "node:assert/strict";
import { test } from "node:test";

import { encodeFloats } from "../../static/js/codec.js";
import { parseLink, resolveLink, serialiseView } from "../../static/js/urlstate.js";

const DIGITS = {
  name: "digits",
  latent_size: 4,
  attributes: [
    { name: "0", method: "mean_difference" },
    { name: "3", method: "mean_difference" },
  ],
};

const view = (overrides = {}) => ({
  model: DIGITS,
  latent: [0.5, -1.25, 3, 0],
  edits: [{ name: "0", scale: 1.5, vector: null }],
  sweepAttr: "0",
  frames: 9,
  seed: 0,
  ...overrides,
});

/** A view written as a link and read back on `model`. */
const readBack = (v, model = DIGITS) => {
  const link = parseLink("#" + serialiseView(v));
  return { link, ...resolveLink(link, model) };
};

test("a link names the model's version, and a latent from another version is shown with a note", () => {
  const made = { ...DIGITS, version: "3220c0fb56f2" };
  const hash = serialiseView(view({ model: made }));
  assert.ok(hash.startsWith("model=digits&v=3220c0fb56f2&z="));
  assert.equal(parseLink("#" + hash).version, "3220c0fb56f2");
  assert.deepEqual(readBack(view({ model: made }), made).problems, []);
  const retrained = readBack(view({ model: made }), { ...DIGITS, version: "b22c255e530f" });
  assert.deepEqual(retrained.latent, [0.5, -1.25, 3, 0]); // still shown
  assert.equal(retrained.problems.length, 1);
  assert.match(retrained.problems[0], /another version of the digits model \(3220c0fb56f2; this server has b22c255e530f\)/);
  // a link from before versions, or one without a latent, has nothing to warn about
  assert.deepEqual(readBack(view(), { ...DIGITS, version: "b22c255e530f" }).problems, []);
  assert.deepEqual(readBack(view({ model: made, latent: null }), { ...DIGITS, version: "b22c255e530f" }).problems, []);
});

test("no model, no link", () => {
  assert.equal(serialiseView(view({ model: null })), "");
  assert.equal(parseLink("").model, null);
  assert.equal(parseLink("#").model, null);
});

test("the link names its parts in a stable order", () => {
  const hash = serialiseView(view());
  assert.equal(hash, `model=digits&z=${encodeFloats([0.5, -1.25, 3, 0])}&edit=1.5%3A0&sweep=0&frames=9&seed=0`);
});

test("model, latent, edits, sweep, frames and seed make the round trip", () => {
  const edits = [
    { name: "0", scale: 1.5, vector: null },
    { name: "3", scale: -0.7, vector: null },
  ];
  const back = readBack(view({ edits, sweepAttr: "3", frames: 17, seed: 123456 }));
  assert.equal(back.link.model, "digits");
  assert.equal(back.link.frames, 17);
  assert.equal(back.link.seed, 123456);
  assert.deepEqual(back.edits, edits);
  assert.equal(back.sweepAttr, "3");
  assert.deepEqual(back.latent, [0.5, -1.25, 3, 0]);
  assert.deepEqual(back.custom, {});
  assert.deepEqual(back.problems, []);
});

test("a custom attribute travels with its vector, names with colons and spaces included", () => {
  const vector = [0.25, -0.5, 1, 2];
  const name = "odd: name & more";
  const back = readBack(view({ edits: [{ name, scale: -2, vector }], sweepAttr: name }));
  assert.deepEqual(back.edits, [{ name, scale: -2, vector }]);
  assert.deepEqual(back.custom[name], { vector, method: "custom", n_positive: 0, n_negative: 0 });
  assert.equal(back.sweepAttr, name);
  assert.deepEqual(back.problems, []);
});

test("scales are written with one decimal and clamped to the slider's range when read", () => {
  const back = readBack(view({ edits: [{ name: "0", scale: 1.04, vector: null }] }));
  assert.equal(back.edits[0].scale, 1);
  const link = parseLink("#model=digits&edit=9:0&edit=-7.5:3&edit=abc:0&edit=noscale");
  assert.deepEqual(link.edits, [
    { name: "0", scale: 3 },
    { name: "3", scale: -3 },
    { name: "0", scale: 0 },
  ]);
});

test("frames and seed are clamped; absent ones are null", () => {
  assert.deepEqual([parseLink("#model=digits&frames=100&seed=-5").frames, parseLink("#model=digits&frames=100&seed=-5").seed], [64, 0]);
  assert.equal(parseLink("#model=digits&frames=x").frames, 9);
  const none = parseLink("#model=digits");
  assert.equal(none.frames, null);
  assert.equal(none.seed, null);
  assert.equal(parseLink("#model=digits&frames=").frames, null);
  // the view writes clamped values too
  assert.match(serialiseView(view({ frames: 1, seed: 3e9 })), /frames=2&seed=2147483647$/);
});

test("an empty sweep or no latent leaves them out", () => {
  const hash = serialiseView(view({ latent: null, edits: [], sweepAttr: null }));
  assert.equal(hash, "model=digits&frames=9&seed=0");
  const back = readBack(view({ latent: null, edits: [], sweepAttr: null }));
  assert.equal(back.latent, null);
  assert.equal(back.sweepAttr, null);
});

test("what the model cannot show is left out, each with a sentence, in order", () => {
  const link = parseLink(`#model=digits&vector=@@@:mine&edit=1:mine&edit=2:nosuch&edit=1:3&z=${encodeFloats([1, 2])}&sweep=nosuch`);
  const resolved = resolveLink(link, DIGITS);
  assert.deepEqual(resolved.edits, [{ name: "3", scale: 1, vector: null }]);
  assert.equal(resolved.sweepAttr, null);
  assert.equal(resolved.latent, null);
  assert.deepEqual(resolved.problems, [
    "the custom attribute “mine” in the link does not fit the digits model and was left out",
    "the digits model has no attribute “nosuch”, so its slider was left out",
    "the link's latent does not fit the digits model (it needs 4 numbers)",
  ]);
});

test("an unreadable latent is reported like one of the wrong size", () => {
  const resolved = resolveLink(parseLink("#model=digits&z=A"), DIGITS);
  assert.equal(resolved.latent, null);
  assert.deepEqual(resolved.problems, ["the link's latent does not fit the digits model (it needs 4 numbers)"]);
});

test("a vector or latent of the wrong size or with non-finite numbers is left out, not made a slider", () => {
  const short = encodeFloats([1, 2]);
  const notFinite = encodeFloats([1, NaN, 0, Infinity]);
  const link = parseLink(`#model=digits&vector=${short}:short&edit=1:short&vector=${notFinite}:nan&edit=1:nan&z=${notFinite}`);
  const resolved = resolveLink(link, DIGITS);
  assert.deepEqual(resolved.edits, []);
  assert.deepEqual(resolved.custom, {});
  assert.equal(resolved.latent, null);
  assert.deepEqual(resolved.problems, [
    "the custom attribute “short” in the link does not fit the digits model and was left out",
    "the custom attribute “nan” in the link does not fit the digits model and was left out",
    "the link's latent does not fit the digits model (it needs 4 numbers)",
  ]);
});

test("a vector in the link makes even a built-in name custom", () => {
  const vector = [1, 0, 0, 0];
  const resolved = resolveLink(parseLink(`#model=digits&edit=0.5:0&vector=${encodeFloats(vector)}:0`), DIGITS);
  assert.deepEqual(resolved.edits, [{ name: "0", scale: 0.5, vector }]);
  assert.ok(resolved.custom["0"]);
});
