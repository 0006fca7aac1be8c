"""POST /attributes/custom: an attribute vector from the client's own examples (nothing is stored)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, UploadFile

from app.deps import EngineDep, SettingsDep, WorkerThread
from app.errors import ERROR_RESPONSES
from app.prepare import read_upload
from app.schemas import CustomAttribute, CustomAttributeForm
from app.served import Upload

router = APIRouter(prefix="/attributes", tags=["attributes"], responses=ERROR_RESPONSES)


@router.post("/custom", dependencies=[WorkerThread])
def custom_attribute(
    form: Annotated[CustomAttributeForm, Form(media_type="multipart/form-data")],
    engine: EngineDep,
    settings: SettingsDep,
) -> CustomAttribute:
    """Make an attribute vector: mean latent of the `with` images minus that of the `without` images."""
    served = engine.model(form.model)  # an unknown model fails before any upload is read

    def uploads(files: list[UploadFile]) -> list[Upload]:
        return [
            (f.filename or "upload", partial(read_upload, f.file, f.filename, settings.max_upload_bytes)) for f in files
        ]

    vector, warnings = served.custom_attribute(uploads(form.with_), uploads(form.without), form.name)
    return CustomAttribute(
        name=vector.name,
        vector=vector.vector.tolist(),
        n_positive=vector.n_positive,
        n_negative=vector.n_negative,
        warnings=warnings,
    )
