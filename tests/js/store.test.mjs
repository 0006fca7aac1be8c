// The store: frozen state, change notification by key, ordered delivery of nested changes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { changedAny, createStore, initialState, sameInput, sameModel, stateForModel } from "../../static/js/store.js";

test("set applies a patch and tells subscribers which keys changed", () => {
  const store = createStore({ a: 1, b: [1], c: "x" });
  const heard = [];
  store.subscribe((state, changed, previous) => heard.push({ state, changed: [...changed], previous }));
  const list = [2];
  store.set({ a: 2, b: list, c: "x" });
  assert.equal(heard.length, 1);
  assert.deepEqual(heard[0].changed, ["a", "b"]); // c kept its value
  assert.equal(heard[0].state.a, 2);
  assert.equal(heard[0].state.b, list);
  assert.equal(heard[0].previous.a, 1);
  assert.equal(store.state, heard[0].state);
});

test("a patch that changes nothing notifies no one", () => {
  const list = [];
  const store = createStore({ a: 1, list });
  let calls = 0;
  store.subscribe(() => calls++);
  store.set({ a: 1, list });
  store.set({});
  assert.equal(calls, 0);
  store.set({ list: [] }); // equal contents, new identity: a change
  assert.equal(calls, 1);
});

test("the state is frozen: renders cannot write it", () => {
  const store = createStore({ a: 1 });
  assert.throws(() => {
    store.state.a = 2;
  }, TypeError);
  assert.equal(store.state.a, 1);
  const before = store.state;
  store.set({ a: 3 });
  assert.equal(before.a, 1); // an old snapshot stays as it was
  assert.ok(Object.isFrozen(store.state));
});

test("unsubscribe stops the notifications", () => {
  const store = createStore({ a: 0 });
  let calls = 0;
  const unsubscribe = store.subscribe(() => calls++);
  store.set({ a: 1 });
  unsubscribe();
  store.set({ a: 2 });
  assert.equal(calls, 1);
});

test("a change made by a subscriber is delivered after the current one, to everyone, in order", () => {
  const store = createStore({ a: 0, b: 0 });
  const log = [];
  store.subscribe((state, changed) => {
    log.push(`first saw ${[...changed]} a=${state.a} b=${state.b}`);
    if (changed.has("a")) store.set({ b: state.a * 10 });
  });
  store.subscribe((state, changed) => log.push(`second saw ${[...changed]} a=${state.a} b=${state.b}`));
  store.set({ a: 1 });
  assert.deepEqual(log, ["first saw a a=1 b=0", "second saw a a=1 b=0", "first saw b a=1 b=10", "second saw b a=1 b=10"]);
  assert.equal(store.state.b, 10);
});

test("a subscriber that throws does not leave the store stuck", () => {
  const store = createStore({ a: 0 });
  let fail = true;
  let heard = 0;
  store.subscribe(() => {
    if (fail) throw new Error("render bug");
  });
  store.subscribe(() => heard++);
  assert.throws(() => store.set({ a: 1 }), /render bug/);
  fail = false;
  store.set({ a: 2 });
  assert.equal(heard, 1);
  assert.equal(store.state.a, 2);
});

test("changedAny", () => {
  assert.equal(changedAny(new Set(["a"]), ["b", "a"]), true);
  assert.equal(changedAny(new Set(["a"]), ["b"]), false);
});

const MODEL = {
  name: "faces",
  attributes: [
    { name: "Smiling", method: "mean_difference" },
    { name: "Smiling (balanced)", method: "balanced" },
  ],
};

test("choosing a model starts over with one slider for the attribute people try first", () => {
  const store = createStore(initialState());
  store.set({ latent: [1, 2], edits: [{ name: "x", scale: 1, vector: [1] }], custom: { x: {} }, frames: 5, seed: 7 });
  store.set(stateForModel(MODEL, store.state));
  const state = store.state;
  assert.equal(state.model, MODEL);
  assert.equal(state.latent, null);
  assert.deepEqual(state.edits, [{ name: "Smiling (balanced)", scale: 0, vector: null }]);
  assert.equal(state.sweepAttr, "Smiling (balanced)");
  assert.deepEqual(state.custom, {});
  assert.deepEqual(state.ends, { a: null, b: null });
  assert.equal(state.frames, 5); // the controls the link records stay
  assert.equal(state.seed, 7);
});

test("choosing the same model again is still a change: the panels start over", () => {
  const store = createStore(initialState());
  store.set(stateForModel(MODEL, store.state));
  const changes = [];
  store.subscribe((_, changed) => changes.push(changed));
  store.set(stateForModel(MODEL, store.state));
  assert.equal(changes.length, 1);
  assert.ok(changes[0].has("modelChoice"));
  assert.ok(!changes[0].has("model"));
});

test("a model without attribute vectors opens without sliders", () => {
  const patch = stateForModel({ name: "plain", attributes: [] }, initialState());
  assert.deepEqual(patch.edits, []);
  assert.equal(patch.sweepAttr, null);
});

test("an answer belongs to the model choice and the latent it was asked for", () => {
  const model = { name: "digits", attributes: [] };
  const store = createStore(initialState());
  store.set(stateForModel(model, store.state));
  store.set({ latent: [1, 2] });
  const asked = store.state;
  store.set({ bounds: { 1: -90 } }); // something else changed: still the same question
  assert.ok(sameInput(asked, store.state));
  store.set({ latent: [1, 2] }); // equal numbers, but a new input (a new drawing, a picked frame…)
  assert.ok(!sameInput(asked, store.state));
  assert.ok(sameModel(asked, store.state));
  const before = store.state;
  store.set(stateForModel(model, store.state)); // the same model chosen again starts over too
  assert.ok(!sameModel(before, store.state));
  assert.ok(!sameInput(before, store.state));
});
