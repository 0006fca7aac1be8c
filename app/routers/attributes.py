"""POST /attributes/custom: an attribute vector from the client's own examples (nothing is stored)."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, File, Form, UploadFile

from app.deps import EngineDep, SettingsDep
from app.engine import InvalidLatent
from app.errors import ERROR_RESPONSES
from app.schemas import CustomAttribute
from app.uploads import prepare, read_limited

router = APIRouter(prefix="/attributes", tags=["attributes"], responses=ERROR_RESPONSES)


@router.post("/custom")
def custom_attribute(
    engine: EngineDep,
    settings: SettingsDep,
    model: Annotated[str, Form(min_length=1, max_length=100, description="a served model's name", examples=["faces"])],
    with_: Annotated[list[UploadFile], File(alias="with", description="1 to 64 images that have the property")],
    without: Annotated[list[UploadFile], File(description="1 to 64 images that lack it")],
    name: Annotated[
        str, Form(min_length=1, max_length=100, description="a name for the vector", examples=["my glasses"])
    ] = "custom",
) -> CustomAttribute:
    """Make an attribute vector: mean latent of the `with` images minus that of the `without` images."""
    limit = settings.max_attribute_images
    for field, files in (("with", with_), ("without", without)):
        if not 1 <= len(files) <= limit:
            raise InvalidLatent(f"`{field}` needs 1 to {limit} images, got {len(files)}")
    engine.info(model)  # unknown model: 404 before any decoding
    inputs, warnings = [], []
    for field, files in (("with", with_), ("without", without)):
        for i, upload in enumerate(files):
            x, warning = prepare(engine, settings, model, read_limited(upload.file, upload.filename, settings))
            inputs.append(x)
            if warning:
                warnings.append(f"{field}[{i}] ({upload.filename}): {warning}")
    positive, negative = np.concatenate(inputs[: len(with_)]), np.concatenate(inputs[len(with_) :])
    vector = engine.custom_attribute(model, positive, negative, name)
    return CustomAttribute(
        name=vector.name,
        vector=vector.vector.tolist(),
        n_positive=vector.n_positive,
        n_negative=vector.n_negative,
        warnings=warnings,
    )
