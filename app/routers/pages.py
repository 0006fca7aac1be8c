"""GET /: the browser demo."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.routers.models import summaries

ONNX_RUNTIME_MODULE = "ort.wasm.min.mjs"  # the WebAssembly-only build; it loads ort-wasm-simd-threaded.{mjs,wasm}

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The demo page; `models` is empty while any model is loading (the page then asks /models until it answers)."""
    engine = getattr(request.app.state, "engine", None)
    models = [m.model_dump() for m in summaries(engine)] if engine is not None and engine.loaded else []
    context = {"models": models, "onnx_runtime": request.app.state.onnx_runtime}
    return request.app.state.templates.TemplateResponse(request, "index.html", context)
