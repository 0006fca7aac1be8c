"""Limits on what requests may cost: bodies larger than a limit are refused with 413 before they are
parsed or stored, and the pixels of uploads being decoded at once are bounded (PixelBudget)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import anyio
from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.exceptions import Overloaded, refusal


def readable_size(n: int) -> str:
    """10485760 → "10 MB", 1500 → "1.5 KB", 100 → "100 bytes"."""
    for unit, size in (("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


class BodyLimitMiddleware:
    """413 for a declared Content-Length above the limit (the body is never read) and for a streamed
    body that grows past it (the parser stops at that point). Uploads (multipart) may be `limit` bytes;
    every other body, JSON of latents, `json_limit`: the largest a client needs is 64 latents of 4,096
    numbers, about 5 MB, while parsing 64 MB of JSON held the event loop for 0.7 s and 300 MB of memory.

    At most `max_uploads` multipart requests are received and served at once; one more waits for a
    slot before its body is read, up to `upload_wait` seconds, then gets 503 with Retry-After (its body
    is then skipped by the server's parser, and the connection stays open); `depth` hears how many wait
    each time that changes (the queue-depth gauge of /metrics). The parser spools every
    file over 1 MB to /tmp before any route runs, so without this bound concurrent large uploads could
    fill a container's /tmp."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        json_limit: int | None = None,
        max_uploads: int | None = None,
        shed: Callable[[str], None] = lambda what: None,
        upload_wait: float = 2.0,
        depth: Callable[[str, int], None] = lambda what, waiting: None,
    ) -> None:
        self.app = app
        json_limit = json_limit or limit
        self.limits = {  # keyed by "is it multipart?"
            True: (limit, f"the request body is larger than {readable_size(limit)}; send fewer or smaller images"),
            False: (
                json_limit,
                f"the request body is larger than {readable_size(json_limit)}; send fewer or shorter latents",
            ),
        }
        self.max_uploads, self.shed, self.upload_wait, self.depth = max_uploads, shed, upload_wait, depth
        self._upload_slots: anyio.Semaphore | None = None  # made on the event loop, at the first upload
        self._uploads_waiting = 0  # changed on the event loop only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").strip().lower().startswith(b"multipart/")
        limit, detail = self.limits[multipart]
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            # Connection: close: the body announced is too large to be worth reading past
            await JSONResponse({"detail": detail}, status_code=413, headers={"Connection": "close"})(
                scope, receive, send
            )
            return
        if multipart and self.max_uploads is not None:
            await self._upload(scope, receive, send, limit, detail)
        else:
            await self._limited(scope, receive, send, limit, detail)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, limit: int, detail: str) -> None:
        """_limited in one of the upload slots, waited for up to upload_wait seconds; else 503."""
        if self._upload_slots is None:
            self._upload_slots = anyio.Semaphore(self.max_uploads)
        self._count_waiting(+1)
        try:
            with anyio.fail_after(self.upload_wait):
                await self._upload_slots.acquire()
            admitted = True
        except TimeoutError:
            admitted = False
        finally:
            self._count_waiting(-1)
        if not admitted:
            self.shed("uploads")
            busy = f"the server is busy ({self.max_uploads} uploads are being received or served): try again"
            await refusal(Overloaded(busy))(scope, receive, send)
            return
        try:
            await self._limited(scope, receive, send, limit, detail)
        finally:
            self._upload_slots.release()

    def _count_waiting(self, change: int) -> None:
        self._uploads_waiting += change
        self.depth("uploads", self._uploads_waiting)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int, detail: str) -> None:
        """The app, with the body counted as it is read and refused with 413 past `limit`."""
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Connection: close, so a client streaming on past the refusal is cut off instead of read
                    raise HTTPException(status_code=413, detail=detail, headers={"Connection": "close"})
            return message

        await self.app(scope, counted, send)


class PixelBudget:
    """How many decoded pixels all the uploads being prepared at once may hold. A 40-megapixel PNG of one
    colour is a 130 KB file, yet Pillow holds 4 bytes per pixel of it and more while converting (300 MB
    at the peak, measured): one such upload per thread-pool thread would exhaust a container's memory.
    An upload holds its pixel count (after JPEG's reduced-scale decoding) from just before its pixels
    are decompressed until it has been prepared; it waits up to `wait` seconds for room, then is refused
    with 503 and Retry-After. One image within the size limit always fits alone."""

    def __init__(self, pixels: int, wait: float = 2.0) -> None:
        self.pixels, self.wait = pixels, wait
        self._used = 0
        self._room = threading.Condition()

    @contextmanager
    def reserve(self, pixels: int) -> Iterator[None]:
        pixels = min(pixels, self.pixels)
        with self._room:
            if not self._room.wait_for(lambda: self._used + pixels <= self.pixels, timeout=self.wait):
                raise Overloaded(
                    "too many large images are being decoded right now: try again in a moment, or send a smaller image"
                )
            self._used += pixels
        try:
            yield
        finally:
            with self._room:
                self._used -= pixels
                self._room.notify_all()

    @property
    def in_use(self) -> int:
        """Pixels held now (the tests read it)."""
        with self._room:
            return self._used


# Decoded upload pixels all requests may hold at once (app/limits.py PixelBudget): at up to ~9 bytes a
# pixel while Pillow converts, about 550 MB beside the ~800 MB a serving process holds anyway.
DECODE_PIXEL_BUDGET = 64_000_000


@dataclass(frozen=True)
class Limits:
    """What one request may ask for, and the decoded pixels all uploads share (from the service's
    settings; one budget for every model of the process)."""

    max_image_pixels: int = 40_000_000
    max_attribute_images: int = 64
    pixel_budget: PixelBudget = field(default_factory=lambda: PixelBudget(DECODE_PIXEL_BUDGET))
