/* The view as a share link: model, latent, slider edits (custom vectors included), sweep, frames, seed.
 *
 * The URL hash mirrors what a link needs to show the same view, as URL parameters:
 *   model=digits&v=<weights' fingerprint>&z=<float32 base64url>&edit=1.5:0&edit=-0.7:3&vector=<base64url>:mine
 *   &sweep=3&frames=9&seed=0
 * A latent means something only to the weights that made it, so the link names them (`v`, the model's
 * `version` from /models): opened after the model was retrained, the latent is shown with a note that
 * it now decodes to a different image.
 * `serialiseView` writes it from the state; reading is two steps because what a link may hold depends
 * on its model: `parseLink` takes the hash apart, `resolveLink` checks it against the model and says
 * in plain words what it had to leave out. Pure: Node's test runner imports this module as it is.
 */

import { decodeFloats, encodeFloats } from "./codec.js";
import { SEED_RANGE, SWEEP_FRAMES } from "./constants.js";
import { clampScale } from "./edits.js";
import { clampInt } from "./format.js";
import { fitsModel } from "./localdecode.js";

/** The hash (without "#") for the state's view; empty before a model is chosen. */
export function serialiseView({ model, latent, edits, sweepAttr, frames, seed }) {
  const params = new URLSearchParams();
  if (!model) return params.toString();
  params.set("model", model.name);
  if (model.version) params.set("v", model.version);
  if (latent) params.set("z", encodeFloats(latent));
  for (const e of edits) {
    params.append("edit", `${Number(e.scale).toFixed(1)}:${e.name}`);
    if (e.vector) params.append("vector", `${encodeFloats(e.vector)}:${e.name}`);
  }
  if (sweepAttr !== null) params.set("sweep", sweepAttr);
  params.set("frames", String(clampInt(frames, SWEEP_FRAMES)));
  params.set("seed", String(clampInt(seed, SEED_RANGE)));
  return params.toString();
}

/** "value:name" → [value, name]; null without a colon. Names may hold colons, values cannot. */
function splitPair(item) {
  const at = item.indexOf(":");
  return at < 0 ? null : [item.slice(0, at), item.slice(at + 1)];
}

/** A hash taken apart, nothing decoded yet: {model, version, frames, seed, edits: [{name, scale}],
 * vectors: [[text, name]], sweep, z}. Version, frames and seed are null when the link has none. */
export function parseLink(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const frames = params.get("frames");
  const seed = params.get("seed");
  return {
    model: params.get("model"),
    version: params.get("v"),
    frames: frames ? clampInt(frames, SWEEP_FRAMES) : null,
    seed: seed !== null ? clampInt(seed, SEED_RANGE) : null,
    edits: params
      .getAll("edit")
      .map(splitPair)
      .filter(Boolean)
      .map(([scale, name]) => ({ name, scale: clampScale(scale) })),
    vectors: params.getAll("vector").map(splitPair).filter(Boolean),
    sweep: params.get("sweep"),
    z: params.get("z"),
  };
}

function decodeOrNull(text) {
  try {
    return decodeFloats(text);
  } catch (_) {
    return null;
  }
}

/** What a parsed link shows on `model`: {edits, custom, sweepAttr, latent, problems}. Edits of
 * attributes the model lacks, vectors and a latent that are unreadable, of the wrong size or not all
 * finite numbers are left out, each with a sentence in `problems`. A vector in the link makes its edit
 * a custom attribute. */
export function resolveLink(link, model) {
  const problems = [];
  const vectors = {};
  const unfit = new Set(); // said once: their sliders are left out without a second sentence
  for (const [text, name] of link.vectors) {
    const vector = decodeOrNull(text);
    if (fitsModel(vector, model.latent_size)) vectors[name] = vector;
    else {
      unfit.add(name);
      problems.push(`the custom attribute “${name}” in the link does not fit the ${model.name} model and was left out`);
    }
  }

  const known = new Set(model.attributes.map((a) => a.name));
  const edits = [];
  const custom = {};
  for (const { name, scale } of link.edits) {
    if (vectors[name]) {
      custom[name] = { vector: vectors[name], method: "custom", n_positive: 0, n_negative: 0 };
      edits.push({ name, scale, vector: vectors[name] });
    } else if (known.has(name)) {
      edits.push({ name, scale, vector: null });
    } else if (!unfit.has(name)) {
      problems.push(`the ${model.name} model has no attribute “${name}”, so its slider was left out`);
    }
  }
  const sweepAttr = edits.some((e) => e.name === link.sweep) ? link.sweep : null;

  let latent = null;
  if (link.z) {
    latent = decodeOrNull(link.z);
    if (!fitsModel(latent, model.latent_size)) {
      latent = null;
      problems.push(`the link's latent does not fit the ${model.name} model (it needs ${model.latent_size} numbers)`);
    }
  }
  if (latent && link.version && model.version && link.version !== model.version) {
    problems.push(
      `the link was made with another version of the ${model.name} model (${link.version}; this server has ` +
        `${model.version}), so its latent now shows a different image from the one shared`,
    );
  }
  return { edits, custom, sweepAttr, latent, problems };
}
