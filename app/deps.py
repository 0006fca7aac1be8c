"""Typed dependencies: the settings and the engine, reached through the app's state so tests can
override either with `app.dependency_overrides[get_engine] = ...`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.config import Settings
from app.engine import Engine


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    """The loaded engine; 503 while the models are still loading."""
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None or not engine.ready:
        raise HTTPException(
            status_code=503, detail="the models are still loading; retry in a few seconds (GET /readyz says when)"
        )
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
