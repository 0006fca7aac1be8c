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
from app.errors import ERROR_RESPONSES
from app.png import png_data_url, png_data_urls, strip
from app.prepare import read_upload
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
from app.served import Direction, Interpolation

router = APIRouter(tags=["generate"], responses=ERROR_RESPONSES)


def _images(model: str, images: np.ndarray) -> Images:
    return Images(model=model, images=png_data_urls(images), strip=png_data_url(strip(images)))


@router.post("/decode")
def decode(body: DecodeRequest, engine: EngineDep) -> Images:
    """Decode 1 to 64 latents into images, and one strip of them side by side."""
    return _images(body.model, engine.model(body.model).decode(body.latents))


@router.post("/sample")
def sample(body: SampleRequest, engine: EngineDep) -> SampleResponse:
    """Draw latents from the prior N(0, I) × temperature and decode them; the same seed gives the same images."""
    latents, images = engine.model(body.model).sample(body.n, body.seed, body.temperature)
    return SampleResponse(**_images(body.model, images).model_dump(), latents=latents.tolist())


@router.post("/edit")
def edit(body: EditRequest, engine: EngineDep) -> EditResponse:
    """Add Σ scale·vector to a latent (stored attributes or your own vectors), decode it, optionally sweep."""
    sweep = body.sweep
    edited = engine.model(body.model).edit(
        body.latent,
        [(Direction(e.attribute, e.vector), e.scale) for e in body.edits],
        None if sweep is None else (Direction(sweep.attribute, sweep.vector), sweep.start, sweep.stop, sweep.steps),
    )
    swept = None
    if edited.sweep_images is not None:
        swept = SweepResponse(
            scales=edited.sweep_scales.tolist(),
            images=png_data_urls(edited.sweep_images),
            strip=png_data_url(strip(edited.sweep_images)),
        )
    return EditResponse(model=body.model, latent=edited.latent.tolist(), image=png_data_url(edited.image), sweep=swept)


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


def _interpolation(model: str, method: str, path: Interpolation) -> InterpolateResponse:
    return InterpolateResponse(
        **_images(model, path.images).model_dump(),
        method=method,
        latents=path.latents.tolist(),
        inputs=None if path.inputs is None else png_data_urls(path.inputs),
        warnings=list(path.warnings),
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
        served = engine.model(body.model)
        path = await run_in_threadpool(served.interpolate, body.start, body.end, body.steps, body.method)
        return _interpolation(body.model, body.method, path)
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
            served = engine.model(fields.model)
            data = [
                await run_in_threadpool(read_upload, upload.file, upload.filename, settings.max_upload_bytes)
                for upload in files.values()
            ]
        path = await run_in_threadpool(served.interpolate_images, *data, fields.steps, fields.method)
        return _interpolation(fields.model, fields.method, path)
    raise HTTPException(
        status_code=415, detail="send application/json (two latents) or multipart/form-data (two images)"
    )
