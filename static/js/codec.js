/* Binary values as text, for share links and uploads.
 *
 * Latents and custom attribute vectors travel in the URL as base64url-encoded float32: exact for the
 * server's float32 values and about a third shorter than decimal text, with no character a URL must
 * escape. Data URLs (the server's PNGs) turn back into Blobs when an image is sent again. Uses only
 * atob/btoa/Blob, which browsers and Node share: Node's test runner imports this module as it is.
 */

const FLOAT_BYTES = Float32Array.BYTES_PER_ELEMENT;

/** Numbers → base64url of their float32 bytes (platform byte order: little-endian everywhere today). */
export function encodeFloats(values) {
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** base64url text → numbers. Throws on text that is no whole number of float32 values. */
export function decodeFloats(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "===".slice((b64.length + 3) % 4));
  if (binary.length % FLOAT_BYTES !== 0) throw new Error("bad latent length");
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return Array.from(new Float32Array(bytes.buffer));
}

/** "data:image/png;base64,…" → a Blob of that type (PNG when the URL does not say). */
export function dataUrlToBlob(dataUrl) {
  const [head, data] = dataUrl.split(",");
  const mime = (head.match(/data:([^;]+)/) || [])[1] || "image/png";
  const bytes = atob(data);
  const array = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i);
  return new Blob([array], { type: mime });
}
