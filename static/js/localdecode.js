/* What /edit, /interpolate and /decode compute around the decoder, for answering them in the page.
 *
 * The page decodes latents itself when it can (pagedecoder.js); the latent arithmetic on either side
 * of the decoder is the server's (model/latent.py, app/served.py): an edit adds Σ scale·vector, a
 * sweep adds s·vector for s evenly spaced from start to stop, a path is slerp or lerp. Each function
 * returns null for what only the server can answer well (an attribute the page does not know, a latent
 * of the wrong size), so the request goes to the server and its message reaches the person. Decoded
 * intensities become 8-bit pixels as app/png.py makes them. Pure: Node's test runner imports it.
 */

/** `steps` numbers from start to stop, both included (numpy's linspace). */
export function linspace(start, stop, steps) {
  if (steps === 1) return [start];
  return Array.from({ length: steps }, (_, i) => start + ((stop - start) * i) / (steps - 1));
}

/** True for a latent of `size` finite numbers. */
export function fitsModel(latent, size) {
  return Array.isArray(latent) && latent.length === size && latent.every(Number.isFinite);
}

/** The vector of one edit or sweep ({attribute} or {vector}), or null when the page cannot know it. */
function directionOf(item, vectors, size) {
  const vector = item.vector || (item.attribute !== undefined ? vectors[item.attribute] : null);
  return fitsModel(vector, size) ? vector : null;
}

/** latent + Σ scale·vector (the body of /edit), or null. */
export function editedLatent(latent, edits, vectors, size) {
  if (!fitsModel(latent, size)) return null;
  const edited = latent.slice();
  for (const edit of edits || []) {
    const vector = directionOf(edit, vectors, size);
    if (!vector || !Number.isFinite(edit.scale)) return null;
    for (let i = 0; i < size; i++) edited[i] += edit.scale * vector[i];
  }
  return edited;
}

/** The sweep of /edit: {scales, latents} with latent + s·vector for each scale, or null. */
export function sweepLatents(latent, sweep, vectors, size) {
  const vector = directionOf(sweep, vectors, size);
  if (!vector) return null;
  const scales = linspace(sweep.start, sweep.stop, sweep.steps);
  return { scales, latents: scales.map((s) => latent.map((v, i) => v + s * vector[i])) };
}

export function lerp(start, end, steps) {
  return linspace(0, 1, steps).map((t) => start.map((v, i) => (1 - t) * v + t * end[i]));
}

const norm = (v) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));

/** The spherical path (White 2016), as model/latent.py draws it: lerp for (anti)parallel ends. */
export function slerp(start, end, steps) {
  const norms = norm(start) * norm(end);
  if (norms === 0) return lerp(start, end, steps);
  const cos = Math.min(1, Math.max(-1, start.reduce((sum, v, i) => sum + v * end[i], 0) / norms));
  const omega = Math.acos(cos);
  if (Math.sin(omega) < 1e-6) return lerp(start, end, steps);
  const path = linspace(0, 1, steps).map((t) => {
    const a = Math.sin((1 - t) * omega) / Math.sin(omega);
    const b = Math.sin(t * omega) / Math.sin(omega);
    return start.map((v, i) => a * v + b * end[i]);
  });
  path[0] = start.slice();
  path[path.length - 1] = end.slice();
  return path;
}

/** The path of /interpolate between two latents, or null. */
export function pathLatents({ start, end, steps = 8, method = "slerp" }, size) {
  if (!fitsModel(start, size) || !fitsModel(end, size)) return null;
  return method === "lerp" ? lerp(start, end, steps) : slerp(start, end, steps);
}

/** One decoded image of a batch (N, H, W, C floats in [0, 1]) → RGBA bytes, rounded as app/png.py does. */
export function rgbaPixels(values, index, height, width, channels) {
  const pixels = new Uint8ClampedArray(height * width * 4);
  const offset = index * height * width * channels;
  for (let p = 0; p < height * width; p++) {
    for (let c = 0; c < 3; c++) {
      const value = values[offset + p * channels + (channels === 1 ? 0 : c)];
      pixels[p * 4 + c] = Number.isNaN(value) ? 0 : Math.round(Math.min(1, Math.max(0, value)) * 255);
    }
    pixels[p * 4 + 3] = 255;
  }
  return pixels;
}
