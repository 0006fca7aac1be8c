"""A REST user's first step: generate a Python client from /openapi.json (openapi-python-client, as a
new user would) and call every route with it, uploads included."""

from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from app_fixtures import DIGITS_LATENT, digit_drawing, encode_image


@pytest.fixture(scope="module")
def generated(client, tmp_path_factory):
    """The client package generated from the live document, imported as `iwae_client`."""
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    if generator is None:
        pytest.skip("openapi-python-client is not installed (pip install -e '.[test]')")
    root = tmp_path_factory.mktemp("generated")
    (root / "openapi.json").write_text(json.dumps(client.get("/openapi.json").json()))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [generator, "generate", "--path", "openapi.json", "--output-path", "iwae_client", "--meta", "none"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module("iwae_client")
        yield package, package.Client(base_url="http://testserver").set_httpx_client(client)
    finally:
        sys.path.remove(str(root))


def call(package, operation: str, client, **kwargs):
    """api.<tag>.<operation>.sync_detailed(...) of the generated package, whatever the tag."""
    for tag in ("models", "encode", "generate", "attributes", "operations"):
        try:
            module = importlib.import_module(f"{package.__name__}.api.{tag}.{operation}")
        except ModuleNotFoundError:
            continue
        return module.sync_detailed(client=client, **kwargs)
    raise AssertionError(f"the generated client has no operation {operation}")


def test_every_route_works_through_the_generated_client(generated):
    package, client = generated
    models = importlib.import_module(f"{package.__name__}.models")
    types = importlib.import_module(f"{package.__name__}.types")
    png = encode_image(digit_drawing())

    def upload(name: str) -> object:
        return types.File(payload=io.BytesIO(png), file_name=name, mime_type="image/png")

    listed = call(package, "list_models", client)
    assert listed.status_code == 200 and [m.name for m in listed.parsed] == ["digits", "faces"]
    for operation in ("healthz", "readyz", "metrics"):
        assert call(package, operation, client).status_code == 200

    encoded = call(
        package, "encode", client, body=models.EncodeForm(image=upload("a.png"), model="digits", k=20, bounds=True)
    )
    assert encoded.status_code == 200, encoded.content
    latent = encoded.parsed.latent
    assert len(latent) == DIGITS_LATENT and encoded.parsed.log_likelihood < 0

    decoded = call(package, "decode", client, body=models.DecodeRequest(model="digits", latents=[latent, latent]))
    assert decoded.status_code == 200 and len(decoded.parsed.images) == 2
    sampled = call(package, "sample", client, body=models.SampleRequest(model="digits", n=3, seed=1))
    assert sampled.status_code == 200 and len(sampled.parsed.latents) == 3
    path = call(
        package,
        "interpolate",
        client,
        body=models.InterpolateRequest(model="digits", start=latent, end=[0.0] * DIGITS_LATENT, steps=4),
    )
    assert path.status_code == 200 and len(path.parsed.latents) == 4
    between = call(
        package,
        "interpolate_images",
        client,
        body=models.InterpolateImagesForm(
            model="digits", start_image=upload("a.png"), end_image=upload("b.png"), steps=3
        ),
    )
    assert between.status_code == 200, between.content
    assert len(between.parsed.latents) == 3 and len(between.parsed.inputs) == 2
    edit = models.EditRequest(model="digits", latent=latent, edits=[models.Edit(attribute="7", scale=1.0)])
    edited = call(package, "edit", client, body=edit)
    assert edited.status_code == 200 and len(edited.parsed.latent) == DIGITS_LATENT
    form = models.CustomAttributeForm(
        model="digits", with_=[upload("a.png"), upload("b.png")], without=[upload("c.png")]
    )
    custom = call(package, "custom_attribute", client, body=form)
    assert custom.status_code == 200, custom.content
    assert (custom.parsed.n_positive, custom.parsed.n_negative) == (2, 1)


def test_the_generated_client_sees_a_refusal_as_the_documented_message(generated):
    package, client = generated
    models = importlib.import_module(f"{package.__name__}.models")
    refused = call(package, "decode", client, body=models.DecodeRequest(model="nope", latents=[[0.0] * DIGITS_LATENT]))
    assert refused.status_code == 404 and "available: digits, faces" in refused.parsed.detail
