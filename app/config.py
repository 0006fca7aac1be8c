"""Service settings: one pydantic-settings class read from `IWAE_*` environment variables.

Bad values fail at start-up, not on the first request. The defaults are the ones the service's parts
take when built without settings (app/limits.py Limits, app/batching.py Queueing), named once there.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, PositiveFloat, PositiveInt, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.batching import Queueing
from app.limits import DECODE_PIXEL_BUDGET, Limits

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where the models are and how much a client may send. Every field is `IWAE_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="IWAE_", frozen=True)

    bundles_dir: Path = Field(
        ROOT / "model" / "bundles", description="directory holding one sub-directory per model bundle"
    )
    templates_dir: Path = Field(ROOT / "templates", description="Jinja2 templates of the browser demo")
    static_dir: Path = Field(ROOT / "static", description="static files of the browser demo, served under /static")
    onnxruntime_dir: Path = Field(
        ROOT / "node_modules" / "onnxruntime-web" / "dist",
        description="ONNX Runtime Web (npm), served under /vendor/onnxruntime-web so the page can decode latents "
        "itself; without it the page decodes on the server",
    )
    max_upload_bytes: PositiveInt = Field(10 * 1024 * 1024, description="largest accepted image file (413 above)")
    max_request_bytes: PositiveInt = Field(
        64 * 1024 * 1024, description="largest accepted multipart request body, uploads (413 above)"
    )
    max_json_bytes: PositiveInt = Field(
        8 * 1024 * 1024, description="largest accepted body of any other request, JSON of latents (413 above)"
    )
    max_concurrent_uploads: PositiveInt = Field(
        16,
        description="multipart requests (uploads) received or served at once; one more waits for a slot before its "
        "body is read, then after 2 s gets 503 with Retry-After (files over 1 MB are spooled to /tmp while they "
        "arrive: up to this many times max_request_bytes)",
    )
    max_image_pixels: PositiveInt = Field(
        Limits.max_image_pixels, description="largest accepted width × height, checked before decoding (413 above)"
    )
    decode_pixel_budget: PositiveInt = Field(
        DECODE_PIXEL_BUDGET,
        description="decoded pixels all uploads being prepared at once may hold (memory: about 9 bytes each); "
        "an upload that finds no room for 2 s gets 503",
    )
    max_attribute_images: PositiveInt = Field(
        Limits.max_attribute_images, description="most images per side of POST /attributes/custom"
    )
    batch_wait_ms: PositiveFloat = Field(
        Queueing.batch_wait * 1000,
        description="how long a decode or encode waits for concurrent requests to share its model call",
    )
    batch_queue: PositiveInt = Field(
        Queueing.batch_queue,
        description="decode or encode requests waiting per model before the next is refused with 503",
    )
    upload_queue: PositiveInt = Field(
        Queueing.upload_queue,
        description="uploads' log-likelihoods (k ≤ 100) and posterior samples (≤ 16) waiting per model before 503 "
        "(one runs at a time, beside the decodes)",
    )
    expensive_queue: PositiveInt = Field(
        Queueing.expensive_queue,
        description="log-likelihoods with k > 100 (bounds) and requests for more than 16 posterior samples waiting "
        "per model before 503 (one runs at a time)",
    )
    thread_queue: PositiveInt = Field(
        Queueing.thread_queue,
        description="requests waiting for one of the 40 worker threads (uploads, /sample, decodes of 8 or more "
        "latents) before the next is refused with 503",
    )
    warm_up: bool = Field(
        True,
        description="run every compiled function once per shape: encode and decode before a model serves, its upload "
        "functions right after",
    )
    load_in_background: bool = Field(
        True,
        description="load bundles in a thread after start-up (/healthz answers at once, /readyz says 503 until the "
        "first model serves)",
    )

    @model_validator(mode="after")
    def _limits_fit_each_other(self) -> Settings:
        """Limits that would contradict each other: an upload larger than any request may be, or one
        image larger than all uploads together may hold (the budget would let it through alone)."""
        if self.max_upload_bytes > self.max_request_bytes:
            raise ValueError(
                f"IWAE_MAX_UPLOAD_BYTES ({self.max_upload_bytes}) must not exceed IWAE_MAX_REQUEST_BYTES "
                f"({self.max_request_bytes}), the largest multipart body that carries it"
            )
        if self.max_image_pixels > self.decode_pixel_budget:
            raise ValueError(
                f"IWAE_MAX_IMAGE_PIXELS ({self.max_image_pixels}) must not exceed IWAE_DECODE_PIXEL_BUDGET "
                f"({self.decode_pixel_budget}), the pixels all uploads being decoded may hold"
            )
        return self
