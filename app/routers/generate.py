"""Latents → images: POST /decode, /sample, /interpolate and /edit. Each decodes its latents in one
batched engine call and encodes every PNG once.

/decode, /edit and /interpolate are `async`: they await the engine on the event loop instead of
holding one of the thread pool's forty threads each, whose turns on the GIL slowed the loop under
load. Their PNGs are encoded on the loop when the answer is small and in the thread pool when not."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, TypeVar

import numpy as np
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from app.batching import ThreadPoolGate
from app.deps import EngineDep, SettingsDep, WorkerThread
from app.errors import ERROR_RESPONSES
from app.png import images_and_strip, png_data_url, png_data_urls
from app.prepare import read_upload
from app.schemas import (
    DecodeRequest,
    EditRequest,
    EditResponse,
    Images,
    InterpolateImagesForm,
    InterpolateRequest,
    InterpolateResponse,
    SampleRequest,
    SampleResponse,
    SweepResponse,
)
from app.served import Direction, Edited, Interpolation

router = APIRouter(tags=["generate"], responses=ERROR_RESPONSES)

Answer = TypeVar("Answer")
# Encoded on the event loop up to this many pixel values (a digits sweep of 17 frames, one face): a
# digit's PNG costs about 0.02 ms, less than a hand-off to the thread pool; a 16-face sweep costs 5 ms,
# too long to hold the loop (python bench/png_cost.py).
INLINE_PNG_VALUES = 16_384


async def _encoded(build: Callable[[], Answer], values: int, threads: ThreadPoolGate) -> Answer:
    """build() (the answer with its PNGs) on the loop when it holds few pixel values, else in a thread,
    when the thread pool's queue has room (503 otherwise)."""
    if values <= INLINE_PNG_VALUES:
        return build()
    threads.admit()
    return await run_in_threadpool(build)


def _images(model: str, images: np.ndarray) -> Images:
    urls, strip_url = images_and_strip(images)
    return Images(model=model, images=urls, strip=strip_url)


@router.post("/decode")
async def decode(body: DecodeRequest, engine: EngineDep) -> Images:
    """Decode 1 to 64 latents into images, and one strip of them side by side."""
    images = await engine.model(body.model).decode(body.latents)
    return await _encoded(lambda: _images(body.model, images), images.size, engine.threads)


@router.post("/sample", dependencies=[WorkerThread])
def sample(body: SampleRequest, engine: EngineDep) -> SampleResponse:
    """Draw latents and decode them: from the prior N(0, I) × temperature, or, for a model that samples
    from its encodings (GET /models: samples_from), from the Gaussian fitted to them. The same seed
    gives the same images."""
    latents, images = engine.model(body.model).sample(body.n, body.seed, body.temperature)
    return SampleResponse(**_images(body.model, images).model_dump(), latents=latents.tolist())


@router.post("/edit")
async def edit(body: EditRequest, engine: EngineDep) -> EditResponse:
    """Add Σ scale·vector to a latent (stored attributes or your own vectors), decode it, optionally sweep."""
    sweep = body.sweep
    edited = await engine.model(body.model).edit(
        body.latent,
        [(Direction(e.attribute, e.vector), e.scale) for e in body.edits],
        None if sweep is None else (Direction(sweep.attribute, sweep.vector), sweep.start, sweep.stop, sweep.steps),
    )
    answer = partial(_edit_response, body.model, edited)
    return await _encoded(answer, _values(edited.image, edited.sweep_images), engine.threads)


def _values(*arrays: np.ndarray | None) -> int:
    return sum(a.size for a in arrays if a is not None)


def _edit_response(model: str, edited: Edited) -> EditResponse:
    swept = None
    if edited.sweep_images is not None:
        urls, strip_url = images_and_strip(edited.sweep_images)
        swept = SweepResponse(scales=edited.sweep_scales.tolist(), images=urls, strip=strip_url)
    return EditResponse(model=model, latent=edited.latent.tolist(), image=png_data_url(edited.image), sweep=swept)


# ---- /interpolate: latents as JSON; /interpolate/images: two uploads ----


def _interpolation(model: str, method: str, path: Interpolation) -> InterpolateResponse:
    return InterpolateResponse(
        **_images(model, path.images).model_dump(),
        method=method,
        latents=path.latents.tolist(),
        inputs=None if path.inputs is None else png_data_urls(path.inputs),
        warnings=list(path.warnings),
    )


async def json_only(request: Request) -> None:
    """/interpolate takes latents as JSON; two images go to /interpolate/images. (A header check:
    async, so it runs on the event loop instead of the thread pool.)"""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        raise HTTPException(status_code=415, detail="to walk between two images, POST them to /interpolate/images")
    if media_type != "application/json":
        raise HTTPException(status_code=415, detail="send application/json with two latents, `start` and `end`")


@router.post("/interpolate", dependencies=[Depends(json_only)])
async def interpolate(body: InterpolateRequest, engine: EngineDep) -> InterpolateResponse:
    """Walk from one latent to another in `steps` points by slerp (default) or lerp, and decode the path."""
    path = await engine.model(body.model).interpolate(body.start, body.end, body.steps, body.method)
    return await _encoded(lambda: _interpolation(body.model, body.method, path), path.images.size, engine.threads)


@router.post("/interpolate/images", dependencies=[WorkerThread])
def interpolate_images(
    form: Annotated[InterpolateImagesForm, Form(media_type="multipart/form-data")],
    engine: EngineDep,
    settings: SettingsDep,
) -> InterpolateResponse:
    """Walk from one uploaded image to another (their posterior means) in `steps` points, and decode the path."""
    served = engine.model(form.model)  # an unknown model fails before the uploads are read
    start, end = (
        read_upload(f.file, f.filename, settings.max_upload_bytes) for f in (form.start_image, form.end_image)
    )
    return _interpolation(form.model, form.method, served.interpolate_images(start, end, form.steps, form.method))
