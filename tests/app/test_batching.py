"""Micro-batching and shedding: concurrent requests share a call and each gets exactly its own rows;
a full queue refuses with 503 and Retry-After, and the service stays healthy."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from app_fixtures import DIGITS_LATENT, FACES_LATENT, encode_image

from app.batching import BatchObserver, Lane, MicroBatcher
from app.exceptions import ModelNotLoaded, Overloaded


def wait_until(condition, timeout: float = 10.0) -> None:
    """Polls `condition` until it holds; fails the test (never hangs it) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def gated(log: list[int], gate: threading.Event):
    """An operation that records each batch's size, waits for the gate on its first call, and doubles."""

    def run(rows: np.ndarray) -> list[np.ndarray]:
        log.append(len(rows))
        if len(log) == 1:
            gate.wait(timeout=10)
        return [rows * 2.0, rows.sum(axis=1)]

    return run


def test_concurrent_requests_share_calls_and_each_gets_its_own_rows():
    sizes, gate = [], threading.Event()
    batcher = MicroBatcher("double", gated(sizes, gate), max_rows=64, max_wait=0.05)
    requests = [np.full((1 + i % 3, 4), float(i)) for i in range(24)]
    with ThreadPoolExecutor(24) as pool:
        futures = [pool.submit(batcher, requests[0])]
        wait_until(lambda: sizes)  # the first runs alone, held at the gate
        futures += [pool.submit(batcher, rows) for rows in requests[1:]]
        wait_until(lambda: batcher._waiting.qsize() == 23)  # the rest queue up behind it
        gate.set()
        answers = [f.result(timeout=10) for f in futures]
    for rows, (doubled, sums) in zip(requests, answers, strict=True):
        np.testing.assert_array_equal(doubled, rows * 2)
        np.testing.assert_array_equal(sums, rows.sum(axis=1))
    assert sum(sizes) == sum(len(r) for r in requests)
    assert len(sizes) == 2  # the first alone, then the other 23 (46 rows) gathered into one call


def test_a_full_queue_refuses_and_the_waiting_requests_still_finish():
    sizes, gate, shed = [], threading.Event(), []
    observer = BatchObserver(shed=shed.append)
    batcher = MicroBatcher("slow", gated(sizes, gate), max_rows=1, max_wait=0.0, max_queue=2, observer=observer)
    with ThreadPoolExecutor(3) as pool:
        running = pool.submit(batcher, np.ones((1, 2)))
        wait_until(lambda: sizes)
        waiting = [pool.submit(batcher, np.ones((1, 2))) for _ in range(2)]
        wait_until(lambda: batcher._waiting.qsize() == 2)
        with pytest.raises(Overloaded, match="busy") as refused:
            batcher(np.ones((1, 2)))
        assert refused.value.status == 503 and shed == ["slow"]
        gate.set()
        assert all(np.array_equal(f.result(timeout=10)[0], np.full((1, 2), 2.0)) for f in [running, *waiting])


def test_a_failing_call_fails_every_request_of_its_batch_and_the_next_batch_runs():
    calls = []

    def run(rows):
        calls.append(len(rows))
        if len(calls) == 1:
            raise ValueError("bad batch")
        return [rows]

    batcher = MicroBatcher("flaky", run, max_rows=8)
    with pytest.raises(ValueError, match="bad batch"):
        batcher(np.zeros((2, 1)))
    np.testing.assert_array_equal(batcher(np.ones((3, 1)))[0], np.ones((3, 1)))


def test_whatever_fails_after_the_call_fails_its_requests_and_the_worker_keeps_serving():
    """Splitting the outputs or a metrics hook failing must not end the model's only worker thread."""
    observed = []

    def observe(operation, rows):
        observed.append(rows)
        if len(observed) == 1:
            raise RuntimeError("metrics hook broke")

    batcher = MicroBatcher(
        "split",
        lambda rows: [rows.sum()] if rows.sum() < 0 else [rows],
        max_rows=8,
        observer=BatchObserver(batch=observe),
    )
    with pytest.raises(IndexError):  # a 0-d output cannot be split into rows
        batcher.submit(np.full((2, 1), -1.0)).result(timeout=10)
    # Answered before the hook broke, and the worker still serves (a dead worker: a timeout, not a hang).
    np.testing.assert_array_equal(batcher.submit(np.ones((1, 1))).result(timeout=10)[0], np.ones((1, 1)))
    np.testing.assert_array_equal(batcher.submit(np.ones((3, 1))).result(timeout=10)[0], np.ones((3, 1)))
    wait_until(lambda: observed == [1, 3])  # the hook runs after the answers are set


def test_close_answers_what_waits_then_ends_the_worker():
    sizes, gate = [], threading.Event()
    batcher = MicroBatcher("closing", gated(sizes, gate), max_rows=1, max_wait=0.0)
    running = batcher.submit(np.ones((1, 2)))
    wait_until(lambda: sizes)  # held at the gate
    waiting = batcher.submit(np.full((1, 2), 2.0))
    closing = threading.Thread(target=batcher.close)  # it waits for the worker, which waits for the gate
    closing.start()
    wait_until(lambda: batcher._closed)  # closed while one request runs and one waits: then the gate opens
    gate.set()
    closing.join(10)
    assert not batcher._worker.is_alive()
    np.testing.assert_array_equal(running.result(timeout=10)[0], np.full((1, 2), 2.0))
    np.testing.assert_array_equal(waiting.result(timeout=10)[0], np.full((1, 2), 4.0))
    with pytest.raises(ModelNotLoaded, match="closing stopped: its model could not be loaded") as refused:
        batcher.submit(np.ones((1, 2)))
    assert refused.value.status == 503  # the server's failure, not the client's


def test_a_request_given_up_while_it_waits_is_dropped_and_the_batcher_keeps_serving():
    sizes, gate = [], threading.Event()
    batcher = MicroBatcher("abandoned", gated(sizes, gate), max_rows=64, max_wait=0.05)
    first = batcher.submit(np.ones((1, 2)))
    wait_until(lambda: sizes)  # running, held at the gate
    given_up, kept = batcher.submit(np.ones((2, 2))), batcher.submit(np.full((1, 2), 3.0))
    assert given_up.cancel()  # what asyncio.wrap_future does to it when the awaiting task is cancelled
    gate.set()
    np.testing.assert_array_equal(first.result(timeout=10)[0], np.full((1, 2), 2.0))
    np.testing.assert_array_equal(kept.result(timeout=10)[0], np.full((1, 2), 6.0))
    assert sizes == [1, 1]  # the cancelled rows were never run
    np.testing.assert_array_equal(batcher(np.ones((1, 2)))[0], np.full((1, 2), 2.0))  # and it still serves


def test_the_expensive_lane_runs_one_at_a_time_and_refuses_beyond_its_waiting_room():
    lane = Lane("likelihood", capacity=1, max_waiting=1)
    inside, release = threading.Event(), threading.Event()

    def work():
        with lane:
            inside.set()
            release.wait(timeout=10)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(work)
        inside.wait(timeout=10)
        second = pool.submit(work)  # waits its turn
        wait_until(lambda: lane.full)
        with pytest.raises(Overloaded):
            lane.refuse_if_full()  # before any work that leads to the lane
        with pytest.raises(Overloaded):
            with lane:
                pass
        release.set()
        first.result(timeout=10), second.result(timeout=10)
    lane.refuse_if_full()  # free again
    with lane:
        pass


def test_concurrent_decodes_through_the_api_equal_their_lone_answers(client):
    latents = [np.random.default_rng(i).standard_normal(DIGITS_LATENT).round(3).tolist() for i in range(16)]

    def decode(latent):
        response = client.post("/decode", json={"model": "digits", "latents": [latent]})
        assert response.status_code == 200, response.text
        return response.json()["images"][0]

    lone = [decode(z) for z in latents]
    with ThreadPoolExecutor(16) as pool:
        together = list(pool.map(decode, latents))
    assert together == lone  # PNG bytes equal: the same pixels, whatever the batch


def test_an_overloaded_model_answers_503_with_retry_after(client, engine, monkeypatch):
    served = engine.model("digits")

    def busy(latents):
        raise Overloaded("the server is busy (digits/decode): try again in a moment")

    monkeypatch.setattr(served, "decode", busy)
    response = client.post("/decode", json={"model": "digits", "latents": [[0.0] * DIGITS_LATENT]})
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert "busy" in response.json()["detail"]
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200
    assert client.post("/decode", json={"model": "digits", "latents": [[0.0] * DIGITS_LATENT]}).status_code == 200


def test_what_every_upload_asks_does_not_wait_in_the_expensive_lane(client, engine, monkeypatch, digit_png):
    """k ≤ 100 (every upload's log p(x)) and the page's 16 posterior samples run with the decodes, for
    the digits (k = 100: one chunk) and the faces (k = 50: five) alike; bounds up to k = 5000 and more
    samples take the lane."""

    class Full(Lane):
        full = True  # every place taken

    monkeypatch.setattr(engine.model("digits").compiled, "_expensive", Full("digits/likelihood"))
    monkeypatch.setattr(engine.model("faces").compiled, "_expensive", Full("faces/likelihood"))
    photo = encode_image(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    face = {"image": ("f.png", photo, "image/png")}
    assert client.post("/encode", data={"model": "faces", "k": "50", "samples": "16"}, files=face).status_code == 200
    files = {"image": ("d.png", digit_png, "image/png")}
    assert client.post("/encode", data={"model": "digits", "k": "100", "samples": "16"}, files=files).status_code == 200
    prepared = []
    digits = engine.model("digits")
    monkeypatch.setattr(digits, "prepare", lambda data, prepare=digits.prepare: prepared.append(data) or prepare(data))
    for expensive in ({"bounds": "true"}, {"samples": "17"}):
        refused = client.post("/encode", data={"model": "digits", "k": "50", **expensive}, files=files)
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert prepared == []  # refused before its image was decoded and encoded: a flood of them costs little


def test_an_uploads_log_likelihood_runs_beside_the_decodes_in_its_own_lane(engine, monkeypatch):
    """A face's k = 50 (five chunks, 25 ms) under the decodes' lock held every face decode up behind every
    upload; in the upload lane, a decode answers while it runs, and its waiting room is bounded."""
    compiled = engine.model("faces").compiled
    started, release = threading.Event(), threading.Event()
    log_weights = compiled._log_weights

    def held(*args):
        started.set()
        release.wait(10)
        return log_weights(*args)

    monkeypatch.setattr(compiled, "_log_weights", held)
    face = np.zeros((1, 64, 64, 3), np.float32)
    with ThreadPoolExecutor(1) as pool:
        upload = pool.submit(compiled.log_weights, face, 50, 0)
        assert started.wait(10)
        try:  # a dead lock here would be a timeout, not a hung test
            decoded = compiled._batchers["decode"].submit(np.zeros((1, FACES_LATENT), np.float32)).result(timeout=10)
            assert decoded[0].shape == (1, 64, 64, 3)
        finally:
            release.set()
        assert upload.result(timeout=10).shape == (50,)


def test_the_thread_pool_gate_refuses_once_enough_tasks_wait_for_a_thread():
    import anyio

    from app.batching import ThreadPoolGate

    shed = []
    gate = ThreadPoolGate(1, BatchObserver(shed=shed.append))

    async def main():
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 1
        release = threading.Event()
        async with anyio.create_task_group() as tasks:
            gate.admit()  # nobody waits yet
            tasks.start_soon(anyio.to_thread.run_sync, release.wait)  # holds the only thread
            tasks.start_soon(anyio.to_thread.run_sync, lambda: None)  # waits for it
            while limiter.statistics().tasks_waiting < 1:
                await anyio.sleep(0.01)
            with pytest.raises(Overloaded, match="1 requests wait for a worker thread"):
                gate.admit()
            ThreadPoolGate(2).admit()  # a longer queue still has room
            release.set()

    anyio.run(main)
    assert shed == ["threads"]


def test_uploads_are_refused_while_the_thread_pool_queue_is_full_and_small_decodes_still_answer(
    client, engine, monkeypatch, digit_png
):
    import anyio

    from app.batching import ThreadPoolGate

    monkeypatch.setattr(engine, "threads", ThreadPoolGate(1))
    monkeypatch.setattr(engine.model("digits").compiled, "_threads", ThreadPoolGate(1))
    release = threading.Event()

    async def tokens(n: int) -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = n

    async def waiting() -> int:
        return anyio.to_thread.current_default_thread_limiter().statistics().tasks_waiting

    client.portal.call(tokens, 1)
    try:
        client.portal.start_task_soon(anyio.to_thread.run_sync, release.wait)  # the only thread, held
        client.portal.start_task_soon(anyio.to_thread.run_sync, lambda: None)  # one waits for it
        wait_until(lambda: client.portal.call(waiting) == 1)
        files = {"image": ("digit.png", digit_png, "image/png")}
        refused = client.post("/encode", files=files, data={"model": "digits"})
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert "wait for a worker thread" in refused.json()["detail"]
        eight = client.post("/decode", json={"model": "digits", "latents": [[0.0] * DIGITS_LATENT] * 8})
        assert eight.status_code == 503  # a decode too large to batch runs in a thread too
        one = client.post("/decode", json={"model": "digits", "latents": [[0.0] * DIGITS_LATENT]})
        assert one.status_code == 200  # batched: no worker thread needed
        two_faces = client.post("/decode", json={"model": "faces", "latents": [[0.0] * FACES_LATENT] * 2})
        assert two_faces.status_code == 503  # batched, but their PNGs are written in a thread
    finally:
        release.set()
        client.portal.call(tokens, 40)
    assert client.post("/encode", files=files, data={"model": "digits"}).status_code == 200
