"""GET /models, health, readiness, metrics, the demo page, start-up and the OpenAPI document."""

from __future__ import annotations

import gc
import threading
import time

from fastapi.testclient import TestClient

from app.config import ROOT, Settings
from app.deps import get_engine
from app.main import create_app
from model.devices import device_name


def test_models_describes_each_model(client):
    models = client.get("/models").json()
    assert [m["name"] for m in models] == ["digits", "faces"]
    digits = models[0]
    assert digits["image_shape"] == [28, 28, 1] and digits["latent_size"] == 4
    assert digits["latent_shape"] == [4] and models[1]["latent_shape"] == [models[1]["latent_size"]]  # vectors
    assert (digits["likelihood"], digits["dataset"], digits["objective"]) == ("bernoulli", "mnist", "iwae")
    assert digits["attributes"][0] == {
        "name": "0",
        "method": "mean_difference",
        "n_positive": 10,
        "n_negative": 90,
        "judged": None,  # not measured
    }
    assert [a["name"] for a in digits["attributes"]] == ["0", "1", "7"]
    assert digits["test_nll"] == 543.2 and digits["report"]["active_units"] == 3
    assert digits["device"] == device_name()
    assert models[1]["test_nll"] is None and models[1]["report"] == {}
    # The page's default temperature: measured (bench/face_fidelity.py --save), else 1.
    assert digits["sample_temperature"] == 0.7 and models[1]["sample_temperature"] == 1.0


def test_models_says_how_well_each_measured_vector_does_its_job(client):
    """What bench/attribute_fidelity.py --save kept in the bundle, as the page shows it beside a slider."""
    faces = client.get("/models").json()[1]
    smiling, eyeglasses = faces["attributes"]
    assert smiling["judged"] == {
        "scale": 2.0,
        "turned": 0.94,
        "drift": 0.048,
        "drift_measure": "mean |ΔP| of the other attributes",
        "turned_needed": 0.9,
        "drift_allowed": 0.05,
        "n": 200,
        "outcome": "meets_goal",
    }
    assert (eyeglasses["judged"]["turned"], eyeglasses["judged"]["outcome"]) == (0.4, "stopped_by_drift")


def test_each_model_says_which_weights_its_latents_belong_to(client, bundles_dir):
    """`version`: the weights' sha256 as the bundle's manifest pins it, cut to 12 hex digits (share
    links carry it, so a latent opened after a retraining says so)."""
    for model in client.get("/models").json():
        manifest = (bundles_dir / model["name"] / "MANIFEST.sha256").read_text().splitlines()
        weights = next(line.split()[0] for line in manifest if line.endswith("  weights.safetensors"))
        assert model["version"] == weights[:12]
    digits, faces = client.get("/models").json()
    assert digits["version"] != faces["version"]


def test_the_engine_is_a_dependency_tests_can_replace(settings, tmp_path):
    class OneModel:
        serving = loaded = True
        names = []

    app = create_app(settings.model_copy(update={"bundles_dir": tmp_path}))
    app.dependency_overrides[get_engine] = OneModel
    with TestClient(app) as client:
        assert client.get("/models").json() == []


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok", "models": []}
    assert client.get("/readyz").json() == {"status": "ready", "models": ["digits", "faces"], "loading": []}


def test_a_server_that_could_not_load_a_bundle_is_alive_but_never_ready(settings, bundles_with_a_broken_one):
    """A replica that cannot serve every model it was given must not take traffic: a rolling update
    with a broken bundle stalls while the old replicas serve. Its other models still answer."""
    with TestClient(create_app(settings.model_copy(update={"bundles_dir": bundles_with_a_broken_one}))) as client:
        assert client.get("/healthz").status_code == 200
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503 and "retry-after" not in not_ready.headers  # waiting will not help
        assert not_ready.json()["detail"] == "bundle(s) could not be loaded: broken (the server log says why)"
        assert "sha256" not in not_ready.text and str(bundles_with_a_broken_one) not in not_ready.text  # in the log
        failed = client.post("/decode", json={"model": "broken", "latents": [[0.0] * 4]})
        assert failed.status_code == 503 and "could not be loaded" in failed.json()["detail"]
        assert client.post("/decode", json={"model": "digits", "latents": [[0.0] * 4]}).status_code == 200


def test_what_loading_leaves_alive_is_frozen_out_of_garbage_collection(settings):
    """Full collections that walk TensorFlow's millions of objects stall the event loop (app/main.py)."""
    gc.unfreeze()
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        assert gc.get_freeze_count() > 0


def test_the_collector_iwae_serve_turns_off_for_the_start_is_on_once_loaded(settings, tmp_path):
    for bundles in (settings.bundles_dir, tmp_path):  # the shipped-like bundles, and none at all
        gc.disable()
        try:
            with TestClient(create_app(settings.model_copy(update={"bundles_dir": bundles}))) as client:
                client.get("/readyz")
                assert gc.isenabled()
        finally:
            gc.enable()


def test_not_ready_before_the_lifespan_and_without_models(settings, tmp_path):
    app = create_app(settings.model_copy(update={"bundles_dir": tmp_path}))
    unstarted = TestClient(app)  # no `with`: the lifespan has not run
    assert unstarted.get("/healthz").status_code == 200
    loading = unstarted.get("/readyz")
    assert loading.status_code == 503 and loading.headers["retry-after"] == "5"
    response = unstarted.post("/decode", json={"model": "digits", "latents": [[0.0]]})
    assert response.status_code == 503 and "still loading" in response.json()["detail"]
    assert response.headers["retry-after"] == "5"
    with TestClient(app) as client:  # started, but the directory holds no bundle
        response = client.get("/readyz")
        assert response.status_code == 503 and "no model bundle was found" in response.json()["detail"]
        # The server's failure, not the client's: not a 404 "unknown model".
        response = client.post("/decode", json={"model": "digits", "latents": [[0.0]]})
        assert response.status_code == 503 and "no model bundle was found" in response.json()["detail"]
        assert "retry-after" not in response.headers  # waiting will not bring a bundle


def test_a_bundle_that_fails_to_warm_up_after_serving_is_dropped_and_its_threads_end(bundles_dir, monkeypatch):
    from app.compiled import CompiledModel
    from app.engine import Engine

    warm_up_uploads, dropped = CompiledModel.warm_up_uploads, []

    def failing_for_faces(self):
        if self.bundle.name == "faces":
            dropped.append(self)
            raise RuntimeError("out of memory")
        warm_up_uploads(self)

    monkeypatch.setattr(CompiledModel, "warm_up_uploads", failing_for_faces)
    engine = Engine(bundles_dir)
    engine.load(warm_up=True)
    assert engine.names == ["digits"] and engine.failures["faces"] == "out of memory"
    assert engine.unloaded() == "bundle(s) could not be loaded: faces (the server log says why)"
    workers = [batcher._worker for batcher in dropped[0]._batchers.values()]
    assert not any(worker.is_alive() for worker in workers), "the skipped model's batching threads still run"
    digits = engine.model("digits").compiled
    assert all(batcher._worker.is_alive() for batcher in digits._batchers.values())


class HeldWarmUps:
    """Holds chosen warm-up stages (model, "batched" or "uploads") until released, saying when each began."""

    def __init__(self, monkeypatch, *stages: tuple[str, str]):
        from app.compiled import CompiledModel

        self.began = {stage: threading.Event() for stage in stages}
        self.released = {stage: threading.Event() for stage in stages}
        for name in ("batched", "uploads"):
            warm_up = getattr(CompiledModel, f"warm_up_{name}")
            monkeypatch.setattr(CompiledModel, f"warm_up_{name}", self._held(name, warm_up))

    def _held(self, stage_name, warm_up):
        def held(compiled):
            stage = (compiled.bundle.name, stage_name)
            if stage in self.began:
                self.began[stage].set()
                assert self.released[stage].wait(60), f"{stage} never released"
            warm_up(compiled)

        return held

    def reached(self, *stage: str) -> None:
        assert self.began[stage].wait(60), f"{stage} never began"

    def release(self, *stage: str) -> None:
        self.released[stage].set()

    def release_all(self) -> None:
        for event in self.released.values():
            event.set()


def test_ready_once_the_first_model_serves_while_the_next_loads(bundles_dir, monkeypatch):
    """/readyz says 200 as soon as digits' encode and decode are warm, before its upload functions; faces,
    loading behind it, answers 503 with Retry-After until it serves, and /models (which describes every
    model) and /readyz?every_model=true wait for it too. The collector `iwae serve` starts without is on
    once the first model has loaded."""
    held = HeldWarmUps(monkeypatch, ("digits", "uploads"), ("faces", "batched"))
    gc.disable()
    try:
        with TestClient(create_app(Settings(bundles_dir=bundles_dir, load_in_background=True))) as client:
            try:
                held.reached("digits", "uploads")  # digits serves; its upload functions are not warm yet
                ready = client.get("/readyz").json()
                assert ready == {"status": "ready", "models": ["digits"], "loading": ["digits", "faces"]}
                assert client.post("/decode", json={"model": "digits", "latents": [[0.0] * 4]}).status_code == 200
                assert not gc.isenabled()
                held.release("digits", "uploads")
                held.reached("faces", "batched")
                assert gc.isenabled()  # digits has loaded: frozen, and the collector on
                assert client.get("/readyz").json() == {"status": "ready", "models": ["digits"], "loading": ["faces"]}
                waiting = client.post("/decode", json={"model": "faces", "latents": [[0.0] * 3]})
                assert waiting.status_code == 503 and waiting.headers["retry-after"] == "5"
                assert waiting.json()["detail"] == "model 'faces' is still loading; retry in a few seconds"
                for strict in (client.get("/models"), client.get("/readyz", params={"every_model": True})):
                    assert strict.status_code == 503 and strict.headers["retry-after"] == "5"
                    assert strict.json()["detail"].startswith("still loading faces")
            finally:
                held.release_all()
            deadline = time.monotonic() + 60
            while client.get("/readyz", params={"every_model": True}).status_code != 200:
                assert time.monotonic() < deadline, "faces never served"
                time.sleep(0.05)
            assert client.get("/readyz").json()["loading"] == []
            assert client.post("/decode", json={"model": "faces", "latents": [[0.0] * 3]}).status_code == 200
            assert [m["name"] for m in client.get("/models").json()] == ["digits", "faces"]
    finally:
        gc.enable()


def test_background_loading_answers_at_once_and_becomes_ready(bundles_dir):
    app = create_app(Settings(bundles_dir=bundles_dir, load_in_background=True, warm_up=False))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200 or client.get("/readyz").json()["loading"]:
            assert time.monotonic() < deadline, "not ready within 60 s"
            time.sleep(0.1)
        assert client.get("/readyz").json()["models"] == ["digits", "faces"]


def test_metrics_count_requests_per_route_and_time_inference(client):
    client.post("/decode", json={"model": "digits", "latents": [[0.0] * 4]})
    client.post("/decode", json={"model": "nope", "latents": [[0.0] * 4]})
    client.get("/no/such/page")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'iwae_http_requests_total{method="POST",route="/decode",status="200"}' in text
    assert 'iwae_http_requests_total{method="POST",route="/decode",status="404"}' in text
    assert 'route="unmatched",status="404"' in text
    assert 'iwae_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/decode"}' in text
    assert 'iwae_inference_seconds_count{model="digits",operation="decode"}' in text


def test_the_page_renders_the_template_with_the_models(settings, tmp_path, bundles_dir):
    (tmp_path / "index.html").write_text("{{ models | map(attribute='name') | join(',') }}|{{ request.url.path }}")
    app = create_app(settings.model_copy(update={"templates_dir": tmp_path}))
    with TestClient(app) as client:
        response = client.get("/")
    assert response.status_code == 200 and response.text == "digits,faces|/"
    assert response.headers["content-type"].startswith("text/html")


def test_the_real_page_and_static_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    static = sorted(p.relative_to(ROOT / "static").as_posix() for p in (ROOT / "static").rglob("*") if p.is_file())
    assert static and all(client.get(f"/static/{name}").status_code == 200 for name in static)
    assert client.get("/static/no-such-file.js").status_code == 404


def test_openapi_documents_every_field_with_a_description(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert set(paths) >= {"/models", "/encode", "/decode", "/interpolate", "/edit", "/attributes/custom", "/sample"}
    assert set(paths) >= {"/healthz", "/readyz", "/metrics"}
    # One content type per operation, and files as `format: binary` (what client generators read).
    for path, media_type in [("/interpolate", "application/json"), ("/interpolate/images", "multipart/form-data")]:
        assert set(paths[path]["post"]["requestBody"]["content"]) == {media_type}
    encode_form = schema["components"]["schemas"]["EncodeForm"]["properties"]
    assert encode_form["image"] == {**encode_form["image"], "type": "string", "format": "binary"}
    assert "contentMediaType" not in str(schema)
    for name in ("DecodeRequest", "SampleRequest", "EditRequest", "EncodeResponse", "ModelSummary"):
        component = schema["components"]["schemas"][name]
        for field, spec in component["properties"].items():
            assert "description" in spec or "$ref" in spec or "anyOf" in spec, (name, field)
    sample = schema["components"]["schemas"]["SampleRequest"]["properties"]
    assert (sample["n"]["minimum"], sample["n"]["maximum"], sample["n"]["examples"]) == (1, 64, [8])
    form = paths["/encode"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    encode = schema["components"]["schemas"][form.split("/")[-1]]
    assert encode["properties"]["k"]["maximum"] == 5000 and "description" in encode["properties"]["image"]
    not_found = paths["/decode"]["post"]["responses"]["404"]["content"]["application/json"]["schema"]
    assert not_found["$ref"].endswith("/Message")


def test_the_api_description_lists_this_servers_limits(settings, tmp_path):
    configured = settings.model_copy(update={"bundles_dir": tmp_path, "max_upload_bytes": 3 * 2**20, "thread_queue": 7})
    description = TestClient(create_app(configured)).get("/openapi.json").json()["info"]["description"]
    assert "| an uploaded image file | 3 MB and 40,000,000 pixels |" in description
    assert "| work for one of the worker threads (uploads, /sample, large answers) | 7 |" in description
    assert "503 with `Retry-After`" in description
