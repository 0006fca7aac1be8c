"""Latents → images: POST /decode, /sample, /interpolate and /edit. Each decodes its latents in one
batched engine call and encodes every PNG once."""

from __future__ import annotations

import json

import numpy as np
from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.deps import EngineDep, SettingsDep
from app.engine import Engine
from app.errors import ERROR_RESPONSES
from app.images import png_data_url, png_data_urls, strip
from app.schemas import (
    DecodeRequest,
    EditRequest,
    EditResponse,
    Images,
    InterpolateForm,
    InterpolateRequest,
    InterpolateResponse,
    SampleRequest,
    SampleResponse,
    SweepResponse,
)
from app.uploads import prepare, read_limited
from model import latent as latent_math

router = APIRouter(tags=["generate"], responses=ERROR_RESPONSES)


def _images(model: str, images: np.ndarray) -> Images:
    return Images(model=model, images=png_data_urls(images), strip=png_data_url(strip(images)))


@router.post("/decode")
def decode(body: DecodeRequest, engine: EngineDep) -> Images:
    """Decode 1 to 64 latents into images, and one strip of them side by side."""
    return _images(body.model, engine.decode(body.model, body.latents))


@router.post("/sample")
def sample(body: SampleRequest, engine: EngineDep) -> SampleResponse:
    """Draw latents from the prior N(0, I) × temperature and decode them; the same seed gives the same images."""
    latents = engine.sample_prior(body.model, body.n, body.seed, body.temperature)
    images = _images(body.model, engine.decode(body.model, latents))
    return SampleResponse(**images.model_dump(), latents=latents.tolist())


def _direction(engine: Engine, model: str, attribute: str | None, vector: list[float] | None, what: str) -> np.ndarray:
    if attribute is not None:
        return engine.attribute(model, attribute)
    return engine.check_latent(model, vector, what)


@router.post("/edit")
def edit(body: EditRequest, engine: EngineDep) -> EditResponse:
    """Add Σ scale·vector to a latent (stored attributes or your own vectors), decode it, optionally sweep."""
    latent = engine.check_latent(body.model, body.latent)
    vectors = [
        _direction(engine, body.model, e.attribute, e.vector, f"edits[{i}].vector") for i, e in enumerate(body.edits)
    ]
    edited = latent_math.apply_edits(latent, vectors, [e.scale for e in body.edits])
    latents, scales = edited[None], None
    if body.sweep is not None:
        vector = _direction(engine, body.model, body.sweep.attribute, body.sweep.vector, "sweep.vector")
        scales, swept = latent_math.sweep(edited, vector, body.sweep.start, body.sweep.stop, body.sweep.steps)
        latents = np.concatenate([latents, swept])
    images = engine.decode(body.model, latents)  # the edit and the whole sweep in one call
    sweep = None
    if scales is not None:
        sweep = SweepResponse(
            scales=scales.tolist(), images=png_data_urls(images[1:]), strip=png_data_url(strip(images[1:]))
        )
    return EditResponse(model=body.model, latent=edited.tolist(), image=png_data_url(images[0]), sweep=sweep)


# ---- /interpolate: one route, two content types ----

_FORM_SCHEMA = {
    "type": "object",
    "required": ["model", "start_image", "end_image"],
    "properties": {
        "model": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "description": "a served model's name",
            "examples": ["digits"],
        },
        "start_image": {"type": "string", "format": "binary", "description": "the image at the start of the path"},
        "end_image": {"type": "string", "format": "binary", "description": "the image at the end of the path"},
        "steps": {
            "type": "integer",
            "minimum": 2,
            "maximum": 64,
            "default": 8,
            "description": "points including both ends",
        },
        "method": {
            "type": "string",
            "enum": ["slerp", "lerp"],
            "default": "slerp",
            "description": "spherical or straight path",
        },
    },
}
_INTERPOLATE_BODY = {
    "requestBody": {
        "required": True,
        "description": "two latents as JSON, or two images as a multipart form (their posterior means are the ends)",
        "content": {
            "application/json": {"schema": InterpolateRequest.model_json_schema()},
            "multipart/form-data": {"schema": _FORM_SCHEMA},
        },
    }
}


def _path(
    engine: Engine, model: str, start: np.ndarray, end: np.ndarray, steps: int, method: str
) -> tuple[np.ndarray, np.ndarray]:
    path = (latent_math.slerp if method == "slerp" else latent_math.lerp)(start, end, steps)
    return path, engine.decode(model, path)


def _between_latents(engine: Engine, body: InterpolateRequest) -> InterpolateResponse:
    start = engine.check_latent(body.model, body.start, "start")
    end = engine.check_latent(body.model, body.end, "end")
    path, images = _path(engine, body.model, start, end, body.steps, body.method)
    return InterpolateResponse(**_images(body.model, images).model_dump(), method=body.method, latents=path.tolist())


def _between_images(engine: Engine, settings, form: InterpolateForm, start: bytes, end: bytes) -> InterpolateResponse:
    (start_x, start_warning), (end_x, end_warning) = (
        prepare(engine, settings, form.model, data) for data in (start, end)
    )
    means, _ = engine.encode(form.model, np.concatenate([start_x, end_x]))
    path, images = _path(engine, form.model, means[0], means[1], form.steps, form.method)
    shown = engine.input_intensities(form.model, np.concatenate([start_x, end_x]))
    return InterpolateResponse(
        **_images(form.model, images).model_dump(),
        method=form.method,
        latents=path.tolist(),
        inputs=png_data_urls(shown),
        warnings=[f"{which}: {w}" for which, w in (("start_image", start_warning), ("end_image", end_warning)) if w],
    )


def _invalid(error: ValidationError, where: str) -> RequestValidationError:
    return RequestValidationError([{**e, "loc": (where, *e["loc"])} for e in error.errors(include_url=False)])


@router.post("/interpolate", openapi_extra=_INTERPOLATE_BODY)
async def interpolate(request: Request, engine: EngineDep, settings: SettingsDep) -> InterpolateResponse:
    """Walk from one latent to another (JSON `start`, `end`) or from one uploaded image to another (multipart
    `start_image`, `end_image`) in `steps` points by slerp (default) or lerp, and decode the path."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        try:
            body = InterpolateRequest.model_validate(json.loads(await request.body()))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise RequestValidationError(
                [{"loc": ("body",), "msg": f"JSON decode error: {error}", "type": "json_invalid"}]
            ) from error
        except ValidationError as error:
            raise _invalid(error, "body") from error
        return await run_in_threadpool(_between_latents, engine, body)
    if media_type == "multipart/form-data":
        async with request.form(max_files=2, max_fields=10) as form:
            files = {name: form.get(name) for name in ("start_image", "end_image")}
            missing = [
                {"loc": ("form", name), "msg": "upload an image file here", "type": "missing"}
                for name, value in files.items()
                if not isinstance(value, UploadFile)
            ]
            try:
                fields = InterpolateForm.model_validate({k: v for k, v in form.items() if k not in files})
            except ValidationError as error:
                raise RequestValidationError([*missing, *_invalid(error, "form").errors()]) from error
            if missing:
                raise RequestValidationError(missing)
            data = [
                await run_in_threadpool(read_limited, upload.file, upload.filename, settings)
                for upload in files.values()
            ]
        return await run_in_threadpool(_between_images, engine, settings, fields, *data)
    raise HTTPException(
        status_code=415, detail="send application/json (two latents) or multipart/form-data (two images)"
    )
