"""Every failure becomes a 4xx with a `detail` a person can act on; anything unforeseen becomes a
logged, clean 500 and the server keeps serving."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.exceptions import ServiceError, refusal
from app.schemas import Message

log = logging.getLogger(__name__)

# The error bodies every route may answer with, for the OpenAPI document.
ERROR_RESPONSES = {
    400: {"model": Message, "description": "a body that cannot be parsed (e.g. not UTF-8)"},
    404: {"model": Message, "description": "unknown model or attribute"},
    413: {"model": Message, "description": "upload larger than the byte or pixel limit"},
    415: {"model": Message, "description": "not a PNG, JPEG, WebP, GIF or BMP image"},
    422: {
        "model": Message,
        "description": "invalid field (out of range, wrong latent length, NaN, truncated image, …)",
    },
    503: {
        "model": Message,
        "description": "models still loading or too many requests waiting (both with Retry-After), or the "
        "model failed to load",
    },
}


def _location(loc: tuple) -> str:
    """("body", "latents", 0, 3) → "latents[0][3]"."""
    parts = [p for p in loc if p not in ("body", "query", "form", "path", "header")] or list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "request"


async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in error.errors()
    ]
    detail = "; ".join(f"{_location(tuple(e['loc']))}: {e['msg']}" for e in errors) or "invalid request"
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


async def known_error(request: Request, error: ServiceError) -> JSONResponse:
    """Each kind of refusal carries its own status and headers (app/exceptions.py): overload says when to retry."""
    return refusal(error)


async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse(
        {"detail": "internal error: the request could not be processed (see the server log)"}, status_code=500
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ServiceError, known_error)
    app.add_exception_handler(Exception, unexpected_error)
