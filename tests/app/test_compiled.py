"""Compiled, bucketed model functions on tiny untrained bundles: padding changes nothing, no request
traces a graph, samples are seeded, and inference time is observed."""

from __future__ import annotations

import numpy as np
import pytest
from app_fixtures import DIGITS_LATENT, DIGITS_TOP

from app.compiled import BATCH_BUCKETS, bucket


@pytest.fixture
def digits(engine):
    return engine.model("digits").compiled


def digit_inputs(n: int, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, 28, 28, 1)) > 0.5).astype(np.float32)


def test_bucket_sizes():
    assert [bucket(n) for n in (1, 2, 8, 9, 64)] == [1, 8, 8, 64, 64]


def test_padding_to_buckets_changes_no_result(digits):
    x = digit_inputs(70)  # crosses the largest bucket
    mean, std = digits.encode(x)
    assert mean.shape == std.shape == (70, DIGITS_LATENT) and (std > 0).all()
    one_by_one = np.concatenate([digits.encode(x[i : i + 1])[0] for i in (0, 9, 69)])
    np.testing.assert_allclose(mean[[0, 9, 69]], one_by_one, rtol=1e-5, atol=1e-6)


def test_requests_of_any_size_trace_no_new_graph(digits):
    for n in (1, 3, 8, 13, 64, 65, 130):
        digits.decode(np.zeros((n, DIGITS_LATENT), np.float32))
        digits.encode(digit_inputs(n))
        digits.from_prior(np.zeros((n, DIGITS_TOP), np.float32))
    for k in (1, 120, 5000):
        digits.log_weights(digit_inputs(1), k, seed=0)
    for n in (1, 8, 9, 64):
        digits.posterior(digit_inputs(1), n, seed=0)
    assert digits.tracing_counts() == [1] * (
        3 * len(BATCH_BUCKETS) + 3
    )  # encode, decode, from_prior; h1 is not the top


def test_decoded_images_are_intensities(engine):
    images = engine.model("faces").compiled.decode(np.random.default_rng(0).standard_normal((5, 3)))
    assert images.shape == (5, 64, 64, 3) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1


def test_log_weights_are_seeded_and_a_smaller_k_is_a_prefix_of_a_larger(digits):
    x = digit_inputs(1)
    many = digits.log_weights(x, 1000, seed=3)
    few = digits.log_weights(x, 150, seed=3)
    assert many.shape == (1000,) and few.shape == (150,)
    np.testing.assert_array_equal(few, many[:150])
    assert not np.allclose(digits.log_weights(x, 150, seed=4), few)


def test_posterior_samples_are_seeded_with_their_images(engine):
    faces = engine.model("faces").compiled
    x = engine.model("faces").likelihood.serving_inputs(np.random.default_rng(0).random((1, 64, 64, 3)))
    latents, log_w, images = faces.posterior(x, 5, seed=2)
    assert latents.shape == (5, 3) and log_w.shape == (5,) and images.shape == (5, 64, 64, 3)
    np.testing.assert_array_equal(latents, faces.posterior(x, 5, seed=2)[0])


def test_inference_time_is_observed(digits):
    calls = []
    digits.observe, previous = (lambda *args: calls.append(args)), digits.observe
    try:
        digits.decode(np.zeros((1, DIGITS_LATENT)))
    finally:
        digits.observe = previous
    assert calls and calls[0][:2] == ("digits", "decode") and calls[0][2] > 0
