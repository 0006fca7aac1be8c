/* The JSON API of app/, and its errors in plain words.
 *
 * `createApi()` returns one function, `api(path, {json, form, signal})`: GET without a body, POST with
 * a JSON or multipart body, the parsed JSON answer back. Every failure becomes an ApiError whose
 * message a person can read (the server's {"detail": …}, pydantic's list of field errors, or a
 * sentence for the status), except an abort, which stays an AbortError so request lanes can drop it.
 * No DOM: the fetch function can be swapped, so Node's test runner checks this module as it is.
 */

/** A failed request: `message` is for people, `status` the HTTP status (0: no answer at all). */
export class ApiError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** Where a pydantic error sits, without the parts that only say which part of the request it was. */
const REQUEST_PARTS = new Set(["body", "query", "form"]);

function describeValidationError(error) {
  const where = (error.loc || []).filter((part) => !REQUEST_PARTS.has(part)).join(" → ");
  return where ? `${where}: ${error.msg}` : String(error.msg || error);
}

/** The server's error body in plain words: {"detail": "..."} or a pydantic list of errors. */
export function describeError(status, body) {
  const detail = body && body.detail;
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail) && detail.length) return detail.map(describeValidationError).join("; ");
  if (detail && typeof detail === "object" && !Array.isArray(detail)) return JSON.stringify(detail);
  if (status === 413) return "That file is too large for the server.";
  if (status === 404) return "The server does not know this request (404).";
  if (status >= 500) return `The server ran into a problem (${status}). Please try again.`;
  return `The request failed (${status}).`;
}

function requestInit({ json, form, signal }) {
  const init = { method: json || form ? "POST" : "GET", signal, headers: { Accept: "application/json" } };
  if (json) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  }
  return init;
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch (_) {
    return null;
  }
}

/** fetch + JSON + readable errors. `fetch` is looked up at call time unless one is given. */
export function createApi({ fetch: fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  return async function api(path, options = {}) {
    let response;
    try {
      response = await fetchImpl(path, requestInit(options));
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError("Could not reach the server. Is it still running?");
    }
    const body = parseJson(await response.text());
    if (!response.ok) throw new ApiError(describeError(response.status, body), response.status);
    if (body === null) throw new ApiError("The server sent an answer this page cannot read.");
    return body;
  };
}
