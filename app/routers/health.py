"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.errors import ERROR_RESPONSES
from app.exceptions import ModelLoading, refusal
from app.schemas import Message, Readiness, Status

router = APIRouter(tags=["operations"])


# Both only look things up: `async`, so they answer on the event loop instead of waiting for a thread.
@router.get("/healthz")
async def healthz() -> Status:
    """The process is alive (it may still be loading models)."""
    return Status(status="ok")


@router.get(
    "/readyz",
    responses={
        422: ERROR_RESPONSES[422],
        503: {"model": Message, "description": "still loading, or a bundle failed to load"},
    },
)
async def readyz(
    request: Request,
    every_model: Annotated[
        bool, Query(description="200 only once every model is loaded and warm, not as soon as the first serves")
    ] = False,
) -> Readiness:
    """200 once the first model serves (with `every_model`, once all do), listing the models served and
    the bundles still loading (a model not yet served answers 503 with Retry-After); 503 before (with
    Retry-After), and for good when a bundle could not be loaded: a replica that cannot serve every
    model it was given must not take traffic. A corrupted bundle is refused before any model serves;
    one whose weights fail to load turns a ready replica unready when it does."""
    engine = getattr(request.app.state, "engine", None)
    if engine is None or not engine.serving:
        return refusal(ModelLoading("still loading the models"))
    if (unloaded := engine.unloaded()) is not None:
        return JSONResponse({"detail": unloaded}, status_code=503)
    if every_model and not engine.loaded:
        return refusal(ModelLoading(f"still loading {', '.join(engine.loading)}"))
    return Readiness(status="ready", models=engine.names, loading=engine.loading)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}, "description": "Prometheus text format"}},
)
def metrics(request: Request) -> Response:
    """Prometheus metrics: requests and latency per route, model inference time."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
