"""One served model: every operation a request can ask of it, each a single call that checks its
input, runs the compiled model and returns numpy results for the routers to put into JSON.

decode, edit and interpolate (latents in, images out: the calls a slider drag makes) are coroutines
that wait for the micro-batcher on the event loop; the rest run in the routes' worker threads.

    uploads   image bytes, prepared like the model's training data (app/prepare.py), then turned
              into model inputs by the likelihood's serving rule (model/likelihoods.py)
    latents   (d,) or (B, d) float32 at the model's latent layer (config latent_layer: h1 for
              the digits, the only layer for the faces)
    images    (H, W, C) or (B, H, W, C) float32 intensities in [0, 1]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import logsumexp, softmax

from app.compiled import SAMPLE_BUCKETS, CompiledModel
from app.exceptions import InvalidLatent, InvalidRequest, NoBrowserDecoder, UnknownAttribute
from app.limits import Limits
from app.prepare import upload_intensities
from model import latent as latent_math
from model.attributes import AttributeVector, mean_difference
from model.browser_decoder import INPUT_NAME, OUTPUT_NAME
from model.evaluate import grouped_bound

BOUND_KS = (1, 5, 50, 500, 5000)  # the k of the "bound tightens with k" chart
MAX_K = BOUND_KS[-1]  # importance samples for one log-likelihood estimate (the paper's k)
# Importance samples × pixels one request may decode: 5000 digits (784 pixels) or 500 faces (12,288),
# so a log-likelihood request stays within a few seconds on two CPU cores (bench/serve_bench.py).
SAMPLE_PIXEL_BUDGET = 8_000_000


def max_importance_samples(image_shape: tuple[int, int, int]) -> int:
    """The largest k of BOUND_KS whose k decoded images fit the per-request SAMPLE_PIXEL_BUDGET."""
    pixels = int(np.prod(image_shape))
    return max((q for q in BOUND_KS if q * pixels <= SAMPLE_PIXEL_BUDGET), default=1)


Upload = tuple[str, Callable[[], bytes]]  # (filename, read): its bytes, read when they are needed


@dataclass(frozen=True)
class DecoderFile:
    """A bundle's decoder as ONNX (model/browser_decoder.py): its file, size, tensor names, and an entity
    tag for HTTP caching (its sha256 from the bundle's manifest)."""

    path: Path
    bytes: int
    input: str
    output: str
    etag: str


@dataclass(frozen=True)
class ModelInfo:
    """What a client needs to know about a served model (/models; /models/{name}/vectors reads the
    attribute vectors' numbers)."""

    name: str
    version: str  # the weights' fingerprint (model.bundle): latents are only comparable within one
    image_shape: tuple[int, int, int]
    latent_size: int
    latent_layer: str  # "h1", "h2", …: the stochastic layer the latent belongs to
    latent_shape: tuple[int, ...]  # how the flat latent is laid out: (latent_size,), or (g, g, c) on a grid
    likelihood: str
    dataset: str
    objective: str
    attributes: dict[str, AttributeVector]
    report: dict
    device: str
    sample_temperature: float  # the sampling temperature measured best (1 when not measured)
    samples_from: str  # "prior", or "encodings": a Gaussian fitted to the training encodings
    max_k: int  # importance samples a log-likelihood request may ask for
    decoder: DecoderFile | None  # the bundle's decoder.onnx, None when it has none


@dataclass(frozen=True)
class Prepared:
    """An upload as the model reads it: inputs (1, H, W, C), the image they show (H, W, C), a warning."""

    inputs: np.ndarray
    shown: np.ndarray
    warning: str | None


@dataclass(frozen=True)
class Posterior:
    """Samples of q(h|x): latent-layer latents (n, d), importance weights normalised over the n (n,),
    and the mean images of their h1 (n, H, W, C)."""

    latents: np.ndarray
    weights: np.ndarray
    images: np.ndarray


@dataclass(frozen=True)
class Encoding:
    """An upload encoded: what the model saw, posterior mean and std (d,), the reconstruction, the
    k-sample estimate of log p(x) in nats, and optionally the bounds by k and posterior samples."""

    prepared: Prepared
    latent: np.ndarray
    std: np.ndarray
    reconstruction: np.ndarray
    log_likelihood: float
    bounds: dict[int, float] | None
    posterior: Posterior | None


@dataclass(frozen=True)
class Direction:
    """A direction in latent space: a stored attribute by name, or the client's own vector."""

    attribute: str | None = None
    vector: Sequence[float] | None = None


@dataclass(frozen=True)
class Edited:
    """latent + Σ scale·vector and its image; with a sweep, its scales (S,) and images (S, H, W, C)."""

    latent: np.ndarray
    image: np.ndarray
    sweep_scales: np.ndarray | None = None
    sweep_images: np.ndarray | None = None


@dataclass(frozen=True)
class Interpolation:
    """Latents along a path (S, d) and their images (S, H, W, C); for images, what the model saw of
    the two ends and any preprocessing warnings."""

    latents: np.ndarray
    images: np.ndarray
    inputs: np.ndarray | None = None
    warnings: tuple[str, ...] = ()


class ServedModel:
    """The handle the routers hold for one model: look it up once (Engine.model), then one call."""

    def __init__(self, compiled: CompiledModel, limits: Limits):
        self.compiled, self.limits = compiled, limits
        self.bundle = compiled.bundle
        self.config = self.bundle.config.model
        self.likelihood = self.bundle.model.likelihood
        self.max_k = max_importance_samples(self.config.image_shape)
        decoder = self.bundle.decoder  # the bundle is verified and fixed for the service's life
        self.decoder = (
            DecoderFile(
                decoder, decoder.stat().st_size, INPUT_NAME, OUTPUT_NAME, f'"{self.bundle.digests[decoder.name]}"'
            )
            if decoder
            else None
        )

    @property
    def info(self) -> ModelInfo:
        config, bundle = self.config, self.bundle
        return ModelInfo(
            name=bundle.name,
            version=bundle.version,
            image_shape=tuple(config.image_shape),
            latent_size=config.latent_size,
            latent_layer=f"h{config.latent_index + 1}",
            latent_shape=config.latent_shape,
            likelihood=config.likelihood,
            dataset=bundle.config.train.dataset,
            objective=bundle.config.train.objective,
            attributes=dict(bundle.attributes),
            report=dict(bundle.report),
            device=self.compiled.device,
            sample_temperature=float(bundle.report.get("sample_temperature", 1.0)),
            samples_from="prior" if bundle.latent_gaussian is None else "encodings",
            max_k=self.max_k,
            decoder=self.decoder,
        )

    # ---- checks ----

    def browser_decoder(self) -> DecoderFile:
        """The bundle's decoder.onnx, or NoBrowserDecoder."""
        if self.decoder is None:
            raise NoBrowserDecoder(
                f"model {self.bundle.name!r} has no decoder for the browser: decode with POST /decode, "
                f"or export one with `iwae decoder {self.bundle.path}`"
            )
        return self.decoder

    def latent(self, values: Sequence[float] | np.ndarray, what: str = "latent") -> np.ndarray:
        """One latent (d,) as float32, or InvalidLatent naming the length the model wants."""
        size = self.config.latent_size
        latent = np.asarray(values, np.float32)
        if latent.ndim != 1 or latent.shape[0] != size:
            raise InvalidLatent(
                f"{what} has {latent.size} values; model {self.bundle.name!r} has a {size}-dimensional latent space"
            )
        if not np.all(np.isfinite(latent)):
            raise InvalidLatent(f"{what} contains NaN or infinity")
        return latent

    def attribute(self, name: str) -> np.ndarray:
        """A stored attribute vector (d,)."""
        attributes = self.bundle.attributes
        if name not in attributes:
            known = ", ".join(attributes) or "none"
            raise UnknownAttribute(f"model {self.bundle.name!r} has no attribute {name!r}; it has: {known}")
        return attributes[name].vector

    def direction(self, direction: Direction, what: str) -> np.ndarray:
        if direction.attribute is not None:
            return self.attribute(direction.attribute)
        return self.latent(direction.vector, what)

    # ---- uploads ----

    def prepare(self, data: bytes) -> Prepared:
        """Image bytes → the model's inputs, prepared like its training data."""
        dataset = self.bundle.config.train.dataset
        intensities, warning = upload_intensities(
            data, self.config.image_shape, dataset, self.limits.max_image_pixels, self.limits.pixel_budget
        )
        inputs = self.likelihood.serving_inputs(intensities[None])
        return Prepared(inputs, self.likelihood.intensities(inputs)[0], warning)

    # ---- operations: one per request ----

    def encode(self, data: bytes, k: int, samples: int = 0, bounds: bool = False, seed: int = 0) -> Encoding:
        """An upload → posterior mean and std, reconstruction, the k-sample estimate of log p(x); with
        `bounds`, L_q for q in BOUND_KS up to max_k, each the mean over the disjoint groups of q among
        the same max_k samples (whose first k give the estimate); with `samples`, that many h ~ q(h|x)."""
        if not 1 <= k <= self.max_k:
            raise InvalidRequest(
                f"k must be between 1 and {self.max_k} for the {self.bundle.name} model (its images are larger, "
                "so each importance sample costs more): ask for fewer samples"
                if self.max_k < MAX_K
                else f"k must be between 1 and {MAX_K}"
            )
        if not 0 <= samples <= SAMPLE_BUCKETS[-1]:
            raise InvalidRequest(f"samples must be between 0 and {SAMPLE_BUCKETS[-1]}")
        importance_samples = self.max_k if bounds else k
        self.compiled.refuse_if_busy(importance_samples, samples)
        prepared = self.prepare(data)
        mean, std = self.compiled.encode(prepared.inputs)
        log_w = self.compiled.log_weights(prepared.inputs, importance_samples, seed)
        posterior = None
        if samples:
            latents, sample_log_w, images = self.compiled.posterior(prepared.inputs, samples, seed)
            posterior = Posterior(latents, softmax(sample_log_w).astype(np.float32), images)
        return Encoding(
            prepared=prepared,
            latent=mean[0],
            std=std[0],
            reconstruction=self.compiled.decode(mean)[0],
            log_likelihood=float(logsumexp(log_w[:k]) - np.log(k)),
            bounds={q: float(grouped_bound(log_w[:, None], q)[0]) for q in BOUND_KS if q <= self.max_k}
            if bounds
            else None,
            posterior=posterior,
        )

    async def decode(self, latents: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
        """Latents (B, d) → mean images (B, H, W, C)."""
        if len(latents) == 0:
            raise InvalidLatent("no latents to decode")
        return await self.compiled.decode_async(
            np.stack([self.latent(z, f"latents[{i}]") for i, z in enumerate(latents)])
        )

    def sample(self, n: int, seed: int = 0, temperature: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """n draws (the same seed, the same draws) as latents and their images: from the Gaussian fitted
        to the training encodings when the bundle has one (model/latent_gaussian.py), else from the
        prior N(0, temperature² I) of the top layer, carried down to the latent layer. Temperature 0
        gives the centre n times: the fitted Gaussian's mean, or the top layer's 0 carried down."""
        gaussian = self.bundle.latent_gaussian
        if gaussian is not None:
            latents = gaussian.draw(n, temperature, seed)
        else:
            latents = self.compiled.from_prior(self.bundle.model.draw_prior(n, temperature, seed))
        return latents, self.compiled.decode(latents)

    async def edit(
        self,
        latent: Sequence[float],
        edits: Sequence[tuple[Direction, float]],
        sweep: tuple[Direction, float, float, int] | None = None,
    ) -> Edited:
        """latent + Σ scale·direction, decoded; with a sweep (direction, start, stop, steps), the edited
        latent moved along the direction too, the edit and the whole sweep decoded in one call."""
        edited = latent_math.apply_edits(
            self.latent(latent),
            [self.direction(d, f"edits[{i}].vector") for i, (d, _) in enumerate(edits)],
            [scale for _, scale in edits],
        )
        if sweep is None:
            return Edited(edited, (await self.compiled.decode_async(edited[None]))[0])
        direction, start, stop, steps = sweep
        scales, swept = latent_math.sweep(edited, self.direction(direction, "sweep.vector"), start, stop, steps)
        images = await self.compiled.decode_async(np.concatenate([edited[None], swept]))
        return Edited(edited, images[0], scales, images[1:])

    async def interpolate(self, start: Sequence[float], end: Sequence[float], steps: int, method: str) -> Interpolation:
        """The path from one latent to another in `steps` points by slerp or lerp, decoded."""
        path = self._path(self.latent(start, "start"), self.latent(end, "end"), steps, method)
        return Interpolation(path, await self.compiled.decode_async(path))

    def interpolate_images(self, start: bytes, end: bytes, steps: int, method: str) -> Interpolation:
        """The path between the posterior means of two uploads, decoded."""
        ends = (self.prepare(start), self.prepare(end))
        means, _ = self.compiled.encode(np.concatenate([p.inputs for p in ends]))
        path = self._path(means[0], means[1], steps, method)
        named = zip(("start_image", "end_image"), ends, strict=True)
        warnings = tuple(f"{which}: {p.warning}" for which, p in named if p.warning)
        return Interpolation(path, self.compiled.decode(path), np.stack([p.shown for p in ends]), warnings)

    @staticmethod
    def _path(start: np.ndarray, end: np.ndarray, steps: int, method: str) -> np.ndarray:
        return (latent_math.slerp if method == "slerp" else latent_math.lerp)(start, end, steps)

    def custom_attribute(
        self, positive: Sequence[Upload], negative: Sequence[Upload], name: str
    ) -> tuple[AttributeVector, list[str]]:
        """The mean latent of uploads (filename, read) with a property minus that of uploads without it,
        and the preprocessing warnings, each naming its upload. Each upload's bytes are read when it
        is prepared, one at a time: up to 128 files read at once would hold a whole request in memory."""
        limit = self.limits.max_attribute_images
        for side, uploads in (("with", positive), ("without", negative)):
            if not 1 <= len(uploads) <= limit:
                raise InvalidRequest(f"`{side}` needs 1 to {limit} images, got {len(uploads)}")
        inputs, warnings = [], []
        for side, uploads in (("with", positive), ("without", negative)):
            for i, (filename, read) in enumerate(uploads):
                prepared = self.prepare(read())
                inputs.append(prepared.inputs)
                if prepared.warning:
                    warnings.append(f"{side}[{i}] ({filename}): {prepared.warning}")
        latents, _ = self.compiled.encode(np.concatenate(inputs))
        labels = np.arange(len(latents)) < len(positive)
        return mean_difference(latents, labels, name, method="custom"), warnings
