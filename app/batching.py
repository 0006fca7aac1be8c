"""Micro-batching and load shedding: concurrent requests share one compiled call, overload is refused.

A MicroBatcher owns one operation of one model (decode, encode) and one worker thread. A request hands
it rows (latents, images) and waits; the worker takes the first waiting request, gathers whatever
else arrives within `max_wait` seconds (up to `max_rows` rows), runs the operation once on all rows,
and gives every request exactly its own rows of the answer. Under load, requests find company at
once and the cores do one large product instead of many small ones; alone, a request waits at most
`max_wait`. Its queue is bounded: a request that finds `max_queue` requests waiting is refused with
Overloaded (HTTP 503, Retry-After) instead of waiting behind them.

A Lane is the same bound without the batching, for expensive work (log-likelihoods with many
importance samples, posterior samples) that must not hold up the cheap operations. A ThreadPoolGate
bounds what waits for the worker-thread pool itself (uploads, /sample, decodes too large to batch).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import anyio
import numpy as np

from app.exceptions import ModelNotLoaded, Overloaded

Operation = Callable[[np.ndarray], list[np.ndarray]]  # rows (N, …) → outputs, each (N, …)


@dataclass(frozen=True)
class Queueing:
    """How requests wait (from the service's settings)."""

    batch_wait: float = 0.002  # seconds a request waits for company before its batch runs
    batch_queue: int = 256  # requests waiting per batched operation before 503
    upload_queue: int = 32  # uploads' log-likelihoods and posterior samples waiting per model before 503
    expensive_queue: int = 8  # expensive requests waiting per model before 503
    thread_queue: int = 64  # requests waiting for a worker thread (all models) before 503


@dataclass(frozen=True)
class BatchObserver:
    """Hooks for metrics: a batch's size in rows, the queue depth a request met, a refusal."""

    batch: Callable[[str, int], None] = lambda operation, rows: None
    depth: Callable[[str, int], None] = lambda operation, waiting: None
    shed: Callable[[str], None] = lambda operation: None


@dataclass
class _Request:
    rows: np.ndarray
    answer: Future = field(default_factory=Future)


_STOP = _Request(np.empty((0, 0), np.float32))  # queued by close(): the worker ends after the requests before it


class MicroBatcher:
    """One operation, gathered: `batcher(rows)` → that operation's outputs for exactly those rows."""

    def __init__(
        self,
        name: str,
        run: Operation,
        max_rows: int,
        max_wait: float = Queueing.batch_wait,
        max_queue: int = Queueing.batch_queue,
        observer: BatchObserver | None = None,
    ):
        self.name, self.run, self.max_rows, self.max_wait = name, run, max_rows, max_wait
        self.observer = observer or BatchObserver()
        self._waiting: queue.Queue[_Request] = queue.Queue(maxsize=max_queue)
        self._closed = False
        self._closing = threading.Lock()  # no request queued after close() has queued the worker's stop
        self._worker = threading.Thread(target=self._serve, name=f"batch-{name}", daemon=True)
        self._worker.start()

    def __call__(self, rows: np.ndarray) -> list[np.ndarray]:
        return self.submit(rows).result()

    def submit(self, rows: np.ndarray) -> Future:
        """Queues rows and returns at once: the future of their outputs, for a caller that waits without
        holding a thread (asyncio.wrap_future). Overloaded, at once, when the queue is full; ModelNotLoaded
        once closed (its model was dropped)."""
        request = _Request(rows)
        with self._closing:
            if self._closed:
                raise ModelNotLoaded(f"{self.name} stopped: its model could not be loaded (the server log says why)")
            self.observer.depth(self.name, self._waiting.qsize())
            try:
                self._waiting.put_nowait(request)
            except queue.Full:
                self.observer.shed(self.name)
                raise Overloaded(f"the server is busy ({self.name}): try again in a moment") from None
        return request.answer

    def _gather(self) -> list[_Request]:
        """The first waiting request and whatever else arrives within max_wait, until the batch holds
        max_rows rows or more (a request is never split, so the last one may carry it past), or until
        close() asks the worker to stop."""
        batch = [self._waiting.get()]
        rows = len(batch[0].rows)
        deadline = time.perf_counter() + self.max_wait
        while rows < self.max_rows and batch[-1] is not _STOP:
            try:
                nxt = self._waiting.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                break
            batch.append(nxt)
            rows += len(nxt.rows)
        return batch

    def close(self, timeout: float = 10.0) -> None:
        """Refuses new requests, answers those already waiting, and ends the worker thread (waiting up
        to `timeout` for it): for a model that is dropped (a bundle whose warm-up failed), whose thread
        would otherwise keep it alive through the collection that follows loading."""
        with self._closing:
            self._closed = True
        self._waiting.put(_STOP)  # waits for room, which the worker makes as it answers; behind every request
        self._worker.join(timeout)

    def _serve(self) -> None:
        stopping = False
        while not stopping:
            batch = self._gather()
            stopping = batch[-1] is _STOP
            # A request whose caller gave up (its task cancelled, and with it the future) is dropped;
            # the others' futures now run and can no longer be cancelled.
            batch = [r for r in batch if r is not _STOP and r.answer.set_running_or_notify_cancel()]
            if batch:
                self._answer(batch)

    def _answer(self, batch: list[_Request]) -> None:
        """Runs the batch once and gives every request its own rows. Nothing may escape: an exception
        would end this thread, the model's only worker for the operation, and every later request
        would wait for ever; so whatever fails (the operation, splitting its outputs, an observer)
        becomes every unanswered request's exception."""
        try:
            outputs = self.run(np.concatenate([r.rows for r in batch]))
            start = 0
            for request in batch:
                end = start + len(request.rows)
                request.answer.set_result([out[start:end] for out in outputs])
                start = end
            self.observer.batch(self.name, sum(len(r.rows) for r in batch))
        except Exception as error:  # every request of the batch not yet answered learns why
            for request in batch:
                if not request.answer.done():
                    request.answer.set_exception(error)


class Lane:
    """At most `capacity` calls of expensive work at once and up to `max_waiting` more waiting their
    turn; beyond that a request is refused with Overloaded. `refuse_if_full` refuses before a request
    has done the work that leads to the lane (decoding and encoding an upload's image): a flood of
    bound requests shed after that work held the model's decodes up behind their encodes."""

    def __init__(
        self,
        name: str,
        capacity: int = 1,
        max_waiting: int = Queueing.expensive_queue,
        observer: BatchObserver | None = None,
    ):
        self.name = name
        self.observer = observer or BatchObserver()
        self.places = capacity + max_waiting
        self._running = threading.Semaphore(capacity)
        self._admitting = threading.Lock()
        self._admitted = 0  # running or waiting, under _admitting

    @property
    def full(self) -> bool:
        return self._admitted >= self.places

    def refuse_if_full(self) -> None:
        """Overloaded now if a request would be refused on entering the lane now (it may still be later)."""
        if self.full:
            self._refuse()

    def _refuse(self) -> None:
        self.observer.shed(self.name)
        raise Overloaded(f"the server is busy ({self.name}): try again in a moment")

    def __enter__(self) -> Lane:
        with self._admitting:
            if self.full:
                self._refuse()
            self._admitted += 1
        self._running.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self._running.release()
        with self._admitting:
            self._admitted -= 1


@dataclass(frozen=True)
class ThreadPoolGate:
    """Refuses work for the worker-thread pool with Overloaded when `max_waiting` tasks already wait for
    one of its threads: anyio's limiter would queue them without bound, each waiting longer than the
    last. Called on the event loop, before the work is handed over."""

    max_waiting: int
    observer: BatchObserver = field(default_factory=BatchObserver)

    def admit(self) -> None:
        waiting = anyio.to_thread.current_default_thread_limiter().statistics().tasks_waiting
        self.observer.depth("threads", waiting)
        if waiting >= self.max_waiting:
            self.observer.shed("threads")
            raise Overloaded(f"the server is busy ({waiting} requests wait for a worker thread): try again in a moment")
