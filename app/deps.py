"""Typed dependencies: the settings and the engine, reached through the app's state so tests can
override either with `app.dependency_overrides[get_engine] = ...`.

They are `async def` because they only look things up: FastAPI runs a plain `def` dependency in its
thread pool, and that hand-off cost about 13 % of the event loop's time per /decode under load."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.config import Settings
from app.engine import Engine
from app.exceptions import ModelLoading, ModelNotLoaded


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    """The engine once a model serves; 503 before, or when none could be loaded. A model still loading
    behind the first is refused by the engine's lookup (ModelLoading, 503 with Retry-After)."""
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None or not engine.serving:
        raise ModelLoading("the models are still loading; retry in a few seconds (GET /readyz says when)")
    if not engine.names:  # the server's failure, not the client's: no 404 "unknown model"
        raise ModelNotLoaded(engine.unloaded())
    return engine


async def get_loaded_engine(engine: Annotated[Engine, Depends(get_engine)]) -> Engine:
    """The engine once every bundle is loaded or skipped: for what describes them all (/models), which a
    client reads once and keeps."""
    if not engine.loaded:
        loading = ", ".join(engine.loading)
        raise ModelLoading(f"still loading {loading}; retry in a few seconds (GET /readyz lists them)")
    return engine


async def admit_to_a_worker_thread(engine: Annotated[Engine, Depends(get_engine)]) -> None:
    """For the routes that run in the thread pool (uploads, /sample): 503 with Retry-After when too many
    requests already wait for one of its threads, instead of one more in a queue without end."""
    engine.threads.admit()


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
LoadedEngineDep = Annotated[Engine, Depends(get_loaded_engine)]
WorkerThread = Depends(admit_to_a_worker_thread)
