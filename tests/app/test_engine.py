"""The Engine as a registry: loads every good bundle once, skips a broken one, one door per model."""

from __future__ import annotations

import logging

import pytest
from app_fixtures import DIGITS_LATENT

from app.engine import Engine
from app.exceptions import ModelNotLoaded, UnknownModel
from model.devices import device_name


def test_loads_the_good_bundles_and_skips_the_broken_one(bundles_with_a_broken_one):
    engine = Engine(bundles_with_a_broken_one)
    engine.load(warm_up=False)
    assert engine.ready and engine.names == ["digits", "faces"]
    assert "sha256" in engine.failures["broken"]
    with pytest.raises(ModelNotLoaded, match="'broken' could not be loaded") as unavailable:
        engine.model("broken")  # the server's failure: 503, not an unknown model's 404
    assert unavailable.value.status == 503
    assert engine.unloaded() == "bundle(s) could not be loaded: broken (the server log says why)"
    info = engine.model("digits").info
    assert (info.image_shape, info.latent_size, info.likelihood) == ((28, 28, 1), DIGITS_LATENT, "bernoulli")
    assert info.dataset == "mnist" and list(info.attributes) == ["0", "1", "7"]
    assert info.device == device_name()  # "/GPU:0" when TensorFlow sees one, else "/CPU:0"


def test_logs_the_device_and_loads_nothing_from_an_empty_directory(tmp_path, caplog):
    engine = Engine(tmp_path / "missing")
    with caplog.at_level(logging.INFO, logger="app.engine"):
        engine.load()
    assert engine.ready and engine.names == []
    assert f"TensorFlow places the models on {device_name()}" in caplog.text and "no model bundles" in caplog.text


def test_an_unknown_model_names_the_served_ones_and_answers_404(engine):
    with pytest.raises(UnknownModel, match="available: digits, faces") as refused:
        engine.model("digit")
    assert refused.value.status == 404
