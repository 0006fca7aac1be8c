/* The JSON API of app/, and its errors in plain words.
 *
 * `createApi()` returns one function, `api(path, {json, form, signal, retries})`: GET without a body,
 * POST with a JSON or multipart body, the parsed JSON answer back. Every failure becomes an ApiError
 * whose message a person can read (the server's {"detail": …}, pydantic's list of field errors, or a
 * sentence for the status), except an abort, which stays an AbortError so request lanes can drop it.
 * A 503 with a short Retry-After (a queue that is full for a moment) is sent again after that wait, a
 * few times, unless the caller says `retries: 0`. No DOM: the fetch function can be swapped, so Node's
 * test runner checks this module as it is.
 */

import { API_RETRIES, API_RETRY_MAX_WAIT_S } from "./constants.js";

/** A failed request: `message` is for people, `status` the HTTP status (0: no answer at all),
 * `retryAfter` the seconds the server asked to wait before trying again (null: it did not say). */
export class ApiError extends Error {
  constructor(message, status = 0, retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** A Retry-After header in seconds; null when there is none or it is no number of seconds (the
 * HTTP-date form, which this service never sends, included). */
export function parseRetryAfter(value) {
  if (value === null || value === undefined || String(value).trim() === "") return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
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

function abortError() {
  return new DOMException("The request was aborted.", "AbortError");
}

/** Resolves after `ms`; rejects with an AbortError as soon as `signal` aborts. */
function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A failure worth sending again: the server asked for a short wait. */
function isShortRetry(err) {
  return err instanceof ApiError && err.status === 503 && err.retryAfter !== null && err.retryAfter <= API_RETRY_MAX_WAIT_S;
}

/** fetch + JSON + readable errors. `fetch` is looked up at call time unless one is given. */
export function createApi({ fetch: fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  async function requestOnce(path, options) {
    let response;
    try {
      response = await fetchImpl(path, requestInit(options));
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError("Could not reach the server. Is it still running?");
    }
    const body = parseJson(await response.text());
    if (!response.ok) {
      const retryAfter = parseRetryAfter(response.headers && response.headers.get("Retry-After"));
      throw new ApiError(describeError(response.status, body), response.status, retryAfter);
    }
    if (body === null) throw new ApiError("The server sent an answer this page cannot read.");
    return body;
  }

  // Sending a request again is safe: every endpoint of app/ is free of side effects (it reads the
  // models and computes an answer; nothing is stored), so a retried request changes nothing twice.
  return async function api(path, options = {}) {
    const { retries = API_RETRIES, signal } = options;
    for (let attempt = 0; ; attempt++) {
      try {
        return await requestOnce(path, options);
      } catch (err) {
        if (attempt >= retries || !isShortRetry(err)) throw err;
        await wait(err.retryAfter * 1000, signal);
      }
    }
  };
}
