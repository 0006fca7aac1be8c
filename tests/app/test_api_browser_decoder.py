"""What a client that decodes itself needs: the decoder as ONNX, the attribute vectors, and where
/models says they are. The demo page fetches ONNX Runtime Web from the service too."""

from __future__ import annotations

import numpy as np
import onnxruntime
from app_fixtures import DIGITS_LATENT

from app.routers.pages import ONNX_RUNTIME_MODULE


def test_models_says_where_the_decoder_and_vectors_are(client):
    digits, faces = client.get("/models").json()
    decoder = digits["decoder"]
    assert decoder["url"] == "/models/digits/decoder.onnx" and decoder["vectors_url"] == "/models/digits/vectors"
    assert (decoder["input"], decoder["output"]) == ("latent", "image")
    assert decoder["bytes"] == len(client.get(decoder["url"]).content)
    assert faces["decoder"] is None  # its bundle has none: clients decode with POST /decode


def test_the_served_decoder_decodes_what_decode_returns(client, engine):
    response = client.get("/models/digits/decoder.onnx")
    assert response.status_code == 200 and response.headers["content-type"] == "application/octet-stream"
    session = onnxruntime.InferenceSession(response.content, providers=["CPUExecutionProvider"])
    latents = np.random.default_rng(0).standard_normal((3, DIGITS_LATENT)).astype(np.float32)
    (images,) = session.run(None, {"latent": latents})
    np.testing.assert_allclose(images, engine.model("digits").compiled.decode(latents), atol=1e-5)


def test_a_client_with_the_current_decoder_gets_304_not_the_file_again(client, engine):
    first = client.get("/models/digits/decoder.onnx")
    etag = first.headers["etag"]
    digest = engine.model("digits").bundle.digests["decoder.onnx"]
    assert etag == f'"{digest}"' and first.headers["cache-control"] == "no-cache"
    for tags in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get("/models/digits/decoder.onnx", headers={"If-None-Match": tags})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    stale = client.get("/models/digits/decoder.onnx", headers={"If-None-Match": '"an-older-decoder"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_a_model_without_a_decoder_and_an_unknown_model_are_404_with_a_message(client):
    response = client.get("/models/faces/decoder.onnx")
    assert response.status_code == 404 and "POST /decode" in response.json()["detail"]
    assert client.get("/models/nope/decoder.onnx").status_code == 404
    assert "available: digits, faces" in client.get("/models/nope/vectors").json()["detail"]


def test_vectors_are_the_ones_edit_adds(client, engine):
    body = client.get("/models/digits/vectors").json()
    assert body["model"] == "digits" and body["latent_size"] == DIGITS_LATENT
    assert list(body["vectors"]) == ["0", "1", "7"]
    np.testing.assert_allclose(body["vectors"]["7"], engine.model("digits").attribute("7"), rtol=1e-6)
    latent = [0.5] * DIGITS_LATENT
    edited = client.post("/edit", json={"model": "digits", "latent": latent, "edits": [{"attribute": "7", "scale": 2}]})
    np.testing.assert_allclose(edited.json()["latent"], np.add(latent, np.multiply(2, body["vectors"]["7"])), rtol=1e-5)


def test_the_page_is_told_where_onnx_runtime_web_is_when_it_is_installed(client, settings):
    page = client.get("/").text
    if (settings.onnxruntime_dir / ONNX_RUNTIME_MODULE).is_file():
        assert f'data-onnx-runtime="/vendor/onnxruntime-web/{ONNX_RUNTIME_MODULE}"' in page
        assert client.get(f"/vendor/onnxruntime-web/{ONNX_RUNTIME_MODULE}").status_code == 200
    else:
        assert 'data-onnx-runtime=""' in page
