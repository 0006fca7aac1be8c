"""GET /models: what is served."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import EngineDep
from app.engine import Engine
from app.errors import ERROR_RESPONSES
from app.schemas import AttributeInfo, ModelSummary

router = APIRouter(tags=["models"], responses={503: ERROR_RESPONSES[503]})


def summaries(engine: Engine) -> list[ModelSummary]:
    """Every served model, described."""
    out = []
    for name in engine.names:
        info = engine.model(name).info
        out.append(
            ModelSummary(
                name=info.name,
                image_shape=info.image_shape,
                latent_size=info.latent_size,
                latent_layer=info.latent_layer,
                likelihood=info.likelihood,
                dataset=info.dataset,
                objective=info.objective,
                attributes=[
                    AttributeInfo(name=a.name, method=a.method, n_positive=a.n_positive, n_negative=a.n_negative)
                    for a in info.attributes.values()
                ],
                test_nll=info.report.get("test_nll"),
                report=info.report,
                device=info.device,
                max_k=info.max_k,
            )
        )
    return out


@router.get("/models")
def list_models(engine: EngineDep) -> list[ModelSummary]:
    """List the served models: image shape, latent size, attribute vectors, evaluation report, device."""
    return summaries(engine)
