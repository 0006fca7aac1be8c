"""One model's compiled functions: the only place the service calls TensorFlow.

Every function has a fully static input signature, and batches are padded up to a bucket size, so
after warm-up no request traces a graph or meets a new tensor shape; importance samples are drawn in
chunks of a fixed size inside one graph. Encoding and decoding are micro-batched (app/batching.py):
concurrent requests share one call. The log-likelihoods and posterior samples an upload asks for run one
at a time in an upload lane, and the expensive ones (more than 100 importance samples, more than 16
posterior samples) one at a time in their own lane, so they never hold up the cheap ones, and both refuse
work beyond their queue bounds. Takes and returns numpy:

    inputs   (B, H, W, C) float32   what the model reads (the likelihood's serving inputs)
    latents  (B, d) float32         at the model's latent layer (config latent_layer)
    images   (B, H, W, C) float32   mean images, intensities in [0, 1]
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import anyio
import numpy as np
import tensorflow as tf

from app.batching import BatchObserver, Lane, MicroBatcher, Queueing, ThreadPoolGate
from model.bundle import Bundle
from model.iwae import IWAE

BATCH_BUCKETS = (1, 8, 64)  # images or latents per compiled call; larger requests are split
SAMPLE_BUCKETS = (16, 64)  # posterior samples drawn for `samples=n`, n ≤ 64; the page asks 16
# A request with at least this many rows (a sweep, a path, a sample strip) fills a bucket by itself and
# runs in the request's own thread: gathering it with others only made it wait for the batching thread
# (measured with bench/wrk_bench.sh: 16-frame sweeps 316 req/s alone, 194 through the batcher).
DIRECT_ROWS = 8
# A log-likelihood of up to this many importance samples (every upload's estimate: the page asks 50) runs
# in the model's upload lane; more (the bound chart's k up to 5000) in its expensive lane, so a flood of
# bound requests never holds up an upload. Measured alone: 2 ms for a digit at k = 100, 25 ms for a face
# at k = 50 and 48 ms at k = 100 (faces decode 10 samples per chunk).
CHEAP_IMPORTANCE_SAMPLES = 100
POSTERIOR_SEED_STREAM = 1 << 40  # second seed word for posterior samples, apart from the chunks' 0, 1, 2, …

InferenceObserver = Callable[[str, str, float], None]  # (model, operation, seconds), e.g. a Prometheus histogram


def bucket(n: int, buckets: tuple[int, ...] = BATCH_BUCKETS) -> int:
    """The smallest bucket holding n (n ≤ the largest bucket)."""
    return next(b for b in buckets if b >= n)


def chunk_size(image_shape: tuple[int, int, int]) -> int:
    """Importance samples per compiled call: 100 for 28×28 digits, fewer for bigger images so one
    chunk's decoder activations stay around a few tens of MB."""
    return int(np.clip(100 * 784 // int(np.prod(image_shape)), 10, 100))


def _bucketed(function: Callable, row_shape: list[int]) -> dict[int, Callable]:
    """`function` compiled for each batch bucket: inputs (bucket, *row_shape) float32."""
    return {
        size: tf.function(function, input_signature=[tf.TensorSpec([size, *row_shape], tf.float32)])
        for size in BATCH_BUCKETS
    }


def _compiled_log_weights(model: IWAE, image: list[int], chunk: int) -> Callable:
    """(1, H, W, C), seeds (chunks, 2) → log-weights (chunks, chunk, 1): one chunk of samples per seed pair,
    the chunks one after the other (their activations never all live at once)."""

    @tf.function(input_signature=[tf.TensorSpec([1, *image], tf.float32), tf.TensorSpec([None, 2], tf.int64)])
    def log_weights(x, seeds):
        return tf.map_fn(
            lambda seed: model.log_weights(x, chunk, seed), seeds, fn_output_signature=tf.float32, parallel_iterations=1
        )

    return log_weights


def _compiled_posterior(model: IWAE, image: list[int], latent_index: int, k: int) -> Callable:
    """(1, H, W, C), seed (2,) → k samples of q(h|x): latent-layer latents (k, 1, d), log-weights (k, 1) and
    the mean images of their h1 (k, 1, H, W, C)."""

    @tf.function(input_signature=[tf.TensorSpec([1, *image], tf.float32), tf.TensorSpec([2], tf.int64)])
    def posterior(x, seed):
        samples, log_q, _ = model.sample_posterior(x, k, seed)
        return samples[latent_index], model.log_joint(x, samples) - log_q, model.decode_h1(samples[0])

    return posterior


class CompiledModel:
    """A bundle's model behind compiled, bucketed functions on one device."""

    def __init__(
        self,
        bundle: Bundle,
        device: str,
        observe: InferenceObserver | None = None,
        queueing: Queueing | None = None,
        batches: BatchObserver | None = None,
        threads: ThreadPoolGate | None = None,
    ):
        """`threads`: the process's gate to the worker-thread pool, shared with the routes (Engine)."""
        self.bundle, self.device, self.observe = bundle, device, observe
        queueing = queueing or Queueing()
        config = bundle.config.model
        self.chunk = chunk_size(config.image_shape)
        self._calls = threading.Lock()
        model, image = bundle.model, list(config.image_shape)
        self._encode = _bucketed(model.encode, image)
        self._decode = _bucketed(model.decode, [config.latent_size])
        # Prior draws live in the top layer; a model whose latent is lower carries them down to it.
        latent_is_top = config.latent_index == len(config.latent_sizes) - 1
        self._from_prior = {} if latent_is_top else _bucketed(model.from_prior, [config.latent_sizes[-1]])
        self._log_weights = _compiled_log_weights(model, image, self.chunk)
        self._posterior = {k: _compiled_posterior(model, image, config.latent_index, k) for k in SAMPLE_BUCKETS}
        self._batchers = {
            operation: MicroBatcher(
                f"{bundle.name}/{operation}",
                lambda rows, operation=operation: self._call(operation, rows),
                BATCH_BUCKETS[-1],
                queueing.batch_wait,
                queueing.batch_queue,
                batches,
            )
            for operation in ("encode", "decode")
        }
        self._threads = threads or ThreadPoolGate(queueing.thread_queue, batches or BatchObserver())
        # What every upload asks (log p(x) with k ≤ 100, up to 16 posterior samples) and what only the
        # bound chart or a large posterior grid asks, each one at a time beside the decodes: a face's
        # k = 50 (25 ms) under the decodes' lock held every face decode up behind each upload.
        self._uploads = Lane(f"{bundle.name}/upload", capacity=1, max_waiting=queueing.upload_queue, observer=batches)
        self._expensive = Lane(
            f"{bundle.name}/likelihood", capacity=1, max_waiting=queueing.expensive_queue, observer=batches
        )
        for function in self.functions():
            # Each traces exactly once, at warm-up; TensorFlow would count the sibling graphs of one Python
            # function (one per bucket and model) as "frequent retracing" and warn.
            function._omit_frequent_tracing_warning = True

    def close(self) -> None:
        """Ends the batching threads (after what already waits): for a model the engine drops, so that
        no thread holds its weights; its batched encodes and decodes are refused from then on."""
        for batcher in self._batchers.values():
            batcher.close()

    def functions(self) -> list[Callable]:
        return [
            *self._encode.values(),
            *self._decode.values(),
            *self._from_prior.values(),
            self._log_weights,
            *self._posterior.values(),
        ]

    def warm_up(self) -> None:
        """Traces every compiled function at every bucket shape once."""
        self.warm_up_batched()
        self.warm_up_uploads()

    def warm_up_batched(self) -> None:
        """Traces what a model serves first and most (encode, decode and prior draws, every bucket):
        about a second for a model here, a third of its whole warm-up."""
        config = self.bundle.config.model
        with tf.device(self.device):
            for size in BATCH_BUCKETS:
                self._encode[size](np.zeros((size, *config.image_shape), np.float32))
                self._decode[size](np.zeros((size, config.latent_size), np.float32))
                if self._from_prior:
                    self._from_prior[size](np.zeros((size, config.latent_sizes[-1]), np.float32))

    def warm_up_uploads(self) -> None:
        """Traces what an upload adds (its log-likelihood and posterior samples). A call that comes
        before this ends waits for the trace under way (tf.function traces a signature once)."""
        x = np.zeros((1, *self.bundle.config.model.image_shape), np.float32)
        with tf.device(self.device):
            self._log_weights(x, np.zeros((1, 2), np.int64))
            for posterior in self._posterior.values():
                posterior(x, np.zeros(2, np.int64))

    def _likelihood_lane(self, k: int) -> Lane:
        return self._uploads if k <= CHEAP_IMPORTANCE_SAMPLES else self._expensive

    def _posterior_lane(self, n: int) -> Lane:
        # The smallest bucket (what the page asks with every upload) runs in the upload lane; more in
        # the expensive lane.
        return self._uploads if n <= SAMPLE_BUCKETS[0] else self._expensive

    def refuse_if_busy(self, k: int, samples: int) -> None:
        """Overloaded now if the lanes a log-likelihood of k importance samples and `samples` posterior
        samples would run in are full: called before the upload is prepared and encoded, so that a
        refused request costs next to nothing."""
        self._likelihood_lane(k).refuse_if_full()
        if samples:
            self._posterior_lane(samples).refuse_if_full()

    @contextmanager
    def _observed(self, operation: str) -> Iterator[None]:
        """On the model's device; reports the time spent to `observe`."""
        with tf.device(self.device):
            began = time.perf_counter()
            yield
        if self.observe is not None:
            self.observe(self.bundle.name, operation, time.perf_counter() - began)

    def _call(self, operation: str, rows: np.ndarray) -> list[np.ndarray]:
        """The bucketed encode, decode or from_prior of rows, one model call at a time (concurrent calls
        only oversubscribe TensorFlow's thread pools)."""
        functions = {"encode": self._encode, "decode": self._decode, "from_prior": self._from_prior}[operation]
        with self._inline(operation):
            return self._batched(functions, rows)

    def _rows(self, operation: str, rows: np.ndarray) -> list[np.ndarray]:
        """Small requests are gathered with concurrent ones; large ones run at once (DIRECT_ROWS)."""
        rows = rows.astype(np.float32)
        if len(rows) >= DIRECT_ROWS:
            return self._call(operation, rows)
        return self._batchers[operation](rows)

    async def _rows_async(self, operation: str, rows: np.ndarray) -> list[np.ndarray]:
        """_rows for the event loop: waits for the micro-batcher's answer (a large request: a worker
        thread's) without holding a thread. Holding a thread-pool thread per waiting request cost
        throughput: forty threads taking turns on the GIL with the loop (/decode 921 → 2,162 req/s with
        the collector frozen, app/main.py)."""
        rows = rows.astype(np.float32)
        if len(rows) >= DIRECT_ROWS:
            self._threads.admit()
            return await anyio.to_thread.run_sync(self._call, operation, rows)
        return await asyncio.wrap_future(self._batchers[operation].submit(rows))

    @contextmanager
    def _inline(self, operation: str) -> Iterator[None]:
        """Cheap work: one model call at a time with the decodes and encodes, timed."""
        with self._calls, self._observed(operation):
            yield

    @contextmanager
    def _running(self, operation: str, lane: Lane) -> Iterator[None]:
        """Work of its own lane (one at a time, bounded waiting) beside the decodes, timed."""
        with lane, self._observed(operation):
            yield

    @staticmethod
    def _batched(functions: dict[int, Callable], array: np.ndarray) -> list[np.ndarray]:
        """The bucket's function over array (N, …) in pieces of at most the largest bucket, each zero-padded
        up to its bucket; outputs trimmed back to N rows, one array per output."""
        largest = BATCH_BUCKETS[-1]
        pieces = []
        for start in range(0, len(array), largest):
            piece = array[start : start + largest]
            padded = np.zeros((bucket(len(piece)), *array.shape[1:]), np.float32)
            padded[: len(piece)] = piece
            out = functions[len(padded)](padded)
            out = out if isinstance(out, tuple) else (out,)
            pieces.append([o.numpy()[: len(piece)] for o in out])
        return [np.concatenate(parts) for parts in zip(*pieces, strict=True)]

    def encode(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and std of the latent layer, q(h_l|x) following the means below: (B, H, W, C) →
        (B, d), (B, d)."""
        mean, std = self._rows("encode", inputs)
        return mean, std

    def decode(self, latents: np.ndarray) -> np.ndarray:
        """Mean images of latents (B, d) → (B, H, W, C) intensities in [0, 1]."""
        (images,) = self._rows("decode", latents)
        return images

    async def decode_async(self, latents: np.ndarray) -> np.ndarray:
        """decode for the event loop (_rows_async)."""
        (images,) = await self._rows_async("decode", latents)
        return images

    def from_prior(self, top: np.ndarray) -> np.ndarray:
        """Prior draws of the top layer (B, d_L) carried down to the latent layer (B, d): the identity
        when the latent is the top."""
        if not self._from_prior:
            return top.astype(np.float32)
        (latents,) = self._call("from_prior", top.astype(np.float32))
        return latents

    def log_weights(self, inputs: np.ndarray, k: int, seed: int) -> np.ndarray:
        """k importance log-weights log p(x, h_i) − log q(h_i|x) of one image (1, H, W, C) → (k,) float64.
        Sample i comes from chunk i // chunk seeded (seed, i // chunk), so the first k of a larger draw
        with the same seed are exactly the k of a smaller one."""
        chunks = math.ceil(k / self.chunk)
        seeds = np.stack([np.full(chunks, seed, np.int64), np.arange(chunks, dtype=np.int64)], axis=1)
        with self._running("log_weights", self._likelihood_lane(k)):
            log_w = self._log_weights(inputs.astype(np.float32), seeds).numpy()  # (chunks, chunk, 1)
        return log_w.reshape(-1)[:k].astype(np.float64)

    def posterior(self, inputs: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n ≤ 64 samples h ~ q(h|x) of one image (1, H, W, C): latent-layer latents (n, d), log-weights
        (n,) float64, and the mean images of their h1 (n, H, W, C)."""
        with self._running("posterior_samples", self._posterior_lane(n)):
            latents, log_w, images = self._posterior[bucket(n, SAMPLE_BUCKETS)](
                inputs.astype(np.float32), np.array([seed, POSTERIOR_SEED_STREAM], np.int64)
            )
        return latents.numpy()[:n, 0], log_w.numpy()[:n, 0].astype(np.float64), images.numpy()[:n, 0]

    def tracing_counts(self) -> list[int]:
        """How often each compiled function has traced (1 each after warm-up, for ever after)."""
        return [f.experimental_get_tracing_count() for f in self.functions()]
