// How numbers and models are written on the page.
import assert from "node:assert/strict";
import { test } from "node:test";

import { SEED_RANGE, SWEEP_FRAMES } from "../../static/js/constants.js";
import {
  clampInt,
  countImages,
  describeModel,
  formatNumber,
  formatScale,
  isDrawable,
  isPixelated,
  logLikelihoodNote,
  slug,
} from "../../static/js/format.js";

test("scales carry a sign and a true minus, and zero has none", () => {
  assert.equal(formatScale(1.5), "+1.5");
  assert.equal(formatScale(-0.7), "−0.7");
  assert.equal(formatScale(0), "0.0");
  assert.equal(formatScale(-0), "0.0");
  assert.equal(formatScale(-0.04), "0.0"); // rounds to zero: no "−0.0"
  assert.equal(formatScale(3), "+3.0");
  assert.equal(formatScale(-3), "−3.0");
});

test("numbers have fixed digits and a true minus", () => {
  assert.equal(formatNumber(-85.5612), "−85.56");
  assert.equal(formatNumber(2.5, 1), "2.5");
  assert.equal(formatNumber(0), "0.00");
});

test("typed numbers are rounded and clamped into the field's range", () => {
  assert.equal(clampInt("12", SWEEP_FRAMES), 12);
  assert.equal(clampInt("4.6", SWEEP_FRAMES), 5);
  assert.equal(clampInt("1", SWEEP_FRAMES), 2);
  assert.equal(clampInt("1000", SWEEP_FRAMES), 64);
  assert.equal(clampInt("abc", SWEEP_FRAMES), 9);
  // An emptied field is no number (Number("") is 0, which would clamp to the minimum).
  assert.equal(clampInt("", SWEEP_FRAMES), 9);
  assert.equal(clampInt("  ", SWEEP_FRAMES), 9);
  assert.equal(clampInt(null, SWEEP_FRAMES), 9);
  assert.equal(clampInt(undefined, SWEEP_FRAMES), 9);
  assert.equal(clampInt("0", SWEEP_FRAMES), 2); // a typed 0 is a number, clamped
  assert.equal(clampInt(-5, SEED_RANGE), 0);
  assert.equal(clampInt(1e12, SEED_RANGE), 2147483647);
});

test("slugs are file-name safe", () => {
  assert.equal(slug("Blond_Hair (balanced)"), "blond-hair-balanced");
  assert.equal(slug("  7 "), "7");
  assert.equal(slug("***"), "attribute");
});

test("image counts", () => {
  assert.equal(countImages(0), "0 images");
  assert.equal(countImages(1), "1 image");
  assert.equal(countImages(2), "2 images");
});

const DIGITS = { name: "digits", image_shape: [28, 28, 1], latent_size: 100, latent_layer: "h1", report: { bits_per_dim: 0.16 }, test_nll: -85.561, objective: "iwae", device: "/device:CPU:0" };
const FACES = { name: "faces", image_shape: [64, 64, 3], latent_size: 128, report: { bits_per_dim: 3.8712, test_nll: 33000 } };

test("a model is described in one line", () => {
  assert.equal(describeModel(DIGITS), "28×28 greyscale images · 100-dimensional latent (h1) · test NLL −85.56 nats · trained as IWAE · on CPU");
  assert.equal(describeModel(FACES), "64×64 colour images · 128-dimensional latent · test NLL 3.87 bits/dim");
  assert.equal(describeModel({ image_shape: [28, 28, 1], latent_size: 2, report: { test_nll: 90 }, device: "GPU:0" }), "28×28 greyscale images · 2-dimensional latent · test NLL 90.00 nats · on GPU");
  // a latent grid says its layout; a vector's shape adds nothing
  const grid = { ...FACES, latent_size: 2048, latent_layer: "h1", latent_shape: [8, 8, 32] };
  assert.equal(describeModel(grid), "64×64 colour images · 2048-dimensional latent (h1, 8×8 grid of 32) · test NLL 3.87 bits/dim");
  assert.equal(describeModel({ ...DIGITS, latent_shape: [100] }), describeModel(DIGITS));
});

test("digits are drawn with hard pixels; faces are uploaded", () => {
  assert.equal(isDrawable(DIGITS), true);
  assert.equal(isPixelated(DIGITS), true);
  assert.equal(isDrawable(FACES), false);
  assert.equal(isPixelated(FACES), false);
  assert.equal(isDrawable({ image_shape: [32, 32, 3] }), false); // small but in colour
});

test("the log-likelihood note adds bits per dimension for colour images", () => {
  assert.equal(logLikelihoodNote(DIGITS, -85.5, 50), "nats, importance-weighted with k = 50");
  const nats = -3.5 * 64 * 64 * 3 * Math.LN2;
  assert.equal(logLikelihoodNote(FACES, nats, 50), "nats (3.50 bits/dim), importance-weighted with k = 50");
});
