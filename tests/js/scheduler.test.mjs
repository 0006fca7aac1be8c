// Request lanes: the latest call wins, earlier ones are aborted and their answers dropped.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createFollower, createLane, debounce, isCancellation, STALE } from "../../static/js/scheduler.js";

/** A request whose answer the test releases by hand; it rejects like fetch when its signal aborts. */
function deferredRequest(log, name) {
  let release;
  const task = (signal) =>
    new Promise((resolve, reject) => {
      log.push({ name, signal });
      release = resolve;
      signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    });
  return { task, answer: (value) => release(value) };
}

/** Settles `promise` into {value} or {error} without letting it reject unobserved. */
const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }));

test("a single call resolves with its answer", async () => {
  const lane = createLane();
  assert.equal(await lane(async () => 42), 42);
});

test("each call aborts the one before it", async () => {
  const lane = createLane();
  const log = [];
  const first = deferredRequest(log, "first");
  const second = deferredRequest(log, "second");
  const a = settle(lane(first.task));
  const b = settle(lane(second.task));
  assert.equal(log[0].signal.aborted, true);
  assert.equal(log[1].signal.aborted, false);
  second.answer("second image");
  assert.equal((await a).error.name, "AbortError");
  assert.deepEqual(await b, { value: "second image" });
});

test("an answer that arrives after a newer call started is dropped as STALE", async () => {
  const lane = createLane();
  // A request that ignores its signal (a server that answers anyway): its answer must still not win.
  let releaseFirst;
  const first = settle(lane(() => new Promise((resolve) => (releaseFirst = resolve))));
  const second = settle(lane(async () => "new"));
  releaseFirst("old");
  assert.deepEqual(await second, { value: "new" });
  assert.equal((await first).error, STALE);
});

test("a burst of calls ends on the last one, whatever order the answers come in", async () => {
  const lane = createLane();
  const releases = [];
  const results = [];
  for (let i = 0; i < 5; i++) {
    results.push(settle(lane(() => new Promise((resolve) => releases.push(() => resolve(`frame ${i}`))))));
  }
  // answers arrive newest first, then the older ones
  for (const release of [...releases].reverse()) release();
  const settled = await Promise.all(results);
  assert.deepEqual(settled[4], { value: "frame 4" });
  for (const s of settled.slice(0, 4)) assert.equal(s.error, STALE);
});

test("cancel drops the call in flight without starting one", async () => {
  const lane = createLane();
  const log = [];
  const request = deferredRequest(log, "only");
  const call = settle(lane(request.task));
  lane.cancel();
  assert.equal(log[0].signal.aborted, true);
  assert.equal((await call).error.name, "AbortError");
  assert.equal(await lane(async () => "after"), "after"); // the lane still works
});

test("a call that fails rejects with its own error when it is the latest", async () => {
  const lane = createLane();
  await assert.rejects(lane(async () => {
    throw new Error("server down");
  }), /server down/);
});

test("isCancellation knows stale answers and aborts, and nothing else", () => {
  assert.equal(isCancellation(STALE), true);
  assert.equal(isCancellation(new DOMException("x", "AbortError")), true);
  assert.equal(isCancellation(new Error("boom")), false);
  assert.equal(isCancellation(undefined), false);
});

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test("debounce calls once, after the burst, with the last arguments", async () => {
  const calls = [];
  const debounced = debounce((...args) => calls.push(args), 20);
  debounced(1);
  debounced(2);
  debounced(3, "last");
  assert.deepEqual(calls, []);
  await wait(60);
  assert.deepEqual(calls, [[3, "last"]]);
});

test("a cancelled debounce never calls", async () => {
  let called = false;
  const debounced = debounce(() => (called = true), 10);
  debounced();
  debounced.cancel();
  await wait(40);
  assert.equal(called, false);
});

// ---- followers: a dragged slider at the pace of the answers ----

/** A task whose calls the test answers by hand, one at a time, recording the value each call read. */
function manualTask(read) {
  const calls = [];
  const task = () =>
    new Promise((resolve, reject) => {
      calls.push({ value: read(), resolve, reject });
    });
  return { task, calls };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("a follower keeps one call in flight and sends the newest value when it answers", async () => {
  let slider = 0;
  const { task, calls } = manualTask(() => slider);
  const follow = createFollower(task);
  const done = follow();
  for (slider = 1; slider <= 10; slider++) follow(); // a fast drag while the first answer is awaited
  slider = 10;
  assert.equal(calls.length, 1, "no second request while one is in flight");
  calls[0].resolve();
  await tick();
  assert.deepEqual(calls.map((c) => c.value), [0, 10], "the values in between are dropped, the last is sent");
  calls[1].resolve();
  await done;
  assert.equal(calls.length, 2);
});

test("a follower starts again for the next drag once idle, and every drag ends on its last value", async () => {
  let slider = 0;
  const { task, calls } = manualTask(() => slider);
  const follow = createFollower(task);
  const first = follow();
  calls[0].resolve();
  await first;
  slider = 3;
  const second = follow();
  assert.equal(calls.length, 2);
  slider = 4;
  follow();
  calls[1].resolve();
  await tick();
  calls[2].resolve();
  await second;
  assert.deepEqual(calls.map((c) => c.value), [0, 3, 4]);
});

test("a failed call is reported unless a newer value is waiting, which then runs", async () => {
  let slider = 0;
  const { task, calls } = manualTask(() => slider);
  const follow = createFollower(task);
  const failing = settle(follow());
  calls[0].reject(new Error("server down"));
  assert.equal((await failing).error.message, "server down");
  const recovering = settle(follow());
  slider = 1;
  follow();
  calls[1].reject(new Error("stale failure"));
  await tick();
  calls[2].resolve("fine");
  assert.deepEqual(await recovering, { value: undefined });
  assert.deepEqual(calls.map((c) => c.value), [0, 0, 1]);
});
