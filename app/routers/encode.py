"""POST /encode: an uploaded image → its latent, reconstruction and log-likelihood."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form

from app.deps import EngineDep, SettingsDep, WorkerThread
from app.errors import ERROR_RESPONSES
from app.png import png_data_url, png_data_urls
from app.prepare import read_upload
from app.schemas import EncodeForm, EncodeResponse, PosteriorSample

router = APIRouter(tags=["encode"], responses=ERROR_RESPONSES)


@router.post("/encode", dependencies=[WorkerThread])
def encode(
    form: Annotated[EncodeForm, Form(media_type="multipart/form-data")], engine: EngineDep, settings: SettingsDep
) -> EncodeResponse:
    """Encode an image: posterior mean and std, reconstruction, k-sample log-likelihood estimate (nats)."""
    served = engine.model(form.model)  # an unknown model fails before the upload is read
    data = read_upload(form.image.file, form.image.filename, settings.max_upload_bytes)
    encoded = served.encode(data, form.k, form.samples, form.bounds, form.seed)
    posterior = encoded.posterior
    return EncodeResponse(
        model=form.model,
        input=png_data_url(encoded.prepared.shown),
        latent=encoded.latent.tolist(),
        std=encoded.std.tolist(),
        reconstruction=png_data_url(encoded.reconstruction),
        log_likelihood=encoded.log_likelihood,
        k=form.k,
        samples=None
        if posterior is None
        else [
            PosteriorSample(latent=z.tolist(), weight=float(w), image=url)
            for z, w, url in zip(posterior.latents, posterior.weights, png_data_urls(posterior.images), strict=True)
        ],
        bounds=None if encoded.bounds is None else {str(q): v for q, v in encoded.bounds.items()},
        warning=encoded.prepared.warning,
    )
