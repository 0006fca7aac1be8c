"""The Engine as a registry: loads every good bundle once, skips a broken one, one door per model."""

from __future__ import annotations

import logging
import threading

import pytest
from app_fixtures import DIGITS_LATENT, with_a_broken_bundle

from app import engine as engine_module
from app.engine import Engine
from app.exceptions import ModelLoading, ModelNotLoaded, UnknownModel
from model.devices import device_name


def test_loads_the_good_bundles_and_skips_the_broken_one(bundles_with_a_broken_one):
    engine = Engine(bundles_with_a_broken_one)
    engine.load(warm_up=False)
    assert engine.serving and engine.loaded and engine.names == ["digits", "faces"]
    assert "sha256" in engine.failures["broken"]
    with pytest.raises(ModelNotLoaded, match="'broken' could not be loaded") as unavailable:
        engine.model("broken")  # the server's failure: 503, not an unknown model's 404
    assert unavailable.value.status == 503
    assert engine.unloaded() == "bundle(s) could not be loaded: broken (the server log says why)"
    info = engine.model("digits").info
    assert (info.image_shape, info.latent_size, info.likelihood) == ((28, 28, 1), DIGITS_LATENT, "bernoulli")
    assert info.dataset == "mnist" and list(info.attributes) == ["0", "1", "7"]
    assert info.device == device_name()  # "/GPU:0" when TensorFlow sees one, else "/CPU:0"


def test_a_corrupted_bundle_is_refused_before_any_model_serves(bundles_dir, tmp_path, monkeypatch):
    """Sorted last, it is still found out first: a replica given it never reports ready, not even for
    the moment its other models serve."""
    from app.compiled import CompiledModel

    engine = Engine(with_a_broken_bundle(bundles_dir, tmp_path, name="zz-broken"))
    seen_when_serving = []
    warm_up_batched = CompiledModel.warm_up_batched

    def note_failures(self):
        seen_when_serving.append(dict(engine.failures))
        warm_up_batched(self)

    monkeypatch.setattr(CompiledModel, "warm_up_batched", note_failures)
    engine.load()
    assert [list(failures) for failures in seen_when_serving] == [["zz-broken"], ["zz-broken"]]
    assert engine.names == ["digits", "faces"] and engine.loading == []


def test_a_model_still_loading_is_refused_with_a_retry(bundles_dir, monkeypatch):
    from app.compiled import CompiledModel

    engine = Engine(bundles_dir)
    held, release = threading.Event(), threading.Event()
    load_bundle = engine_module.load_bundle

    def faces_held(directory):
        if directory.name == "faces":
            held.set()
            assert release.wait(60), "never released"
        return load_bundle(directory)

    monkeypatch.setattr(engine_module, "load_bundle", faces_held)
    loader = threading.Thread(target=engine.load, kwargs={"warm_up": False})
    loader.start()
    try:
        assert held.wait(60)
        assert engine.serving and not engine.loaded and engine.loading == ["faces"]
        assert isinstance(engine.model("digits").compiled, CompiledModel)
        with pytest.raises(ModelLoading, match="'faces' is still loading") as loading:
            engine.model("faces")
        assert loading.value.status == 503 and loading.value.headers == {"Retry-After": "5"}
    finally:
        release.set()
        loader.join()
    assert engine.loaded and engine.loading == [] and engine.names == ["digits", "faces"]


def test_logs_the_device_and_loads_nothing_from_an_empty_directory(tmp_path, caplog):
    engine = Engine(tmp_path / "missing")
    with caplog.at_level(logging.INFO, logger="app.engine"):
        engine.load()
    assert engine.serving and engine.loaded and engine.names == []
    assert f"TensorFlow places the models on {device_name()}" in caplog.text and "no model bundles" in caplog.text


def test_an_unknown_model_names_the_served_ones_and_answers_404(engine):
    with pytest.raises(UnknownModel, match="available: digits, faces") as refused:
        engine.model("digit")
    assert refused.value.status == 404
