// The API wrapper: what each kind of failure says to a person, and how requests are sent.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, createApi, describeError, parseRetryAfter } from "../../static/js/api.js";
import { API_RETRIES } from "../../static/js/constants.js";

test("a string detail is the message as it is", () => {
  assert.equal(describeError(400, { detail: "The image could not be read." }), "The image could not be read.");
});

test("a pydantic list names where each error is, without body/query/form", () => {
  const body = {
    detail: [
      { loc: ["body", "steps"], msg: "Input should be less than or equal to 64" },
      { loc: ["query", "model", "name"], msg: "Field required" },
      { loc: ["body"], msg: "Invalid JSON" },
      { msg: "Something else" },
    ],
  };
  assert.equal(
    describeError(422, body),
    "steps: Input should be less than or equal to 64; model → name: Field required; Invalid JSON; Something else",
  );
});

test("a list of plain strings is joined", () => {
  assert.equal(describeError(422, { detail: ["first", "second"] }), "first; second");
});

test("an empty detail falls back to a sentence for the status", () => {
  assert.equal(describeError(400, { detail: "" }), "The request failed (400).");
  assert.equal(describeError(400, { detail: null }), "The request failed (400).");
  assert.equal(describeError(413, null), "That file is too large for the server.");
  assert.equal(describeError(404, {}), "The server does not know this request (404).");
  assert.equal(describeError(503, null), "The server ran into a problem (503). Please try again.");
});

test("an object detail is shown as JSON, never as [object Object]", () => {
  assert.equal(describeError(400, { detail: { reason: "x" } }), '{"reason":"x"}');
  // An empty list of errors says nothing: fall back to the status, never show "[]".
  assert.equal(describeError(422, { detail: [] }), "The request failed (422).");
});

/** An api() over a fake fetch that records its calls and answers `respond(path, init)`. */
function fakeApi(respond) {
  const calls = [];
  const api = createApi({
    fetch: async (path, init) => {
      calls.push({ path, init });
      return respond(path, init);
    },
  });
  return { api, calls };
}

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

test("GET without a body, POST with JSON or a form", async () => {
  const { api, calls } = fakeApi(() => json({ ok: true }));
  assert.deepEqual(await api("models"), { ok: true });
  await api("edit", { json: { model: "digits" } });
  const form = new FormData();
  form.append("model", "digits");
  await api("encode", { form });

  assert.equal(calls[0].init.method, "GET");
  assert.equal(calls[0].init.body, undefined);
  assert.equal(calls[1].init.method, "POST");
  assert.equal(calls[1].init.headers["Content-Type"], "application/json");
  assert.equal(calls[1].init.body, '{"model":"digits"}');
  assert.equal(calls[2].init.method, "POST");
  assert.equal(calls[2].init.body, form);
  assert.equal(calls[2].init.headers["Content-Type"], undefined); // the browser sets the multipart boundary
  for (const call of calls) assert.equal(call.init.headers.Accept, "application/json");
});

test("an error answer becomes an ApiError with the server's words and the status", async () => {
  const { api } = fakeApi(() => json({ detail: "No such model: cats" }, 404));
  await assert.rejects(api("models"), (err) => err instanceof ApiError && err.status === 404 && err.message === "No such model: cats");
});

test("an error answer that is no JSON still reads well", async () => {
  const { api } = fakeApi(() => new Response("<html>Bad Gateway</html>", { status: 502 }));
  await assert.rejects(api("models"), { name: "ApiError", status: 502, message: "The server ran into a problem (502). Please try again." });
});

test("a success that is no JSON is an error", async () => {
  const { api } = fakeApi(() => new Response("", { status: 200 }));
  await assert.rejects(api("models"), { message: "The server sent an answer this page cannot read." });
});

test("no answer at all says the server cannot be reached", async () => {
  const { api } = fakeApi(() => {
    throw new TypeError("Failed to fetch");
  });
  await assert.rejects(api("models"), { name: "ApiError", status: 0, message: "Could not reach the server. Is it still running?" });
});

test("an aborted request stays an AbortError, for the request lanes to drop", async () => {
  const controller = new AbortController();
  controller.abort();
  const { api, calls } = fakeApi((path, init) => {
    init.signal.throwIfAborted();
    return json({});
  });
  await assert.rejects(api("edit", { json: {}, signal: controller.signal }), { name: "AbortError" });
  assert.equal(calls[0].init.signal, controller.signal);
});

const busy = (retryAfter) =>
  new Response(JSON.stringify({ detail: "Too many requests are waiting." }), {
    status: 503,
    headers: retryAfter === undefined ? {} : { "Retry-After": retryAfter },
  });

test("Retry-After is read in seconds; anything else is null", () => {
  assert.equal(parseRetryAfter("2"), 2);
  assert.equal(parseRetryAfter(" 0 "), 0);
  assert.equal(parseRetryAfter("1.5"), 1.5);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter(""), null);
  assert.equal(parseRetryAfter("soon"), null);
  assert.equal(parseRetryAfter("-1"), null);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), null);
});

test("an error answer carries its Retry-After, or null", async () => {
  const { api } = fakeApi(() => busy("7"));
  await assert.rejects(api("models"), { name: "ApiError", status: 503, retryAfter: 7 });
  const { api: plain } = fakeApi(() => json({ detail: "No such model: cats" }, 404));
  await assert.rejects(plain("models"), { status: 404, retryAfter: null });
});

test("a 503 with a short Retry-After is sent again, and its answer returned", async () => {
  let left = 2;
  const { api, calls } = fakeApi(() => (left-- > 0 ? busy("0") : json({ ok: true })));
  assert.deepEqual(await api("edit", { json: { model: "digits" } }), { ok: true });
  assert.equal(calls.length, 3);
  assert.equal(calls[2].init.body, '{"model":"digits"}');
});

test("a 503 is sent again only a few times", async () => {
  const { api, calls } = fakeApi(() => busy("0"));
  await assert.rejects(api("edit", { json: {} }), { status: 503, retryAfter: 0 });
  assert.equal(calls.length, 1 + API_RETRIES);
});

test("no retry without Retry-After, with a long one, or when the caller says retries: 0", async () => {
  for (const [header, options] of [[undefined, {}], ["60", {}], ["0", { retries: 0 }]]) {
    const { api, calls } = fakeApi(() => busy(header));
    await assert.rejects(api("models", options), { status: 503 });
    assert.equal(calls.length, 1, `Retry-After ${header}, ${JSON.stringify(options)}`);
  }
});

test("an abort during the wait before a retry rejects with an AbortError at once", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] }); // the five-second wait never ends by itself
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  const controller = new AbortController();
  const { api, calls } = fakeApi(() => busy("5"));
  let outcome = "still waiting";
  api("edit", { json: {}, signal: controller.signal }).then(
    () => (outcome = "answered"),
    (err) => (outcome = err.name),
  );
  await settled(); // the 503 has come back and the wait before the retry has begun
  assert.equal(outcome, "still waiting");
  controller.abort();
  await settled();
  assert.equal(outcome, "AbortError", "the five-second wait was not cut short");
  assert.equal(calls.length, 1);
});
