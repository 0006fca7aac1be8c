"""Request and response bodies: every field with its limits, a description and an example (they are the
OpenAPI text at /docs). Latent values must be finite and at most 1e3 in magnitude."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import UploadFile
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from app.compiled import SAMPLE_BUCKETS
from app.served import MAX_K
from model.attributes import DRIFT_MEASURES, OUTCOMES, AttributeVector

MAX_BATCH = 64  # latents per /decode, images per /sample, points per path or sweep
MAX_POSTERIOR_SAMPLES = SAMPLE_BUCKETS[-1]  # the largest the compiled sampler draws
MAX_LATENT_SIZE = 4096
LATENT_LIMIT = 1e3  # |value| above this is no point of a N(0, I) prior: a client bug, not a request
MAX_SCALE = 100.0
PNG_EXAMPLE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABc3UBGAAAAABJRU5ErkJggg=="
)

LatentValue = Annotated[float, Field(allow_inf_nan=False, ge=-LATENT_LIMIT, le=LATENT_LIMIT)]
Latent = Annotated[
    list[LatentValue],
    Field(
        min_length=1,
        max_length=MAX_LATENT_SIZE,
        description="a point of the latent space: exactly `latent_size` finite numbers (GET /models), each |v| ≤ 1e3",
        examples=[[0.5, -1.2, 0.0, 0.3]],
    ),
]
ModelName = Annotated[
    str,
    Field(
        min_length=1, max_length=100, description="name of a served model (GET /models lists them)", examples=["digits"]
    ),
]
ImageURL = Annotated[str, Field(description="a PNG image as a data URL", examples=[PNG_EXAMPLE])]
Seed = Annotated[
    int, Field(ge=0, le=2**31 - 1, description="random seed: the same seed gives the same answer", examples=[0])
]


class Strict(BaseModel):
    """A JSON request: unknown fields are errors, and no type is coerced (false is no seed, "3" no count)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Message(BaseModel):
    """An error: `detail` says what was wrong and how to fix it."""

    detail: str = Field(
        description="what was wrong with the request, in words",
        examples=["unknown model 'digit'; available: digits, faces"],
    )
    errors: list[dict] | None = Field(
        None, description="for validation errors: each failing field with pydantic's message"
    )


class Status(BaseModel):
    status: str = Field(description='"ok" (/healthz) or "ready" (/readyz)', examples=["ok"])
    models: list[str] = Field(default_factory=list, description="models being served", examples=[["digits"]])


class Readiness(Status):
    loading: list[str] = Field(
        default_factory=list,
        description="bundles not yet loaded and warm: one not among `models` answers 503 with Retry-After until it "
        "serves; one that is serves while its upload functions warm",
        examples=[["faces"]],
    )


# ---- /models ----


class AttributeJudged(BaseModel):
    """What an independent classifier made of the vector's edits (bench/attribute_fidelity.py --save)."""

    scale: float = Field(
        description="the slider scale these figures were measured at: with `outcome` meets_goal, the smallest that "
        "meets the goal; stopped_by_drift or short_at_largest_scale, the one that turned the most images while "
        "`drift` stayed within `drift_allowed`; drifts_from_first_scale, the smallest scale measured",
        examples=[2.0],
    )
    turned: float = Field(
        description="the fraction of held-out images without the attribute that the classifier calls positive "
        "(faces: its probability above the attribute's calibrated threshold; digits: classified as the class) "
        "once moved by `scale` × the vector",
        examples=[0.9],
    )
    drift: float = Field(description="how far the rest moved, as `drift_measure` says", examples=[0.048])
    drift_measure: Literal[DRIFT_MEASURES] = Field(
        description="what `drift` is: faces, the mean |change| of the classifier's probability for the other "
        "attributes; digits, the fraction of the images turned into a third class",
        examples=["mean |ΔP| of the other attributes"],
    )
    turned_needed: float = Field(description="the least `turned` the goal asks for", examples=[0.9])
    drift_allowed: float = Field(description="the most `drift` the goal allows", examples=[0.05])
    n: int = Field(description="held-out images judged", examples=[200])
    outcome: Literal[OUTCOMES] = Field(
        description="meets_goal: the vector does its job at `scale`. Otherwise what stopped it: stopped_by_drift, "
        "a larger scale drifts more than allowed; short_at_largest_scale, every scale measured stayed within the "
        "drift allowed without turning enough; drifts_from_first_scale, even the smallest scale drifts too far",
        examples=["meets_goal"],
    )


class AttributeInfo(BaseModel):
    name: str = Field(description="attribute name, e.g. a digit class or a CelebA attribute", examples=["Smiling"])
    method: str = Field(
        description='how the vector was made: "steered" (digit classes), "mean_difference", "balanced", '
        '"independent" or "custom"',
        examples=["mean_difference"],
    )
    n_positive: int = Field(description="training images having the attribute", examples=[4822])
    n_negative: int = Field(description="training images lacking it", examples=[4178])
    judged: AttributeJudged | None = Field(
        None, description="how well the vector does what it says, as measured; null when not measured"
    )

    @classmethod
    def of(cls, vector: AttributeVector) -> AttributeInfo:
        """A stored vector, described: how it was made and, once measured, how well it works."""
        judged = None if vector.judged is None else AttributeJudged(**dataclasses.asdict(vector.judged))
        return cls(
            name=vector.name,
            method=vector.method,
            n_positive=vector.n_positive,
            n_negative=vector.n_negative,
            judged=judged,
        )


class BrowserDecoder(BaseModel):
    url: str = Field(
        description="where to fetch the decoder (GET), an ONNX graph", examples=["/models/digits/decoder.onnx"]
    )
    bytes: int = Field(description="its size", examples=[875337])
    input: str = Field(description="its input: `latent`, float32 (N, latent_size)", examples=["latent"])
    output: str = Field(
        description="its output: `image`, float32 (N, H, W, C) intensities in [0, 1]", examples=["image"]
    )
    vectors_url: str = Field(
        description="the model's attribute vectors (GET), to add to a latent before decoding it",
        examples=["/models/digits/vectors"],
    )


class AttributeVectors(BaseModel):
    model: str = Field(examples=["digits"])
    latent_size: int = Field(examples=[100])
    vectors: dict[str, list[float]] = Field(description="each stored attribute vector, `latent_size` numbers")


class ModelSummary(BaseModel):
    name: str = Field(description="the model's name, used in every other request", examples=["digits"])
    version: str = Field(
        description="its weights' fingerprint (the first 12 hex digits of their sha256): a latent kept from "
        "another version decodes to a different image",
        examples=["3220c0fb56f2"],
    )
    image_shape: tuple[int, int, int] = Field(
        description="(height, width, channels) of its images", examples=[[28, 28, 1]]
    )
    latent_size: int = Field(description="dimension of the latent space (the layer `latent_layer`)", examples=[100])
    latent_layer: str = Field(
        description='the stochastic layer whose posterior mean is the latent, "h1" the one nearest the image; '
        "prior samples are drawn at the top layer and carried down to it",
        examples=["h1"],
    )
    latent_shape: list[int] = Field(
        description="how the `latent_size` numbers are laid out: [latent_size] for a vector, [rows, columns, "
        "channels] for a latent grid (faces: each cell describes its own patch of the image), cell by cell "
        "with the channels innermost",
        examples=[[100]],
    )
    likelihood: str = Field(
        description='"bernoulli" (binary digits) or "logistic" (8-bit colour)', examples=["bernoulli"]
    )
    dataset: str = Field(description='training data: "mnist" or "celeba"', examples=["mnist"])
    objective: str = Field(description='training objective: "iwae" or "vae"', examples=["iwae"])
    attributes: list[AttributeInfo] = Field(
        description="the model's stored attribute vectors (POST /edit uses them by name)"
    )
    test_nll: float | None = Field(
        description="test negative log-likelihood in nats (null if not evaluated)", examples=[84.8]
    )
    report: dict = Field(description="the full evaluation report: test_nll, k, bounds (−L_k), active_units, …")
    device: str = Field(description="where TensorFlow runs the model", examples=["/CPU:0"])
    decoder: BrowserDecoder | None = Field(
        None,
        description="the model's decoder as ONNX, computing exactly what POST /decode does, for clients that decode "
        "latents themselves (the demo page, with ONNX Runtime Web); null when the bundle has none",
    )
    sample_temperature: float = Field(
        description="the sampling temperature measured best by bench/face_fidelity.py (1 when not measured): "
        "the page's default for POST /sample",
        examples=[0.8],
    )
    samples_from: Literal["prior", "encodings"] = Field(
        description="what POST /sample draws from: the model's prior N(0, I), or (`encodings`) a Gaussian "
        "fitted to the encodings of the training images, for a model whose encodings do not fill its prior",
        examples=["prior"],
    )
    max_k: int = Field(
        description="the most importance samples POST /encode takes for this model (5000 for digits, fewer for "
        "larger images), and the largest k of its `bounds`",
        examples=[5000],
    )


# ---- /encode ----


class PosteriorSample(BaseModel):
    latent: list[float] = Field(description="a sample h ~ q(h|x) at the latent layer")
    weight: float = Field(
        description="its importance weight normalised over the returned samples (they sum to 1)", examples=[0.12]
    )
    image: ImageURL


class EncodeResponse(BaseModel):
    model: str = Field(description="the model that encoded the image", examples=["digits"])
    input: ImageURL = Field(description="the uploaded image as the model sees it (binarised for digits)")
    latent: list[float] = Field(
        description="posterior mean at the model's latent layer", examples=[[0.5, -1.2, 0.0, 0.3]]
    )
    std: list[float] = Field(
        description="posterior standard deviation at the model's latent layer", examples=[[0.1, 0.2, 0.9, 0.1]]
    )
    reconstruction: ImageURL = Field(description="the decoded posterior mean")
    log_likelihood: float = Field(
        description="k-sample IWAE estimate of log p(x) in nats (a lower bound in expectation)", examples=[-86.3]
    )
    k: int = Field(description="importance samples used for log_likelihood", examples=[50])
    samples: list[PosteriorSample] | None = Field(None, description="posterior samples, when `samples` > 0 was asked")
    bounds: dict[str, float] | None = Field(
        None,
        description="when `bounds` was asked: L_k in nats for k = 1, 5, 50, 500, 5000 up to the model's max_k, "
        "each the mean over the disjoint groups of k among one draw of max_k samples",
        examples=[{"1": -95.1, "5": -90.2, "50": -87.0, "500": -86.2, "5000": -86.0}],
    )
    warning: str | None = Field(
        None, description="set when the preprocessing had to guess (no face found, blank drawing)"
    )


# ---- /decode, /sample ----


class DecodeRequest(Strict):
    model: ModelName
    latents: list[Latent] = Field(
        min_length=1, max_length=MAX_BATCH, description="1 to 64 latents to decode", examples=[[[0.5, -1.2, 0.0, 0.3]]]
    )


class Images(BaseModel):
    model: str = Field(examples=["digits"])
    images: list[ImageURL] = Field(description="one PNG per latent, in order")
    strip: ImageURL = Field(description="the images side by side in one PNG")


class SampleRequest(Strict):
    model: ModelName
    n: int = Field(8, ge=1, le=MAX_BATCH, description="how many samples, 1 to 64", examples=[8])
    seed: Seed = 0
    temperature: float = Field(
        1.0,
        ge=0.0,
        le=2.0,
        allow_inf_nan=False,
        description="scales the spread, 0 ≤ t ≤ 2: latents are N(0, t² I) from the prior, or mean + t × (a draw "
        "of the fitted Gaussian's spread) when the model samples from its encodings (GET /models: samples_from); "
        "t = 0 gives the centre, every draw the same: the fitted Gaussian's mean (the average face), or the top "
        "layer's prior mean 0 carried down",
        examples=[0.8],
    )


class SampleResponse(Images):
    latents: list[list[float]] = Field(
        description="the latents that were decoded: draws of the prior, or of the Gaussian fitted to the encodings "
        "(GET /models: samples_from)"
    )


# ---- /interpolate ----


class InterpolateRequest(Strict):
    model: ModelName
    start: Latent
    end: Latent
    steps: int = Field(
        8, ge=2, le=MAX_BATCH, description="points on the path including both ends, 2 to 64", examples=[8]
    )
    method: Literal["slerp", "lerp"] = Field(
        "slerp", description="slerp (spherical, the default) or lerp (straight line)"
    )


IMAGE_HELP = (
    "PNG, JPEG, WebP, GIF (first frame) or BMP, within the server's limits (the API's description lists them: "
    "10 MB and 40 megapixels unless the server sets others). Digits: any dark-on-light or "
    "light-on-dark drawing or photo, cropped and centred like MNIST. Faces: the largest face is found and framed "
    "like CelebA's aligned crops (EXIF orientation applied)."
)


def _true_or_false(value: object) -> object:
    """A form field is text: "true" or "false" (any case) is a boolean, nothing else ("0", "yes") is."""
    if isinstance(value, str):
        if value.lower() not in ("true", "false"):
            raise ValueError("send true or false")
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise ValueError("send true or false")
    return value


FormBool = Annotated[bool, BeforeValidator(_true_or_false)]


class MultipartForm(BaseModel):
    """A multipart form: fields arrive as text and are converted; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class EncodeForm(MultipartForm):
    """The multipart form of POST /encode."""

    image: UploadFile = Field(description=IMAGE_HELP)
    model: ModelName
    k: int = Field(
        50,
        ge=1,
        le=MAX_K,
        description="importance samples for the log-likelihood estimate, 1 to the model's max_k "
        "(GET /models: 5000 for digits)",
        examples=[50],
    )
    samples: int = Field(
        0, ge=0, le=MAX_POSTERIOR_SAMPLES, description="also return this many posterior samples, 0 to 64", examples=[8]
    )
    bounds: FormBool = Field(
        False,
        description="also return the bound L_k for k = 1, 5, 50, 500, 5000 up to the model's max_k "
        "(from one draw of max_k samples)",
    )
    seed: Seed = 0


class InterpolateImagesForm(MultipartForm):
    """The multipart form of POST /interpolate/images."""

    model: ModelName
    start_image: UploadFile = Field(description="the image at the start of the path; " + IMAGE_HELP)
    end_image: UploadFile = Field(description="the image at the end of the path")
    steps: int = Field(8, ge=2, le=MAX_BATCH, description="points including both ends")
    method: Literal["slerp", "lerp"] = Field("slerp", description="spherical or straight path")


class CustomAttributeForm(MultipartForm):
    """The multipart form of POST /attributes/custom."""

    model: ModelName
    with_: list[UploadFile] = Field(
        alias="with",
        description="1 to the server's max_attribute_images (64 unless it sets another) images that have the property",
    )
    without: list[UploadFile] = Field(description="1 to the server's max_attribute_images images that lack it")
    name: str = Field("custom", min_length=1, max_length=100, description="a name for the vector", examples=["mine"])


class InterpolateResponse(Images):
    method: str = Field(examples=["slerp"])
    latents: list[list[float]] = Field(description="the path, start first and end last")
    inputs: list[ImageURL] | None = Field(None, description="for uploaded images: both as the model sees them")
    warnings: list[str] = Field(default_factory=list, description="preprocessing warnings for uploaded images")


# ---- /edit ----


class AttributeOrVector(Strict):
    """A direction in the latent space: a stored attribute's name, or numbers of the client's own."""

    attribute: str | None = Field(
        None, max_length=200, description="a stored attribute's name (GET /models)", examples=["Smiling"]
    )
    vector: Latent | None = Field(
        None, description="instead of `attribute`: a direction of your own, e.g. from POST /attributes/custom"
    )

    @model_validator(mode="after")
    def _one_direction(self):
        if (self.attribute is None) == (self.vector is None):
            raise ValueError("give exactly one of `attribute` and `vector`")
        return self


class Edit(AttributeOrVector):
    scale: float = Field(
        1.0,
        ge=-MAX_SCALE,
        le=MAX_SCALE,
        allow_inf_nan=False,
        description="multiple of the vector to add, −100 to 100",
        examples=[1.5],
    )


class Sweep(AttributeOrVector):
    start: float = Field(
        -2.0, ge=-MAX_SCALE, le=MAX_SCALE, allow_inf_nan=False, description="first scale", examples=[-2.0]
    )
    stop: float = Field(2.0, ge=-MAX_SCALE, le=MAX_SCALE, allow_inf_nan=False, description="last scale", examples=[2.0])
    steps: int = Field(7, ge=2, le=MAX_BATCH, description="scales from start to stop, 2 to 64", examples=[7])


class EditRequest(Strict):
    model: ModelName
    latent: Latent
    edits: list[Edit] = Field(
        default_factory=list, max_length=MAX_BATCH, description="added to the latent: Σ scale·vector"
    )
    sweep: Sweep | None = Field(None, description="also decode the edited latent + s·vector for s from start to stop")


class SweepResponse(BaseModel):
    scales: list[float] = Field(description="the scales of the sweep, in order")
    images: list[ImageURL]
    strip: ImageURL


class EditResponse(BaseModel):
    model: str = Field(examples=["faces"])
    latent: list[float] = Field(description="latent + Σ scale·vector")
    image: ImageURL = Field(description="the edited latent decoded")
    sweep: SweepResponse | None = None


# ---- /attributes/custom ----


class CustomAttribute(BaseModel):
    name: str = Field(description="the name you gave, or 'custom'", examples=["my glasses"])
    vector: list[float] = Field(description="mean latent of the `with` images minus that of the `without` images")
    method: Literal["custom"] = "custom"
    n_positive: int = Field(description="images with the property", examples=[3])
    n_negative: int = Field(description="images without it", examples=[3])
    warnings: list[str] = Field(default_factory=list, description="preprocessing warnings, one per affected image")
