"""The Engine on tiny untrained bundles: loading, bucketed batches, seeded sampling, the bounds."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from app_fixtures import DIGITS_LATENT

from app.engine import BATCH_BUCKETS, BOUND_KS, Engine, InvalidLatent, UnknownAttribute, UnknownModel, bucket
from model.devices import device_name


def digit_inputs(engine: Engine, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return engine.model_inputs("digits", rng.random((n, 28, 28, 1)).astype(np.float32))


def test_loads_the_good_bundles_and_skips_the_broken_one(engine):
    assert engine.ready and engine.names == ["digits", "faces"]
    assert "sha256" in engine.failures["broken"]
    info = engine.info("digits")
    assert (info.image_shape, info.latent_size, info.likelihood) == ((28, 28, 1), DIGITS_LATENT, "bernoulli")
    assert info.dataset == "mnist" and list(info.attributes) == ["0", "1", "7"]
    assert info.device == device_name()  # "/GPU:0" when TensorFlow sees one, else "/CPU:0"


def test_logs_the_device_and_loads_nothing_from_an_empty_directory(tmp_path, caplog):
    engine = Engine(tmp_path / "missing")
    with caplog.at_level(logging.INFO, logger="app.engine"):
        engine.load()
    assert engine.ready and engine.names == []
    assert f"TensorFlow places the models on {device_name()}" in caplog.text and "no model bundles" in caplog.text


def test_bucket_sizes():
    assert [bucket(n) for n in (1, 2, 8, 9, 64)] == [1, 8, 8, 64, 64]


def test_padding_to_buckets_changes_no_result(engine):
    x = digit_inputs(engine, 70)  # crosses the largest bucket
    mean, std = engine.encode("digits", x)
    assert mean.shape == std.shape == (70, DIGITS_LATENT) and (std > 0).all()
    one_by_one = np.concatenate([engine.encode("digits", x[i : i + 1])[0] for i in (0, 9, 69)])
    np.testing.assert_allclose(mean[[0, 9, 69]], one_by_one, rtol=1e-5, atol=1e-6)


def test_requests_of_any_size_trace_no_new_graph(engine):
    served = engine._models["digits"]
    for n in (1, 3, 8, 13, 64, 65, 130):
        engine.decode("digits", np.zeros((n, DIGITS_LATENT), np.float32))
        engine.encode("digits", digit_inputs(engine, n))
    for k in (1, 120, 5000):
        engine.log_weights("digits", digit_inputs(engine, 1), k)
    for size in BATCH_BUCKETS:
        assert served.encode[size].experimental_get_tracing_count() == 1
        assert served.decode[size].experimental_get_tracing_count() == 1
    assert served.log_weights.experimental_get_tracing_count() == 1


def test_decoded_images_are_intensities(engine):
    images = engine.decode("faces", np.random.default_rng(0).standard_normal((5, 3)))
    assert images.shape == (5, 64, 64, 3) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1


def test_log_weights_are_seeded_and_a_smaller_k_is_a_prefix_of_a_larger(engine):
    x = digit_inputs(engine, 1)
    many = engine.log_weights("digits", x, 1000, seed=3)
    few = engine.log_weights("digits", x, 150, seed=3)
    assert many.shape == (1000,) and few.shape == (150,)
    np.testing.assert_array_equal(few, many[:150])
    assert not np.allclose(engine.log_weights("digits", x, 150, seed=4), few)


def test_the_bounds_rise_with_k_and_the_estimate_is_the_first_k(engine):
    x = digit_inputs(engine, 1)
    estimate, bounds = engine.log_likelihood("digits", x, 50, seed=1, bounds=True)
    assert list(bounds) == list(BOUND_KS)
    # Nested disjoint groups of the same samples: L_1 ≤ L_5 ≤ … ≤ L_5000 holds exactly (Jensen), not just on average.
    values = [bounds[k] for k in BOUND_KS]
    assert values == sorted(values)
    assert estimate == pytest.approx(engine.log_likelihood("digits", x, 50, seed=1)[0], abs=1e-9)
    assert bounds[5000] == pytest.approx(engine.log_likelihood("digits", x, 5000, seed=1)[0], abs=1e-9)


def test_posterior_samples_have_normalised_weights_and_images(engine):
    x = engine.model_inputs("faces", np.random.default_rng(0).random((1, 64, 64, 3)).astype(np.float32))
    latents, weights, images = engine.posterior_samples("faces", x, 5, seed=2)
    assert latents.shape == (5, 3) and images.shape == (5, 64, 64, 3)
    assert weights.sum() == pytest.approx(1.0, abs=1e-5) and (weights >= 0).all()
    again = engine.posterior_samples("faces", x, 5, seed=2)
    np.testing.assert_array_equal(latents, again[0])


def test_prior_samples_are_seeded_and_scaled_by_the_temperature(engine):
    a = engine.sample_prior("digits", 4, seed=7, temperature=1.0)
    np.testing.assert_array_equal(a, engine.sample_prior("digits", 4, seed=7))
    np.testing.assert_allclose(engine.sample_prior("digits", 4, seed=7, temperature=0.5), a / 2, rtol=1e-6)


def test_model_inputs_are_binary_for_digits_and_bin_centres_for_faces(engine):
    digits = engine.model_inputs("digits", np.array([[[[0.2]], [[0.7]]]], np.float32))
    np.testing.assert_array_equal(digits.ravel(), [0.0, 1.0])
    faces = engine.model_inputs("faces", np.full((1, 1, 1, 3), 1.0, np.float32))
    np.testing.assert_allclose(faces, 1.0)
    np.testing.assert_allclose(engine.input_intensities("faces", faces), 1.0)


def test_custom_attribute_is_a_mean_difference(engine):
    positive, negative = digit_inputs(engine, 3, seed=1), digit_inputs(engine, 2, seed=2)
    vector = engine.custom_attribute("digits", positive, negative, "mine")
    expected = engine.encode("digits", positive)[0].mean(0) - engine.encode("digits", negative)[0].mean(0)
    np.testing.assert_allclose(vector.vector, expected, rtol=1e-5, atol=1e-6)
    assert (vector.name, vector.method, vector.n_positive, vector.n_negative) == ("mine", "custom", 3, 2)


def test_bad_names_and_latents_are_refused(engine):
    with pytest.raises(UnknownModel, match="available: digits, faces"):
        engine.info("digit")
    with pytest.raises(UnknownAttribute, match="it has: 0, 1, 7"):
        engine.attribute("digits", "Smiling")
    with pytest.raises(InvalidLatent, match="4-dimensional"):
        engine.decode("digits", [[0.0, 1.0]])
    with pytest.raises(InvalidLatent, match="NaN or infinity"):
        engine.check_latent("digits", [0.0, np.inf, 0.0, 0.0])


def test_inference_time_is_reported(engine):
    calls = []
    engine.on_inference, previous = (lambda *args: calls.append(args)), engine.on_inference
    try:
        engine.decode("digits", np.zeros((1, DIGITS_LATENT)))
    finally:
        engine.on_inference = previous
    assert calls and calls[0][:2] == ("digits", "decode") and calls[0][2] > 0
