"""The OpenAPI document, made usable by client generators.

FastAPI writes OpenAPI 3.1, where an uploaded file is `{"type": "string", "contentMediaType":
"application/octet-stream"}`. Generators such as openapi-python-client read a file only from the
3.0 spelling, `{"type": "string", "format": "binary"}` (also valid 3.1), and otherwise generate a
client that sends the file as a text field. So every file field is rewritten to that spelling.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.config import Settings
from app.limits import readable_size


def binary_files(node: Any) -> Any:
    """The schema with every octet-stream string described as `format: binary` instead."""
    if isinstance(node, list):
        return [binary_files(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: binary_files(value) for key, value in node.items()}
    if node.get("type") == "string" and node.get("contentMediaType") == "application/octet-stream":
        del node["contentMediaType"]
        node["format"] = "binary"
    return node


def limits_section(settings: Settings) -> str:
    """What this server accepts and how it sheds load, from its settings: the schemas' own bounds are
    the same everywhere, these are each deployment's (IWAE_* environment variables)."""
    return f"""
## This server's limits

| limit | value |
| --- | --- |
| an uploaded image file | {readable_size(settings.max_upload_bytes)} and {settings.max_image_pixels:,} pixels |
| a multipart request (all its files) | {readable_size(settings.max_request_bytes)} |
| any other request body (JSON) | {readable_size(settings.max_json_bytes)} |
| images per side of `POST /attributes/custom` | {settings.max_attribute_images} |
| decoded pixels of all uploads being prepared (no room for 2 s: 503) | {settings.decode_pixel_budget:,} |

Beyond these a request is refused with 413 (sizes) or 422. Under load, work waits in bounded queues:

| queue | requests waiting |
| --- | ---: |
| decodes, and encodes, per model | {settings.batch_queue} each |
| uploads' log-likelihoods (k ≤ 100) and posterior samples (≤ 16), per model | {settings.upload_queue} |
| larger k (the bound chart) or more posterior samples, per model | {settings.expensive_queue} |
| work for one of the worker threads (uploads, /sample, large answers) | {settings.thread_queue} |
| uploads received or served at once (one more waits up to 2 s for a slot) | {settings.max_concurrent_uploads} |

A request that finds its queue full gets 503 with `Retry-After`: ask again after that many seconds.
"""


def install(app: FastAPI, settings: Settings) -> None:
    """Serves the rewritten document at /openapi.json (and to /docs), built once, its description
    ending with this server's limits."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            description = app.description + limits_section(settings)
            document = get_openapi(title=app.title, version=app.version, description=description, routes=app.routes)
            app.openapi_schema = binary_files(document)
        return app.openapi_schema

    app.openapi = openapi
