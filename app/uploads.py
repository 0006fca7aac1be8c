"""From an uploaded file to model inputs: size limits, safe decoding, the model's preprocessing."""

from __future__ import annotations

from typing import BinaryIO

import numpy as np

from app.config import Settings
from app.engine import Engine
from app.images import ImageTooLarge, model_intensities, open_image
from app.limits import readable_size


def read_limited(file: BinaryIO, filename: str | None, settings: Settings) -> bytes:
    """The file's bytes, or ImageTooLarge when it exceeds settings.max_upload_bytes."""
    data = file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise ImageTooLarge(
            f"{filename or 'the upload'} is larger than {readable_size(settings.max_upload_bytes)}: "
            "send a smaller image"
        )
    return data


def prepare(engine: Engine, settings: Settings, model: str, data: bytes) -> tuple[np.ndarray, str | None]:
    """Image bytes → model inputs (1, H, W, C) preprocessed like the model's training data, and a
    preprocessing warning or None."""
    info = engine.info(model)  # an unknown model fails before any decoding
    image = open_image(data, settings.max_image_pixels)
    intensities, warning = model_intensities(image, info.image_shape, info.dataset)
    return engine.model_inputs(model, intensities[None]), warning
