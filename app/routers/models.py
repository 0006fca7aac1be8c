"""GET /models: what is served."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import FileResponse, Response

from app.deps import EngineDep, LoadedEngineDep
from app.engine import Engine
from app.errors import ERROR_RESPONSES
from app.schemas import AttributeInfo, AttributeVectors, BrowserDecoder, ModelSummary

router = APIRouter(tags=["models"], responses={503: ERROR_RESPONSES[503]})


def summaries(engine: Engine) -> list[ModelSummary]:
    """Every served model, described."""
    out = []
    for name in engine.names:
        info = engine.model(name).info
        out.append(
            ModelSummary(
                name=info.name,
                version=info.version,
                image_shape=info.image_shape,
                latent_size=info.latent_size,
                latent_layer=info.latent_layer,
                latent_shape=list(info.latent_shape),
                likelihood=info.likelihood,
                dataset=info.dataset,
                objective=info.objective,
                attributes=[AttributeInfo.of(a) for a in info.attributes.values()],
                test_nll=info.report.get("test_nll"),
                report=info.report,
                device=info.device,
                sample_temperature=info.sample_temperature,
                samples_from=info.samples_from,
                max_k=info.max_k,
                decoder=BrowserDecoder(
                    url=f"/models/{info.name}/decoder.onnx",
                    bytes=info.decoder.bytes,
                    input=info.decoder.input,
                    output=info.decoder.output,
                    vectors_url=f"/models/{info.name}/vectors",
                )
                if info.decoder is not None
                else None,
            )
        )
    return out


@router.get("/models")
def list_models(engine: LoadedEngineDep) -> list[ModelSummary]:
    """List the served models: image shape, latent size, attribute vectors, evaluation report, device
    (503 with Retry-After while a model is still loading: the list describes them all)."""
    return summaries(engine)


@router.get(
    "/models/{name}/decoder.onnx",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        304: {"description": "the client's copy (If-None-Match) is current"},
        404: ERROR_RESPONSES[404],
    },
)
def browser_decoder(name: str, engine: EngineDep, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """The model's decoder as an ONNX graph: latent (N, latent_size) → image (N, H, W, C) in [0, 1], what
    POST /decode computes. 404 when the bundle has none. Its ETag is the file's sha256: a client that
    sends it back in If-None-Match gets 304 instead of the file again."""
    decoder = engine.model(name).browser_decoder()
    # `no-cache`: a browser keeps the file but asks each time, so a replaced bundle is never served stale.
    headers = {"Cache-Control": "no-cache", "ETag": decoder.etag}
    if if_none_match is not None and _matches(if_none_match, decoder.etag):
        return Response(status_code=304, headers=headers)
    return FileResponse(decoder.path, media_type="application/octet-stream", headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): any listed tag equal to ours, W/ aside, or "*"."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get("/models/{name}/vectors", responses={404: ERROR_RESPONSES[404]})
def attribute_vectors(name: str, engine: EngineDep) -> AttributeVectors:
    """The model's stored attribute vectors: POST /edit adds scale × vector to the latent; a client that
    decodes itself adds them the same way."""
    info = engine.model(name).info
    vectors = {attribute: vector.vector.tolist() for attribute, vector in info.attributes.items()}
    return AttributeVectors(model=name, latent_size=info.latent_size, vectors=vectors)
