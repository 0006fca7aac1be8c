"""What the service refuses, each kind with the HTTP status it answers with, and `refusal`, the
response that says so (sent by app/errors.py's handler, and by the body-limit middleware, which runs
before any handler). Every message says what was wrong and what to do instead.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


class ServiceError(ValueError):
    """A request the service cannot serve."""

    status = 422

    @property
    def headers(self) -> dict[str, str] | None:
        """Headers the refusal carries beside its status (Overloaded: Retry-After)."""
        return None


class UnknownModel(ServiceError, LookupError):
    status = 404


class UnknownAttribute(ServiceError, LookupError):
    status = 404


class NoBrowserDecoder(ServiceError, LookupError):
    """The model's bundle carries no decoder.onnx."""

    status = 404


class InvalidRequest(ServiceError):
    """A field out of range for this model (k above its max_k, too many samples or images, …)."""


class InvalidLatent(InvalidRequest):
    """A latent of the wrong length, or with NaN or infinite values."""


class ImageError(ServiceError):
    """An upload that cannot be used."""


class ImageTooLarge(ImageError):
    """More bytes or pixels than the service accepts."""

    status = 413


class UnsupportedImage(ImageError):
    """Not a PNG, JPEG, WebP, GIF or BMP file."""

    status = 415


class BrokenImage(ImageError):
    """A recognised format whose data is truncated or corrupted."""


class RetryLater(ServiceError):
    """Unavailable for a moment: 503 with Retry-After, the seconds after which asking again should work."""

    status = 503
    retry_after_seconds: int

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after_seconds)}


class Overloaded(RetryLater):
    """More requests waiting than the service queues: come back shortly."""

    retry_after_seconds = 1


class ModelLoading(RetryLater, LookupError):
    """The models, or the one asked for, still loading (the first serves before the others load)."""

    retry_after_seconds = 5  # about the time a model takes to load and warm up here


class ModelNotLoaded(ServiceError, LookupError):
    """A bundle of the server's that failed to load: the server's fault, and waiting will not help
    (no Retry-After); the server log says why."""

    status = 503


def refusal(error: ServiceError) -> JSONResponse:
    """`{"detail": message}` with the refusal's status and headers."""
    return JSONResponse({"detail": str(error)}, status_code=error.status, headers=error.headers)
