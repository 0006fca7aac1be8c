"""POST /encode and POST /attributes/custom: uploads in, latents and PNGs out."""

from __future__ import annotations

import numpy as np
from app_fixtures import DIGITS_LATENT, FACES_LATENT, decode_data_url, digit_drawing, encode_image


def post_encode(client, data: bytes, filename: str = "digit.png", **fields):
    fields.setdefault("model", "digits")
    return client.post("/encode", files={"image": (filename, data, "application/octet-stream")}, data=fields)


def test_encode_returns_the_input_latent_reconstruction_and_log_likelihood(client, digit_png):
    response = post_encode(client, digit_png)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "model",
        "input",
        "latent",
        "std",
        "reconstruction",
        "log_likelihood",
        "k",
        "samples",
        "bounds",
        "warning",
    }
    assert body["model"] == "digits" and body["k"] == 50
    assert len(body["latent"]) == len(body["std"]) == DIGITS_LATENT and min(body["std"]) > 0
    shown = decode_data_url(body["input"])
    assert shown.shape == (28, 28) and set(np.unique(shown)) <= {0, 255}  # binarised, as the model sees it
    assert decode_data_url(body["reconstruction"]).shape == (28, 28)
    assert body["log_likelihood"] < 0 and body["samples"] is None and body["bounds"] is None and body["warning"] is None


def test_encode_is_deterministic_for_a_seed(client, digit_png):
    first = post_encode(client, digit_png, k=20, seed=5).json()
    assert post_encode(client, digit_png, k=20, seed=5).json() == first
    assert post_encode(client, digit_png, k=20, seed=6).json()["log_likelihood"] != first["log_likelihood"]


def test_encode_with_posterior_samples_and_bounds(client, digit_png):
    body = post_encode(client, digit_png, samples=5, bounds="true", k=50).json()
    assert len(body["samples"]) == 5
    assert abs(sum(s["weight"] for s in body["samples"]) - 1) < 1e-5
    assert all(
        len(s["latent"]) == DIGITS_LATENT and decode_data_url(s["image"]).shape == (28, 28) for s in body["samples"]
    )
    assert list(body["bounds"]) == ["1", "5", "50", "500", "5000"]
    values = list(body["bounds"].values())
    assert values == sorted(values)


def test_encode_a_face_photo_without_a_face_warns(client):
    rng = np.random.default_rng(0)
    photo = encode_image(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), "JPEG")
    body = post_encode(client, photo, "photo.jpg", model="faces", k=10).json()
    assert "no face found" in body["warning"]
    assert decode_data_url(body["input"]).shape == (64, 64, 3) and len(body["latent"]) == FACES_LATENT


def test_faces_take_at_most_500_importance_samples_and_bound_up_to_there(client):
    models = {m["name"]: m for m in client.get("/models").json()}
    assert (models["digits"]["max_k"], models["faces"]["max_k"]) == (5000, 500)
    face = encode_image(np.random.default_rng(1).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    refused = post_encode(client, face, "face.png", model="faces", k=501)
    assert refused.status_code == 422 and "between 1 and 500 for the faces model" in refused.json()["detail"]
    body = post_encode(client, face, "face.png", model="faces", k=5, bounds="true").json()
    assert list(body["bounds"]) == ["1", "5", "50", "500"]


def test_encode_refuses_bad_fields(client, digit_png):
    for fields, status in [
        ({"k": 0}, 422),
        ({"k": 5001}, 422),
        ({"samples": 65}, 422),
        ({"seed": -1}, 422),
        ({"model": "nope"}, 404),
    ]:
        response = post_encode(client, digit_png, **fields)
        assert response.status_code == status, (fields, response.text)
        assert isinstance(response.json()["detail"], str)
    missing = client.post("/encode", data={"model": "digits"})
    assert missing.status_code == 422 and "image" in missing.json()["detail"]


def test_custom_attribute_from_examples(client):
    seven, one = encode_image(digit_drawing()), encode_image(np.asarray(digit_drawing())[:, ::-1].T.copy())
    files = [
        ("with", ("a.png", seven, "image/png")),
        ("with", ("b.png", seven, "image/png")),
        ("without", ("c.png", one, "image/png")),
    ]
    response = client.post("/attributes/custom", files=files, data={"model": "digits", "name": "sevenness"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["method"], body["n_positive"], body["n_negative"]) == ("sevenness", "custom", 2, 1)
    assert len(body["vector"]) == DIGITS_LATENT and any(v != 0 for v in body["vector"])
    assert body["warnings"] == []


def test_custom_attribute_needs_examples_on_both_sides(client, digit_png):
    only_with = client.post(
        "/attributes/custom", files=[("with", ("a.png", digit_png, "image/png"))], data={"model": "digits"}
    )
    assert only_with.status_code == 422 and "without" in only_with.json()["detail"]
    files = [("with", ("a.png", digit_png, "image/png")), ("without", ("b.txt", b"not an image", "text/plain"))]
    assert client.post("/attributes/custom", files=files, data={"model": "digits"}).status_code == 415
    files = [("with", ("a.png", digit_png, "image/png")), ("without", ("b.png", digit_png, "image/png"))]
    assert client.post("/attributes/custom", files=files, data={"model": "none"}).status_code == 404


def test_custom_attribute_limits_the_number_of_images(client, digit_png):
    files = [("with", (f"{i}.png", digit_png, "image/png")) for i in range(65)] + [
        ("without", ("b.png", digit_png, "image/png"))
    ]
    response = client.post("/attributes/custom", files=files, data={"model": "digits"})
    assert response.status_code == 422 and "1 to 64" in response.json()["detail"]
