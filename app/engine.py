"""The Engine: every trained model of a bundles directory, loaded once, placed on the GPU when TensorFlow
sees one (else the CPU), warmed up, and called through compiled functions. It is the only module of
the service that touches TensorFlow; it takes and returns numpy arrays:

    intensities  (B, H, W, C) float32 in [0, 1]     images as people see them
    inputs       (B, H, W, C) float32               what the model reads: {0, 1} pixels for Bernoulli
                                                    digits, 8-bit bin centres on [-1, 1] for faces
    latents      (B, d) float32                     the top stochastic layer, the prior's N(0, I) space

Compiled functions have fixed input signatures and batches are padded up to BATCH_BUCKETS, so after
warm-up no request traces a graph or meets a new tensor shape; importance samples are drawn in
chunks of a fixed size inside one graph. One lock per model keeps two requests from oversubscribing
the cores with the same model at once.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

from model.attributes import AttributeVector, mean_difference
from model.bundle import Bundle, load_bundle
from model.devices import device_name
from model.evaluate import grouped_bound
from model.iwae import log_mean_exp

log = logging.getLogger(__name__)

BATCH_BUCKETS = (1, 8, 64)  # images or latents per compiled call; larger requests are split
SAMPLE_BUCKETS = (8, 64)  # posterior samples drawn for `samples=n`, n ≤ 64
BOUND_KS = (1, 5, 50, 500, 5000)  # the k of the "bound tightens with k" chart
MAX_K = BOUND_KS[-1]  # importance samples for one log-likelihood estimate (the paper's k)
# Importance samples × pixels one request may decode: 5000 digits (784 pixels) or 500 faces (12,288),
# so a log-likelihood request stays within a few seconds on two CPU cores (bench/serve_bench.py).
SAMPLE_PIXEL_BUDGET = 8_000_000
POSTERIOR_SEED_STREAM = 1 << 40  # second seed word for posterior samples, apart from the chunks' 0, 1, 2, …


class EngineError(ValueError):
    """A request the engine cannot serve; the message says why."""


class UnknownModel(EngineError, LookupError):
    pass


class UnknownAttribute(EngineError, LookupError):
    pass


class InvalidLatent(EngineError):
    pass


@dataclass(frozen=True)
class ModelInfo:
    """What a client needs to know about a served model (no tensors)."""

    name: str
    image_shape: tuple[int, int, int]
    latent_size: int
    likelihood: str
    dataset: str
    objective: str
    network: str
    attributes: dict[str, AttributeVector]
    report: dict
    device: str
    max_k: int  # importance samples a log-likelihood request may ask for


@dataclass
class _Served:
    """One loaded model with its compiled functions."""

    bundle: Bundle
    device: str
    chunk: int  # importance samples per compiled call
    encode: dict[int, Callable]  # bucket size → compiled function
    decode: dict[int, Callable]
    log_weights: Callable
    posterior: dict[int, Callable]
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def config(self):
        return self.bundle.config.model


def chunk_size(image_shape: tuple[int, int, int]) -> int:
    """Importance samples per compiled call: 100 for 28×28 digits, fewer for bigger images so one
    chunk's decoder activations stay around a few tens of MB."""
    return int(np.clip(100 * 784 // int(np.prod(image_shape)), 10, 100))


def max_importance_samples(image_shape: tuple[int, int, int]) -> int:
    """The largest k of BOUND_KS whose k decoded images fit the per-request SAMPLE_PIXEL_BUDGET."""
    pixels = int(np.prod(image_shape))
    return max((q for q in BOUND_KS if q * pixels <= SAMPLE_PIXEL_BUDGET), default=1)


def bucket(n: int, buckets: tuple[int, ...] = BATCH_BUCKETS) -> int:
    """The smallest bucket holding n (n ≤ the largest bucket)."""
    return next(b for b in buckets if b >= n)


def _compile(bundle: Bundle, device: str) -> _Served:
    """One graph per bucket shape, each with a fully static input signature (the networks reshape with
    the static feature size, which a None batch axis would hide)."""
    model, config = bundle.model, bundle.config.model
    chunk = chunk_size(config.image_shape)
    one_image = tf.TensorSpec([1, *config.image_shape], tf.float32)

    def encode_fn(size: int) -> Callable:
        @tf.function(input_signature=[tf.TensorSpec([size, *config.image_shape], tf.float32)])
        def encode(x):  # (B, H, W, C) → (B, d), (B, d)
            return model.encode(x)

        return encode

    def decode_fn(size: int) -> Callable:
        @tf.function(input_signature=[tf.TensorSpec([size, config.latent_size], tf.float32)])
        def decode(z):  # (B, d) → (B, H, W, C) in [0, 1]
            return model.decode(z)

        return decode

    @tf.function(input_signature=[one_image, tf.TensorSpec([None, 2], tf.int64)])
    def log_weights(x, seeds):  # (1, H, W, C), (chunks, 2) → (chunks, chunk, 1); one chunk per seed pair
        return tf.map_fn(
            lambda seed: model.log_weights(x, chunk, seed), seeds, fn_output_signature=tf.float32, parallel_iterations=1
        )

    def posterior_fn(k: int) -> Callable:
        @tf.function(input_signature=[one_image, tf.TensorSpec([2], tf.int64)])
        def posterior(x, seed):  # → top-layer samples (k, 1, d), log w (k, 1), images of their h1 (k, 1, H, W, C)
            samples, log_q, _ = model.sample_posterior(x, k, seed)
            return samples[-1], model.log_joint(x, samples) - log_q, model.decode_h1(samples[0])

        return posterior

    served = _Served(
        bundle,
        device,
        chunk,
        encode={size: encode_fn(size) for size in BATCH_BUCKETS},
        decode={size: decode_fn(size) for size in BATCH_BUCKETS},
        log_weights=log_weights,
        posterior={k: posterior_fn(k) for k in SAMPLE_BUCKETS},
    )
    for function in [*served.encode.values(), *served.decode.values(), log_weights, *served.posterior.values()]:
        # Each traces exactly once, at warm-up; TensorFlow would count the sibling graphs of one Python
        # function (one per bucket and model) as "frequent retracing" and warn.
        function._omit_frequent_tracing_warning = True
    return served


class Engine:
    """All models of one bundles directory. Thread-safe; every method takes and returns numpy."""

    def __init__(self, bundles_dir: str | Path, on_inference: Callable[[str, str, float], None] | None = None):
        self.bundles_dir = Path(bundles_dir)
        self.device = device_name()
        self.on_inference = on_inference  # (model, operation, seconds), e.g. a Prometheus histogram
        self.failures: dict[str, str] = {}  # bundle name → why it was skipped
        self._models: dict[str, _Served] = {}
        self._ready = threading.Event()

    # ---- life cycle ----

    def load(self, warm_up: bool = True) -> None:
        """Loads every bundle below bundles_dir (a bundle that fails is logged and skipped), compiles
        and warms its functions, then reports ready."""
        log.info("TensorFlow places the models on %s", self.device)
        try:
            directories = (
                sorted(p for p in self.bundles_dir.iterdir() if p.is_dir()) if self.bundles_dir.is_dir() else []
            )
            if not directories:
                log.warning("no model bundles in %s", self.bundles_dir)
            for directory in directories:
                self._load_one(directory, warm_up)
        finally:
            self._ready.set()
        skipped = f"; skipped: {', '.join(self.failures)}" if self.failures else ""
        log.info("ready: %d model(s) on %s (%s)%s", len(self._models), self.device, ", ".join(self._models), skipped)

    def _load_one(self, directory: Path, warm_up: bool) -> None:
        began = time.perf_counter()
        try:
            with tf.device(self.device):
                served = _compile(load_bundle(directory), self.device)
                if warm_up:
                    self._warm_up(served)
        except Exception as error:  # a broken bundle must not take the others down
            log.error("skipping bundle %s: %s", directory.name, error)
            self.failures[directory.name] = str(error)
            return
        self._models[served.bundle.name] = served
        log.info("loaded model %s on %s in %.1f s", served.bundle.name, self.device, time.perf_counter() - began)

    def _warm_up(self, served: _Served) -> None:
        """Traces every compiled function at every bucket shape once."""
        x = np.zeros((1, *served.config.image_shape), np.float32)
        for size in BATCH_BUCKETS:
            served.encode[size](np.zeros((size, *served.config.image_shape), np.float32))
            served.decode[size](np.zeros((size, served.config.latent_size), np.float32))
        served.log_weights(x, np.zeros((1, 2), np.int64))
        for posterior in served.posterior.values():
            posterior(x, np.zeros(2, np.int64))

    @property
    def ready(self) -> bool:
        """True once every bundle has been loaded (or skipped) and warmed up."""
        return self._ready.is_set()

    @property
    def names(self) -> list[str]:
        return list(self._models)

    def info(self, name: str) -> ModelInfo:
        served = self._get(name)
        config, bundle = served.config, served.bundle
        return ModelInfo(
            name=bundle.name,
            image_shape=tuple(config.image_shape),
            latent_size=config.latent_size,
            likelihood=config.likelihood,
            dataset=bundle.config.train.dataset,
            objective=bundle.config.train.objective,
            network=config.network,
            attributes=dict(bundle.attributes),
            report=dict(bundle.report),
            device=served.device,
            max_k=max_importance_samples(config.image_shape),
        )

    def _get(self, name: str) -> _Served:
        try:
            return self._models[name]
        except KeyError:
            available = ", ".join(self._models) or "none loaded"
            raise UnknownModel(f"unknown model {name!r}; available: {available}") from None

    @contextmanager
    def _running(self, name: str, operation: str) -> Iterator[_Served]:
        """Holds the model's lock and device scope; reports the time spent to on_inference."""
        served = self._get(name)
        with served.lock, tf.device(served.device):
            began = time.perf_counter()
            yield served
            if self.on_inference is not None:
                self.on_inference(name, operation, time.perf_counter() - began)

    # ---- checks ----

    def attribute(self, name: str, attribute: str) -> np.ndarray:
        """An attribute vector (d,) of a model."""
        attributes = self._get(name).bundle.attributes
        if attribute not in attributes:
            known = ", ".join(attributes) or "none"
            raise UnknownAttribute(f"model {name!r} has no attribute {attribute!r}; it has: {known}")
        return attributes[attribute].vector

    def check_latent(self, name: str, values, what: str = "latent") -> np.ndarray:
        """One latent (d,) as float32, or InvalidLatent naming the length the model wants."""
        size = self._get(name).config.latent_size
        latent = np.asarray(values, np.float32)
        if latent.ndim != 1 or latent.shape[0] != size:
            raise InvalidLatent(
                f"{what} has {latent.size} values; model {name!r} has a {size}-dimensional latent space"
            )
        if not np.all(np.isfinite(latent)):
            raise InvalidLatent(f"{what} contains NaN or infinity")
        return latent

    # ---- inference ----

    def model_inputs(self, name: str, intensities: np.ndarray) -> np.ndarray:
        """[0, 1] intensities (B, H, W, C) → model inputs: thresholded at 0.5 for Bernoulli digits (binary,
        like the training data), 8-bit bin centres for the logistic."""
        served = self._get(name)
        if served.config.likelihood == "bernoulli":
            return (intensities > 0.5).astype(np.float32)
        return served.bundle.model.likelihood.from_intensities(intensities)

    def input_intensities(self, name: str, inputs: np.ndarray) -> np.ndarray:
        """Model inputs → [0, 1] intensities, to show a client what the model saw."""
        if self._get(name).config.likelihood == "bernoulli":
            return inputs
        return (inputs + 1.0) / 2.0

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

    def encode(self, name: str, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and std of the top layer, q(h_L|x) following the means below: model inputs
        (B, H, W, C) → (B, d), (B, d)."""
        with self._running(name, "encode") as served:
            mean, std = self._batched(served.encode, inputs)
        return mean, std

    def decode(self, name: str, latents: np.ndarray) -> np.ndarray:
        """Mean images of latents (B, d) → (B, H, W, C) intensities in [0, 1]."""
        if len(latents) == 0:
            raise InvalidLatent("no latents to decode")
        latents = np.stack([self.check_latent(name, z, f"latents[{i}]") for i, z in enumerate(latents)])
        with self._running(name, "decode") as served:
            (images,) = self._batched(served.decode, latents)
        return images

    def log_weights(self, name: str, inputs: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
        """k importance log-weights log p(x, h_i) − log q(h_i|x) of one image (1, H, W, C) → (k,) float64.
        Sample i comes from chunk i // chunk seeded (seed, i // chunk), so the first k of a larger draw
        with the same seed are exactly the k of a smaller one."""
        max_k = max_importance_samples(self._get(name).config.image_shape)
        if not 1 <= k <= max_k:
            raise EngineError(
                f"k must be between 1 and {max_k} for the {name} model (its images are larger, so each "
                "importance sample costs more): ask for fewer samples"
                if max_k < MAX_K
                else f"k must be between 1 and {MAX_K}"
            )
        with self._running(name, "log_weights") as served:
            chunks = math.ceil(k / served.chunk)
            seeds = np.stack([np.full(chunks, seed, np.int64), np.arange(chunks, dtype=np.int64)], axis=1)
            log_w = served.log_weights(inputs.astype(np.float32), seeds).numpy()  # (chunks, chunk, 1)
        return log_w.reshape(-1)[:k].astype(np.float64)

    def log_likelihood(
        self, name: str, inputs: np.ndarray, k: int, seed: int = 0, bounds: bool = False
    ) -> tuple[float, dict[int, float] | None]:
        """The k-sample IWAE estimate log (1/k) Σ w_i of log p(x) in nats for one image (1, H, W, C);
        with bounds, also L_q for q in BOUND_KS up to the model's max_k, each the mean over the
        disjoint groups of q among the same max_k samples (whose first k give the estimate)."""
        max_k = max_importance_samples(self._get(name).config.image_shape)
        log_w = self.log_weights(name, inputs, max(k, max_k) if bounds else k, seed)
        estimate = float(log_mean_exp(log_w[:k]))
        if not bounds:
            return estimate, None
        return estimate, {q: float(grouped_bound(log_w[:, None], q)[0]) for q in BOUND_KS if q <= max_k}

    def posterior_samples(
        self, name: str, inputs: np.ndarray, n: int, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n ≤ 64 samples h ~ q(h|x) of one image (1, H, W, C): top-layer latents (n, d), their importance
        weights normalised over the n (n,), and the mean images of their h1 (n, H, W, C)."""
        if not 1 <= n <= SAMPLE_BUCKETS[-1]:
            raise EngineError(f"samples must be between 1 and {SAMPLE_BUCKETS[-1]}")
        with self._running(name, "posterior_samples") as served:
            latents, log_w, images = served.posterior[bucket(n, SAMPLE_BUCKETS)](
                inputs.astype(np.float32), np.array([seed, POSTERIOR_SEED_STREAM], np.int64)
            )
        log_w = log_w.numpy()[:n, 0].astype(np.float64)
        weights = np.exp(log_w - log_w.max())
        return latents.numpy()[:n, 0], (weights / weights.sum()).astype(np.float32), images.numpy()[:n, 0]

    def sample_prior(self, name: str, n: int, seed: int = 0, temperature: float = 1.0) -> np.ndarray:
        """n latents from the prior N(0, temperature² I) → (n, d); the same seed gives the same latents."""
        size = self._get(name).config.latent_size
        return (np.random.default_rng(seed).standard_normal((n, size)) * temperature).astype(np.float32)

    def custom_attribute(
        self, name: str, positive: np.ndarray, negative: np.ndarray, attribute: str
    ) -> AttributeVector:
        """The mean latent of images with a property minus that of images without it: model inputs
        (P, H, W, C) and (N, H, W, C) → an AttributeVector with method "custom"."""
        latents, _ = self.encode(name, np.concatenate([positive, negative]))
        labels = np.arange(len(latents)) < len(positive)
        return mean_difference(latents, labels, attribute, method="custom")
