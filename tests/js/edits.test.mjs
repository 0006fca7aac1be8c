// Slider edits and attribute names: request bodies, list updates, the picker's suggestions and groups.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  attributeGroups,
  attributeNames,
  describeAttribute,
  firstAttribute,
  freeName,
  judgedNote,
  optionLabel,
  suggestedName,
} from "../../static/js/attributes.js";
import {
  activeEdits,
  bakedEdits,
  clampScale,
  editSummary,
  nearestFrame,
  sameSliders,
  sweepRequest,
  sweptAttribute,
  withoutEdit,
  withScale,
  zeroScales,
} from "../../static/js/edits.js";

const VECTOR = [0.1, 0.2];
const EDITS = [
  { name: "Smiling", scale: 1.5, vector: null },
  { name: "mine", scale: -0.7, vector: VECTOR },
  { name: "Male", scale: 0, vector: null },
];

test("edits become /edit bodies: built-ins by name, custom ones by vector, zeros left out", () => {
  assert.deepEqual(activeEdits(EDITS), [
    { attribute: "Smiling", scale: 1.5 },
    { vector: VECTOR, scale: -0.7 },
  ]);
  assert.deepEqual(activeEdits(EDITS, "Smiling"), [{ vector: VECTOR, scale: -0.7 }]);
});

test("baking uses a picked sweep frame's scale for its slider, even at 0", () => {
  assert.deepEqual(bakedEdits(EDITS), activeEdits(EDITS));
  assert.deepEqual(bakedEdits(EDITS, { name: "Male", scale: 2 }), [
    { attribute: "Smiling", scale: 1.5 },
    { vector: VECTOR, scale: -0.7 },
    { attribute: "Male", scale: 2 },
  ]);
  assert.deepEqual(bakedEdits(EDITS, { name: "Smiling", scale: 0 })[0], { attribute: "Smiling", scale: 0 });
});

test("the summary names the non-zero edits", () => {
  assert.equal(editSummary(EDITS), "Smiling +1.5, mine −0.7");
  assert.equal(editSummary(zeroScales(EDITS)), "");
});

test("a sweep runs from −3 to +3", () => {
  assert.deepEqual(sweepRequest(EDITS[0], 9), { attribute: "Smiling", start: -3, stop: 3, steps: 9 });
  assert.deepEqual(sweepRequest(EDITS[1], 5), { vector: VECTOR, start: -3, stop: 3, steps: 5 });
});

test("list updates return new lists and leave the old one alone", () => {
  const moved = withScale(EDITS, "Male", 2);
  assert.notEqual(moved, EDITS);
  assert.equal(EDITS[2].scale, 0);
  assert.equal(moved[2].scale, 2);
  assert.equal(moved[0], EDITS[0]); // untouched edits are shared
  assert.deepEqual(withoutEdit(EDITS, "mine").map((e) => e.name), ["Smiling", "Male"]);
  assert.deepEqual(zeroScales(EDITS).map((e) => e.scale), [0, 0, 0]);
});

test("sameSliders ignores scales only", () => {
  assert.equal(sameSliders(EDITS, zeroScales(EDITS)), true);
  assert.equal(sameSliders(EDITS, withoutEdit(EDITS, "Male")), false);
  assert.equal(sameSliders(EDITS, [...EDITS].reverse()), false);
});

test("the swept attribute stays on a slider", () => {
  assert.equal(sweptAttribute(EDITS, "mine"), "mine");
  assert.equal(sweptAttribute(EDITS, "gone"), "Male"); // the last slider
  assert.equal(sweptAttribute(EDITS, null), "Male");
  assert.equal(sweptAttribute([], "mine"), null);
});

test("scales are clamped to the slider", () => {
  assert.equal(clampScale("2.5"), 2.5);
  assert.equal(clampScale(7), 3);
  assert.equal(clampScale("-9"), -3);
  assert.equal(clampScale("x"), 0);
});

test("the nearest frame is outlined; ties go to the first", () => {
  const scales = [-3, -1.5, 0, 1.5, 3];
  assert.equal(nearestFrame(scales, 0.2), 2);
  assert.equal(nearestFrame(scales, 9), 4);
  assert.equal(nearestFrame(scales, -0.75), 1);
  assert.equal(nearestFrame([], 0), -1);
});

const FACES = {
  name: "faces",
  attributes: [
    { name: "Eyeglasses", method: "mean_difference", n_positive: 600, n_negative: 9400 },
    { name: "Smiling", method: "mean_difference", n_positive: 4800, n_negative: 5200 },
    {
      name: "Smiling (balanced)",
      method: "balanced",
      n_positive: 812,
      n_negative: 812,
      judged: { scale: 2, turned: 0.9, drift: 0.048, drift_measure: "mean |ΔP| of the other attributes", turned_needed: 0.9, drift_allowed: 0.05, n: 200, outcome: "meets_goal" },
    },
    {
      name: "Male (balanced)",
      method: "balanced",
      n_positive: 700,
      n_negative: 700,
      judged: { scale: 1.5, turned: 0.384, drift: 0.05, drift_measure: "mean |ΔP| of the other attributes", turned_needed: 0.9, drift_allowed: 0.05, n: 200, outcome: "stopped_by_drift" },
    },
    { name: "Smiling (independent)", method: "independent", n_positive: 812, n_negative: 812 },
  ],
};
const DIGITS = { name: "digits", attributes: [{ name: "0", method: "mean_difference", n_positive: 1, n_negative: 2 }, { name: "7", method: "mean_difference" }] };
const CUSTOM = { mine: { vector: VECTOR, method: "custom", n_positive: 3, n_negative: 2 } };

test("suggestions: balanced face edits first, in the order people try them, else the first name", () => {
  assert.equal(firstAttribute(FACES).name, "Smiling (balanced)");
  assert.equal(suggestedName(["Eyeglasses", "Smiling", "Male (balanced)"]), "Male (balanced)");
  assert.equal(suggestedName(["Eyeglasses", "Smiling"]), "Smiling");
  assert.equal(firstAttribute(DIGITS).name, "0");
  assert.equal(suggestedName([]), undefined);
});

test("names: the model's, then custom ones that do not shadow them", () => {
  assert.deepEqual(attributeNames(DIGITS, { ...CUSTOM, 7: {} }), ["0", "7", "mine"]);
  assert.deepEqual(attributeNames(null, CUSTOM), ["mine"]);
});

test("groups: balanced first, then independent, then by method, then yours", () => {
  const groups = attributeGroups(FACES, CUSTOM);
  const independent = "independent: other attributes' read-outs unchanged";
  assert.deepEqual([...groups.keys()], ["balanced: other attributes held fixed", independent, "mean difference", "yours"]);
  assert.deepEqual(groups.get(independent), ["Smiling (independent)"]);
  assert.deepEqual(groups.get("balanced: other attributes held fixed"), ["Smiling (balanced)", "Male (balanced)"]);
  assert.deepEqual(groups.get("mean difference"), ["Eyeglasses", "Smiling"]);
  assert.deepEqual(groups.get("yours"), ["mine"]);
  assert.equal(attributeGroups(DIGITS, {}).size, 1);
});

test("descriptions and option labels", () => {
  assert.equal(describeAttribute(FACES, {}, "Smiling"), "mean difference: 4800 with, 5200 without");
  assert.equal(
    describeAttribute(FACES, {}, "Smiling (balanced)"),
    "balanced: 812 with, 812 without. Measured on 200 held-out images without it: at +2.0, 90 % turned; " +
      "drift 0.048 (mean |ΔP| of the other attributes).",
  );
  assert.equal(describeAttribute(FACES, CUSTOM, "mine"), "custom: 3 with, 2 without");
  assert.equal(describeAttribute(FACES, {}, "nosuch"), "");
  assert.equal(optionLabel(CUSTOM, "mine"), "mine (custom)");
  assert.equal(optionLabel(CUSTOM, "Smiling"), "Smiling");
});

test("a measured vector says how far it gets; an unmeasured or custom one says nothing", () => {
  assert.deepEqual(judgedNote(FACES, {}, "Smiling (balanced)"), {
    works: true,
    scale: 2,
    text: "does it by +2.0: 90 % of test images turned",
  });
  assert.deepEqual(judgedNote(FACES, {}, "Male (balanced)"), {
    works: false,
    scale: 1.5,
    text: "turns at most 38 % of test images (+1.5) before the rest drifts",
  });
  const judged = (scale, turned, outcome) => ({ scale, turned, drift: 0.01, drift_measure: "", turned_needed: 0.95, drift_allowed: 0.05, n: 500, outcome });
  const digits = {
    name: "digits-vae",
    attributes: [
      { name: "8", method: "steered", n_positive: 1, n_negative: 1, judged: judged(0.5, 0.71, "drifts_from_first_scale") },
      { name: "3", method: "steered", n_positive: 1, n_negative: 1, judged: judged(3, 0.895, "short_at_largest_scale") },
    ],
  };
  assert.equal(judgedNote(digits, {}, "8").text, "the rest drifts already at +0.5 (71 % of test images turned)");
  // rounded down: 89.5 % is not the 90 % a goal asks for
  assert.equal(judgedNote(digits, {}, "3").text, "turns at most 89 % of test images (+3.0), the rest held");
  assert.equal(judgedNote(FACES, {}, "Smiling"), null);
  assert.equal(judgedNote(FACES, CUSTOM, "mine"), null);
  assert.equal(judgedNote(FACES, { "Smiling (balanced)": CUSTOM.mine }, "Smiling (balanced)"), null); // yours, not the model's
  assert.equal(judgedNote(null, {}, "Smiling (balanced)"), null);
});

test("a new custom attribute gets a free name", () => {
  assert.equal(freeName("  slanted ", new Set()), "slanted");
  assert.equal(freeName("", new Set()), "custom");
  assert.equal(freeName("0", new Set(["0", "7"])), "0 2");
  assert.equal(freeName("round", new Set(["round", "round 2"])), "round 3");
});
