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


def install(app: FastAPI) -> None:
    """Serves the rewritten document at /openapi.json (and to /docs), built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = binary_files(document)
        return app.openapi_schema

    app.openapi = openapi
