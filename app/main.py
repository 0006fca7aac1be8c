"""The FastAPI app: settings, the engine loaded once in the lifespan, one router per resource."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import errors, openapi
from app.batching import Queueing
from app.config import Settings
from app.engine import Engine
from app.limits import BodyLimitMiddleware, Limits, PixelBudget
from app.metrics import Metrics, MetricsMiddleware
from app.routers import attributes, encode, generate, health, models, pages
from app.routers.pages import ONNX_RUNTIME_MODULE

log = logging.getLogger(__name__)

ONNX_RUNTIME_URL = "/vendor/onnxruntime-web"

DESCRIPTION = """\
A trained Importance Weighted Autoencoder (Burda, Grosse & Salakhutdinov, 2015) whose latent space
you can explore: encode an image and estimate its log-likelihood, decode, interpolate, edit along
attribute vectors, and sample. Images come back as PNG data URLs. Errors are `{"detail": "..."}`.
"""


def freeze_what_is_alive() -> None:
    """Moves every object alive (TensorFlow, Keras, the models: millions of them) into the garbage
    collector's permanent generation. Unfrozen, every full collection walked them all, about 180 ms
    holding the GIL and so the event loop, several times a second under load: the cause of a p99 near
    250 ms on every route that decodes (measured with a loop-lag probe and gc.callbacks). Frozen, a
    collection scans only what requests create. Then turns the collector on: `iwae serve` starts with it
    off. No collection first: after the first model that walked 640,000 objects in 0.4–0.6 s, a stall
    of the event loop just after the server said ready, to free 10,000 of them (2 %: importing and
    tracing leave little garbage), which now stay for the process's life."""
    gc.freeze()
    gc.enable()


def load_and_freeze(engine: Engine, warm_up: bool) -> None:
    """Loads every model, freezing what each leaves alive once it has loaded; the collector is on
    afterwards whatever happened (no bundle at all, or every one failing)."""
    try:
        engine.load(warm_up, after_each=freeze_what_is_alive)
    finally:
        gc.enable()


def _mount_files(app: FastAPI, settings: Settings) -> None:
    """The page's own files at /static, and ONNX Runtime Web when npm has installed it (without it, the
    page decodes on the server)."""
    if settings.static_dir.is_dir():
        app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    else:
        log.warning("no static directory at %s: /static is not served", settings.static_dir)
    app.state.onnx_runtime = ""  # the module the page imports, when there is one
    if (settings.onnxruntime_dir / ONNX_RUNTIME_MODULE).is_file():
        app.mount(ONNX_RUNTIME_URL, StaticFiles(directory=settings.onnxruntime_dir), name="onnxruntime")
        app.state.onnx_runtime = f"{ONNX_RUNTIME_URL}/{ONNX_RUNTIME_MODULE}"
    else:  # the page decodes on the server
        log.info(
            "no ONNX Runtime Web at %s (npm ci installs it): the demo decodes on the server", settings.onnxruntime_dir
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service: routes, error handlers, middleware and files; the models load in its lifespan (in a
    thread when `load_in_background`, so that /healthz answers at once)."""
    settings = settings or Settings()
    metrics = Metrics()
    batches = metrics.batch_observer()  # batch sizes, queue depths and refusals, of the engine and the body limit

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limits = Limits(
            settings.max_image_pixels, settings.max_attribute_images, PixelBudget(settings.decode_pixel_budget)
        )
        queueing = Queueing(
            batch_wait=settings.batch_wait_ms / 1000,
            batch_queue=settings.batch_queue,
            upload_queue=settings.upload_queue,
            expensive_queue=settings.expensive_queue,
            thread_queue=settings.thread_queue,
        )
        engine = Engine(settings.bundles_dir, metrics.observe_inference, limits, queueing, batches=batches)
        app.state.engine = engine
        if settings.load_in_background:  # /healthz answers at once; /readyz is 503 until the first model serves
            threading.Thread(
                target=load_and_freeze, args=(engine, settings.warm_up), name="load-models", daemon=True
            ).start()
        else:
            await anyio.to_thread.run_sync(load_and_freeze, engine, settings.warm_up)
        yield

    app = FastAPI(
        title="IWAE latent lab",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,  # operation ids: "encode", not "encode_encode_post"
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.templates = Jinja2Templates(directory=str(settings.templates_dir))
    errors.install(app)
    openapi.install(app, settings)
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_request_bytes,
        json_limit=settings.max_json_bytes,
        max_uploads=settings.max_concurrent_uploads,
        shed=batches.shed,
        depth=batches.depth,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    for module in (models, encode, generate, attributes, health, pages):
        app.include_router(module.router)
    _mount_files(app, settings)
    return app


app = create_app()  # `uvicorn app.main:app`; models load in the lifespan, not at import
