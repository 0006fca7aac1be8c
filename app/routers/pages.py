"""GET /: the browser demo."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.routers.models import summaries

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The demo page; `models` is empty while the models are loading."""
    engine = getattr(request.app.state, "engine", None)
    models = [m.model_dump() for m in summaries(engine)] if engine is not None and engine.ready else []
    return request.app.state.templates.TemplateResponse(request, "index.html", {"models": models})
