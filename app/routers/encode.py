"""POST /encode: an uploaded image → its latent, reconstruction and log-likelihood."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from app.deps import EngineDep, SettingsDep
from app.errors import ERROR_RESPONSES
from app.png import png_data_url, png_data_urls
from app.prepare import read_upload
from app.schemas import MAX_POSTERIOR_SAMPLES, EncodeResponse, PosteriorSample
from app.served import MAX_K

router = APIRouter(tags=["encode"], responses=ERROR_RESPONSES)

IMAGE_HELP = (
    "PNG, JPEG, WebP, GIF (first frame) or BMP, at most 10 MB and 40 megapixels. Digits: any dark-on-light or "
    "light-on-dark drawing or photo, cropped and centred like MNIST. Faces: the largest face is found and framed "
    "like CelebA's aligned crops (EXIF orientation applied)."
)


@router.post("/encode")
def encode(
    engine: EngineDep,
    settings: SettingsDep,
    image: Annotated[UploadFile, File(description=IMAGE_HELP)],
    model: Annotated[str, Form(min_length=1, max_length=100, description="a served model's name", examples=["digits"])],
    k: Annotated[
        int,
        Form(
            ge=1,
            le=MAX_K,
            description="importance samples for the log-likelihood estimate, 1 to the model's max_k "
            "(GET /models: 5000 for digits)",
            examples=[50],
        ),
    ] = 50,
    samples: Annotated[
        int,
        Form(
            ge=0, le=MAX_POSTERIOR_SAMPLES, description="also return this many posterior samples, 0 to 64", examples=[8]
        ),
    ] = 0,
    bounds: Annotated[
        bool,
        Form(
            description="also return the bound L_k for k = 1, 5, 50, 500, 5000 up to the model's max_k "
            "(from one draw of max_k samples)"
        ),
    ] = False,
    seed: Annotated[int, Form(ge=0, le=2**31 - 1, description="random seed; the same seed gives the same answer")] = 0,
) -> EncodeResponse:
    """Encode an image: posterior mean and std, reconstruction, k-sample log-likelihood estimate (nats)."""
    served = engine.model(model)  # an unknown model fails before the upload is read
    data = read_upload(image.file, image.filename, settings.max_upload_bytes)
    encoded = served.encode(data, k, samples, bounds, seed)
    posterior = encoded.posterior
    return EncodeResponse(
        model=model,
        input=png_data_url(encoded.prepared.shown),
        latent=encoded.latent.tolist(),
        std=encoded.std.tolist(),
        reconstruction=png_data_url(encoded.reconstruction),
        log_likelihood=encoded.log_likelihood,
        k=k,
        samples=None
        if posterior is None
        else [
            PosteriorSample(latent=z.tolist(), weight=float(w), image=url)
            for z, w, url in zip(posterior.latents, posterior.weights, png_data_urls(posterior.images), strict=True)
        ],
        bounds=None if encoded.bounds is None else {str(q): v for q, v in encoded.bounds.items()},
        warning=encoded.prepared.warning,
    )
