"""POST /decode, /sample, /interpolate (latents), /interpolate/images (uploads) and /edit."""

from __future__ import annotations

import numpy as np
import pytest
from app_fixtures import DIGITS_LATENT, decode_data_url, digit_drawing, encode_image

from model.latent import lerp, slerp

Z = [0.5, -1.0, 0.25, 2.0]
W = [-1.0, 0.5, 1.5, -0.5]


def test_decode_gives_one_image_per_latent_and_a_strip(client):
    body = client.post("/decode", json={"model": "digits", "latents": [Z, W, Z]}).json()
    assert body["model"] == "digits" and len(body["images"]) == 3
    assert body["images"][0] == body["images"][2]
    assert decode_data_url(body["strip"]).shape == (28, 84)


def test_sample_is_seeded_and_scaled_by_the_temperature(client):
    request = {"model": "digits", "n": 3, "seed": 11, "temperature": 0.5}  # digits sample from the prior
    body = client.post("/sample", json=request).json()
    assert body == client.post("/sample", json=request).json()
    assert len(body["latents"]) == len(body["images"]) == 3 and decode_data_url(body["strip"]).shape == (28, 84)
    assert client.post("/sample", json={**request, "seed": 12}).json()["latents"] != body["latents"]


def test_a_model_with_fitted_encodings_samples_from_them(client):
    models = {m["name"]: m["samples_from"] for m in client.get("/models").json()}
    assert models == {"digits": "prior", "faces": "encodings"}
    request = {"model": "faces", "n": 3, "seed": 11, "temperature": 0.5}
    body = client.post("/sample", json=request).json()
    assert decode_data_url(body["strip"]).shape == (64, 192, 3)
    cool, hot = (
        np.array(body["latents"]),
        np.array(client.post("/sample", json={**request, "temperature": 1.0}).json()["latents"]),
    )
    np.testing.assert_allclose(cool, 8.0, atol=0.1)  # around the encodings' mean, not the prior's 0
    np.testing.assert_allclose(hot - 8.0, 2 * (cool - 8.0), rtol=1e-4, atol=1e-5)
    mean = client.post("/sample", json={**request, "temperature": 0}).json()  # t = 0: the mean, n times
    np.testing.assert_allclose(mean["latents"], np.full((3, 3), 8.0), rtol=1e-6)
    assert mean["images"][0] == mean["images"][1] == mean["images"][2]


def test_temperature_zero_is_the_prior_mean_and_below_zero_is_refused(client, engine):
    request = {"model": "digits", "n": 2, "seed": 11, "temperature": 0}
    body = client.post("/sample", json=request).json()
    top = np.zeros((1, engine.model("digits").config.latent_sizes[-1]), np.float32)
    expected = engine.model("digits").compiled.from_prior(top)[0]  # the top layer's mean carried down
    np.testing.assert_allclose(body["latents"], [expected, expected], rtol=1e-5, atol=1e-6)
    refused = client.post("/sample", json={**request, "temperature": -0.1})
    assert refused.status_code == 422 and "temperature" in refused.text


@pytest.mark.parametrize("method, path", [("slerp", slerp), ("lerp", lerp)])
def test_interpolate_between_latents(client, method, path):
    body = client.post(
        "/interpolate", json={"model": "digits", "start": Z, "end": W, "steps": 5, "method": method}
    ).json()
    np.testing.assert_allclose(body["latents"], path(np.array(Z), np.array(W), 5), rtol=1e-5, atol=1e-6)
    assert body["method"] == method and len(body["images"]) == 5 and body["inputs"] is None
    assert decode_data_url(body["strip"]).shape == (28, 140)


def test_interpolate_between_uploaded_images(client):
    seven, other = encode_image(digit_drawing()), encode_image(np.asarray(digit_drawing())[::-1].copy(), "JPEG")
    files = {"start_image": ("a.png", seven, "image/png"), "end_image": ("b.jpg", other, "image/jpeg")}
    response = client.post("/interpolate/images", files=files, data={"model": "digits", "steps": "4", "method": "lerp"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["latents"]) == len(body["images"]) == 4 and len(body["inputs"]) == 2 and body["warnings"] == []
    start = client.post("/encode", files={"image": ("a.png", seven, "image/png")}, data={"model": "digits"}).json()
    np.testing.assert_allclose(body["latents"][0], start["latent"], rtol=1e-5, atol=1e-6)


def test_interpolate_refuses_bad_requests(client, digit_png):
    base = {"model": "digits", "start": Z, "end": W}
    assert client.post("/interpolate", json={**base, "steps": 65}).status_code == 422
    assert client.post("/interpolate", json={**base, "steps": 1}).status_code == 422
    assert client.post("/interpolate", json={**base, "method": "cubic"}).status_code == 422
    assert client.post("/interpolate", json={**base, "end": [1.0, 2.0]}).status_code == 422
    assert client.post("/interpolate", json={**base, "model": "x"}).status_code == 404
    bad_json = client.post("/interpolate", content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 422 and "JSON" in bad_json.json()["detail"]
    images = client.post("/interpolate", files={"start_image": ("a.png", digit_png)}, data={"model": "digits"})
    assert images.status_code == 415 and "/interpolate/images" in images.json()["detail"]
    text = client.post("/interpolate", content=b"hello", headers={"content-type": "text/plain"})
    assert text.status_code == 415 and "application/json" in text.json()["detail"]
    one_file = client.post("/interpolate/images", files={"start_image": ("a.png", digit_png)}, data={"model": "digits"})
    assert one_file.status_code == 422 and "end_image" in one_file.json()["detail"]
    unknown = {"start_image": ("a.png", digit_png), "end_image": ("b.png", digit_png)}
    assert client.post("/interpolate/images", files=unknown, data={"model": "x"}).status_code == 404


def test_edit_adds_scaled_vectors_and_sweeps(client, engine):
    seven = engine.model("digits").attribute("7")
    own = [0.1, 0.2, 0.3, 0.4]
    request = {
        "model": "digits",
        "latent": Z,
        "edits": [{"attribute": "7", "scale": 1.5}, {"vector": own, "scale": -1}],
        "sweep": {"attribute": "1", "start": -1, "stop": 1, "steps": 3},
    }
    response = client.post("/edit", json=request)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = np.array(Z) + 1.5 * seven - np.array(own)
    np.testing.assert_allclose(body["latent"], expected, rtol=1e-5, atol=1e-6)
    decoded = client.post("/decode", json={"model": "digits", "latents": [body["latent"]]}).json()
    assert body["image"] == decoded["images"][0]
    assert body["sweep"]["scales"] == [-1.0, 0.0, 1.0] and len(body["sweep"]["images"]) == 3
    assert body["sweep"]["images"][1] == body["image"]  # scale 0 is the edited latent itself
    assert decode_data_url(body["sweep"]["strip"]).shape == (28, 84)


def test_edit_without_edits_decodes_the_latent(client):
    body = client.post("/edit", json={"model": "digits", "latent": Z}).json()
    assert body["latent"] == pytest.approx(Z) and body["sweep"] is None


@pytest.mark.parametrize(
    "change, status, words",
    [
        ({"edits": [{"attribute": "Smiling", "scale": 1}]}, 404, "no attribute 'Smiling'"),
        ({"edits": [{"scale": 1}]}, 422, "exactly one of"),
        ({"edits": [{"attribute": "7", "vector": Z, "scale": 1}]}, 422, "exactly one of"),
        ({"edits": [{"vector": [1.0], "scale": 1}]}, 422, "edits[0].vector has 1 values"),
        ({"edits": [{"attribute": "7", "scale": 1e6}]}, 422, "less than or equal to 100"),
        ({"sweep": {"attribute": "7", "steps": 65}}, 422, "sweep.steps"),
        ({"sweep": {"attribute": "nope"}}, 404, "no attribute 'nope'"),
        ({"latent": [0.0] * (DIGITS_LATENT + 1)}, 422, "4-dimensional"),
    ],
)
def test_edit_refuses_bad_requests(client, change, status, words):
    response = client.post("/edit", json={"model": "digits", "latent": Z, **change})
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
