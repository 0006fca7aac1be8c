"""Every class of bad input gets a specific 4xx with a `detail` a person can act on, and the server keeps
serving; the unforeseen becomes a clean 500."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from app_fixtures import digit_drawing, encode_image, png_header_only
from fastapi.testclient import TestClient

from app.deps import get_engine, get_settings
from app.main import create_app

Z = [0.5, -1.0, 0.25, 2.0]


@pytest.fixture(autouse=True)
def still_serving(client):
    """After every test here the server still answers."""
    yield
    assert client.get("/healthz").status_code == 200
    assert client.post("/decode", json={"model": "digits", "latents": [Z]}).status_code == 200


def encode(client, data: bytes, **fields):
    return client.post("/encode", files={"image": ("upload", data, "image/png")}, data={"model": "digits", **fields})


def assert_error(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and words in detail, detail


# ---- uploads ----


def test_an_upload_over_the_byte_limit_is_413(client):
    data = encode_image(digit_drawing()) + b"\0" * (10 * 2**20)  # a valid PNG padded past 10 MB
    assert_error(encode(client, data), 413, "larger than 10 MB")


def test_the_byte_limit_is_a_setting_reached_through_a_dependency(app, client, settings, digit_png):
    app.dependency_overrides[get_settings] = lambda: settings.model_copy(update={"max_upload_bytes": 100})
    try:
        assert_error(encode(client, digit_png), 413, "upload is larger than 100 bytes: send a smaller image")
    finally:
        app.dependency_overrides.clear()
    assert encode(client, digit_png).status_code == 200


def test_a_body_over_the_request_limit_is_413_before_it_is_read(settings, digit_png, tmp_path):
    limits = {"max_request_bytes": 5000, "max_json_bytes": 2000, "bundles_dir": tmp_path}
    small = create_app(settings.model_copy(update=limits))
    with TestClient(small) as client:  # no model needed: the 413 comes before any
        files = {"image": ("a.png", digit_png + b"\0" * 6000, "image/png")}
        assert_error(client.post("/encode", files=files, data={"model": "digits"}), 413, "smaller images")
        within = {"image": ("a.png", digit_png + b"\0" * 3000, "image/png")}  # an upload may exceed the JSON limit
        assert client.post("/encode", files=within, data={"model": "digits"}).status_code != 413
        shouted = {"content-type": "Multipart/Form-Data; boundary=x"}  # media types are case-insensitive
        assert client.post("/encode", content=b"x" * 3000, headers=shouted).status_code != 413
        latents = {"model": "digits", "latents": [[0.123456] * 400]}  # 3.6 KB of JSON: over its own limit
        assert_error(client.post("/decode", json=latents), 413, "larger than 1.95 KB; send fewer or shorter latents")

        def chunks():  # no Content-Length: counted while it streams
            for _ in range(10):
                yield b"x" * 1000

        streamed = client.post("/decode", content=chunks(), headers={"content-type": "application/json"})
        assert_error(streamed, 413, "request body is larger")
        assert streamed.headers["connection"] == "close"  # a client streaming on is cut off, not read
        # Refused before routing, still counted under the route they were sent to.
        counted = client.get("/metrics").text
        assert 'method="POST",route="/encode",status="413"} 1.0' in counted
        assert 'method="POST",route="/decode",status="413"} 2.0' in counted


def test_uploads_beyond_the_concurrent_limit_wait_then_get_503_before_their_body_is_read(
    settings, digit_png, monkeypatch
):
    """Every upload is spooled to /tmp before any route runs: their number at once is bounded."""
    app = create_app(settings.model_copy(update={"max_concurrent_uploads": 1}))
    with TestClient(app) as client:
        served = app.state.engine.model("digits")
        started, release = threading.Event(), threading.Event()
        encode = served.encode

        def held(*args, **kwargs):
            started.set()
            release.wait(10)
            return encode(*args, **kwargs)

        monkeypatch.setattr(served, "encode", held)
        files = {"image": ("a.png", digit_png, "image/png")}
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(client.post, "/encode", files=files, data={"model": "digits"})
            assert started.wait(10)
            try:
                refused = client.post("/encode", files=files, data={"model": "digits"})  # after 2 s of waiting
                assert_error(refused, 503, "uploads are being received or served")
                assert refused.headers["retry-after"] == "1"
                # JSON requests are not uploads: they go on
                assert client.post("/decode", json={"model": "digits", "latents": [[0.0] * 4]}).status_code == 200
            finally:
                release.set()
            assert first.result(timeout=10).status_code == 200
        assert client.post("/encode", files=files, data={"model": "digits"}).status_code == 200  # room again
        started.clear()
        release.clear()
        with ThreadPoolExecutor(2) as pool:  # one that finds the slot taken waits for it, within 2 s
            first = pool.submit(client.post, "/encode", files=files, data={"model": "digits"})
            assert started.wait(10)
            waiting = pool.submit(client.post, "/encode", files=files, data={"model": "digits"})
            assert wait_for_metric(client, 'iwae_queue_depth{operation="uploads"} 1.0')  # it waits for the slot
            release.set()
            assert first.result(timeout=10).status_code == waiting.result(timeout=10).status_code == 200
        assert 'iwae_shed_requests_total{operation="uploads"} 1.0' in client.get("/metrics").text
        assert 'iwae_queue_depth{operation="uploads"} 0.0' in client.get("/metrics").text


def wait_for_metric(client, line: str, seconds: float = 10.0) -> bool:
    """True once /metrics shows `line`, polled for up to `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if line in client.get("/metrics").text:
            return True
        time.sleep(0.01)
    return False


def test_an_upload_finding_no_room_to_decode_is_503_with_retry_after_and_the_room_comes_back(
    client, engine, digit_png, monkeypatch
):
    budget = engine.limits.pixel_budget
    monkeypatch.setattr(budget, "wait", 0.05)
    with budget.reserve(budget.pixels):  # other uploads decoding: every pixel of the budget taken
        response = encode(client, digit_png)
    assert_error(response, 503, "too many large images are being decoded right now")
    assert response.headers["retry-after"] == "1"
    assert budget.in_use == 0 and encode(client, digit_png).status_code == 200


def test_a_decompression_bomb_is_413(client):
    assert_error(encode(client, png_header_only(8000, 8000)), 413, "at most 40,000,000 are accepted")


@pytest.mark.parametrize("data", [b"GET / HTTP/1.1", b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_what_is_not_an_image_is_415(client, data):
    assert_error(encode(client, data), 415, "PNG, JPEG, WebP, GIF or BMP")


def test_a_truncated_image_is_422(client):
    import numpy as np

    noise = encode_image(np.random.default_rng(0).integers(0, 255, (100, 100), dtype=np.uint8))
    assert_error(encode(client, noise[: len(noise) // 2]), 422, "truncated or corrupted")


# ---- names ----


def test_unknown_models_and_attributes_are_404(client, digit_png):
    assert_error(client.post("/decode", json={"model": "cats", "latents": [Z]}), 404, "unknown model 'cats'")
    assert_error(encode(client, digit_png, model="cats"), 404, "available: digits, faces")
    edit = {"model": "digits", "latent": Z, "edits": [{"attribute": "Bald", "scale": 1}]}
    assert_error(client.post("/edit", json=edit), 404, "no attribute 'Bald'; it has: 0, 1, 7")


# ---- latents ----


@pytest.mark.parametrize(
    "latents, words",
    [
        ([[1.0, 2.0]], "latents[0] has 2 values; model 'digits' has a 4-dimensional latent space"),
        ([Z, [1.0] * 5], "latents[1] has 5 values"),
        ([[0.0, 0.0, 0.0, 1e6]], "latents[0][3]: Input should be less than or equal to 1000"),
        ([[0.0, 0.0, 0.0, -1001]], "latents[0][3]: Input should be greater than or equal to -1000"),
        ([], "latents: List should have at least 1 item"),
        ([Z] * 65, "latents: List should have at most 64 items"),
        ([["a", 0, 0, 0]], "latents[0][0]: Input should be a valid number"),
    ],
)
def test_bad_latents_are_422(client, latents, words):
    assert_error(client.post("/decode", json={"model": "digits", "latents": latents}), 422, words)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_422(client, token):
    body = f'{{"model": "digits", "latents": [[0, {token}, 0, 0]]}}'
    response = client.post("/decode", content=body, headers={"content-type": "application/json"})
    assert_error(response, 422, "latents[0][1]: Input should be a finite number")
    body = f'{{"model": "digits", "start": [0, 0, 0, {token}], "end": [0, 0, 0, 0]}}'
    response = client.post("/interpolate", content=body, headers={"content-type": "application/json"})
    assert_error(response, 422, "start[3]: Input should be a finite number")


def test_malformed_json_is_422(client):
    response = client.post(
        "/decode", content=b'{"model": "digits", "latents": [[1, 2', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and "JSON" in response.json()["detail"]


# ---- counts ----


@pytest.mark.parametrize(
    "path, body, words",
    [
        ("/sample", {"model": "digits", "n": 65}, "n: Input should be less than or equal to 64"),
        ("/sample", {"model": "digits", "n": 0}, "n: Input should be greater than or equal to 1"),
        ("/sample", {"model": "digits", "temperature": -1}, "temperature: Input should be greater than or equal to 0"),
        ("/sample", {"model": "digits", "temperature": 2.5}, "temperature: Input should be less than or equal to 2"),
        ("/sample", {"model": "digits", "seed": -3}, "seed"),
        ("/interpolate", {"model": "digits", "start": Z, "end": Z, "steps": 100}, "steps: Input should be less than"),
        ("/sample", {"model": "digits", "extra": 1}, "extra: Extra inputs are not permitted"),
    ],
)
def test_out_of_range_counts_are_422(client, path, body, words):
    assert_error(client.post(path, json=body), 422, words)


def test_too_many_posterior_samples_or_importance_samples_are_422(client, digit_png):
    assert_error(encode(client, digit_png, samples=65), 422, "samples: Input should be less than or equal to 64")
    assert_error(encode(client, digit_png, k=5001), 422, "k: Input should be less than or equal to 5000")


# ---- the last resort ----


class Exploding:
    serving = True

    def __getattr__(self, name):
        raise RuntimeError("boom")


def test_an_unexpected_error_is_a_clean_500_and_logged(settings, caplog, tmp_path):
    broken = create_app(settings.model_copy(update={"bundles_dir": tmp_path}))
    broken.dependency_overrides[get_engine] = Exploding
    with TestClient(broken, raise_server_exceptions=False) as client:
        response = client.post("/decode", json={"model": "digits", "latents": [Z]})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error: the request could not be processed (see the server log)"}
    assert "unhandled error on POST /decode" in caplog.text and "boom" in caplog.text
