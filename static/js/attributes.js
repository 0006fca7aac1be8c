/* Which attribute vectors a model offers, how the picker groups them and which it suggests.
 *
 * A model ships attribute vectors (the faces: a "balanced", an "independent" and a plain vector per
 * CelebA label;
 * the digits: "0" … "9", each turning a digit into that one); the person can add custom ones made from their own examples.
 * These functions answer the picker's questions from the model's /models entry and the custom
 * attributes: every name, the option groups, a text about a vector, the name to suggest next, a free
 * name for a new custom attribute, and what a classifier found each built-in vector does. Pure: Node's test
 * runner imports this module as it is.
 */

import { formatScale } from "./format.js";

/** Attributes people try first, in that order: the bias-corrected ("balanced") face edits, then the
 * plain ones. A model opens on the first it has, and "Add" offers the next free one. */
const SUGGESTED = ["Smiling", "Male", "Eyeglasses", "Young", "Blond_Hair", "Wavy_Hair", "Mustache"];
const SUGGESTED_NAMES = [...SUGGESTED.map((n) => `${n} (balanced)`), ...SUGGESTED];

/** The picker's groups of the model's own vectors, in this order, each with a heading that says what
 * the method holds still; any other method follows under its own name. */
const METHOD_GROUPS = [
  ["balanced", "balanced: other attributes held fixed"],
  ["independent", "independent: other attributes' read-outs unchanged"],
];
const CUSTOM_GROUP = "yours";

/** The first of `names` people would try: a suggested one if there is one, else the first. */
export function suggestedName(names) {
  return SUGGESTED_NAMES.find((n) => names.includes(n)) ?? names[0];
}

/** The attribute a new model opens with (the faces' balanced "Smiling", the digits' "0"). */
export function firstAttribute(model) {
  const name = suggestedName(model.attributes.map((a) => a.name));
  return model.attributes.find((a) => a.name === name);
}

/** Every attribute name: the model's, then the custom ones that do not shadow one of them. */
export function attributeNames(model, custom) {
  const builtIn = model ? model.attributes.map((a) => a.name) : [];
  return [...builtIn, ...Object.keys(custom).filter((n) => !builtIn.includes(n))];
}

function methodText(method) {
  return method.replace(/_/g, " ");
}

function builtIn(model, name) {
  return model ? model.attributes.find((x) => x.name === name) : undefined;
}

/** A share, rounded down: 89.5 % turned is not yet the 90 % a goal asks for. */
const percent = (x) => `${Math.floor(x * 100 + 1e-9)} %`;

/** How a vector was made and, once measured, how well it works, for a slider's tooltip:
 * "balanced: 812 with, 812 without. Measured on 200 held-out images without it: at +2.0, 90 % turned;
 * drift 0.048 (mean |ΔP| of the other attributes)." */
export function describeAttribute(model, custom, name) {
  if (custom[name]) {
    const c = custom[name];
    return `custom: ${c.n_positive} with, ${c.n_negative} without`;
  }
  const a = builtIn(model, name);
  if (!a) return "";
  const made = `${methodText(a.method)}: ${a.n_positive} with, ${a.n_negative} without`;
  const j = a.judged;
  if (!j) return made;
  return (
    `${made}. Measured on ${j.n} held-out images without it: at ${formatScale(j.scale)}, ${percent(j.turned)} ` +
    `turned; drift ${j.drift.toFixed(3)} (${j.drift_measure}).`
  );
}

/** What a classifier made of a built-in vector's edits (the bundle's `judged` figures), for a line under
 * its slider: {works, scale, text}. A vector that does its job says from which scale; one that does not
 * says what stopped it (see `outcome` in GET /models). null when the vector was not measured, and for a
 * custom one, even one that took a built-in's name. */
export function judgedNote(model, custom, name) {
  const j = custom[name] ? undefined : builtIn(model, name)?.judged;
  if (!j) return null;
  const at = formatScale(j.scale);
  const turned = `${percent(j.turned)} of test images`;
  const text = {
    meets_goal: `does it by ${at}: ${turned} turned`,
    stopped_by_drift: `turns at most ${turned} (${at}) before the rest drifts`,
    short_at_largest_scale: `turns at most ${turned} (${at}), the rest held`,
    drifts_from_first_scale: `the rest drifts already at ${at} (${turned} turned)`,
  }[j.outcome];
  return text ? { works: j.outcome === "meets_goal", scale: j.scale, text } : null;
}

/** Option groups of the attribute picker (label → names): the model's vectors by how they were made,
 * balanced first, then independent, then the rest, then the person's own. A picker with one group
 * shows no heading. */
export function attributeGroups(model, custom) {
  const builtIn = model ? model.attributes : [];
  const rank = (a) => {
    const i = METHOD_GROUPS.findIndex(([method]) => method === a.method);
    return i < 0 ? METHOD_GROUPS.length : i;
  };
  const groups = new Map();
  for (const a of [...builtIn].sort((a, b) => rank(a) - rank(b))) {
    const label = METHOD_GROUPS[rank(a)]?.[1] ?? methodText(a.method);
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(a.name);
  }
  const own = Object.keys(custom).filter((n) => !builtIn.some((a) => a.name === n));
  if (own.length) groups.set(CUSTOM_GROUP, own);
  return groups;
}

/** The picker's text for a name: custom ones say so. */
export function optionLabel(custom, name) {
  return custom[name] ? `${name} (custom)` : name;
}

/** The name typed for a new custom attribute ("custom" if none), numbered " 2", " 3"… past `taken`. */
export function freeName(typed, taken) {
  let name = typed.trim() || "custom";
  for (let i = 2; taken.has(name); i++) name = `${name.replace(/ \d+$/, "")} ${i}`;
  return name;
}
