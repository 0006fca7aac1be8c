"""The densities against scipy.stats, and their behaviour at extreme values."""

import numpy as np
import tensorflow as tf
from scipy import stats

from model.distributions import (
    bernoulli_log_prob,
    discretized_logistic_log_prob,
    gaussian_log_prob,
    standard_normal_log_prob,
)


def test_gaussian_matches_scipy():
    rng = np.random.default_rng(1)
    z, mean = rng.normal(size=(3, 7)), rng.normal(size=(3, 7))
    std = rng.uniform(0.1, 3.0, size=(3, 7))
    expected = stats.norm.logpdf(z, mean, std).sum(axis=-1)
    np.testing.assert_allclose(gaussian_log_prob(z, mean, std).numpy(), expected, rtol=1e-10)


def test_standard_normal_matches_scipy():
    z = np.random.default_rng(2).normal(size=(4, 5))
    np.testing.assert_allclose(standard_normal_log_prob(z).numpy(), stats.norm.logpdf(z).sum(-1), rtol=1e-10)


def test_bernoulli_matches_scipy_and_stays_finite():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, size=(2, 4, 4, 1)).astype(np.float64)
    logits = rng.normal(size=x.shape) * 3
    expected = stats.bernoulli.logpmf(x, 1 / (1 + np.exp(-logits))).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(bernoulli_log_prob(x, logits, event_axes=3).numpy(), expected, rtol=1e-8)
    extreme = tf.constant([[-1e4, 1e4, -50.0, 50.0]], tf.float32)
    values = bernoulli_log_prob(tf.constant([[1.0, 0.0, 0.0, 1.0]]), extreme, event_axes=1).numpy()
    assert np.all(np.isfinite(values))
    np.testing.assert_allclose(values, [-2e4], rtol=1e-6)  # the two wrong, confident pixels cost 1e4 each


def test_discretized_logistic_sums_to_one_and_matches_cdf_differences():
    levels = np.arange(256) / 127.5 - 1.0
    for mean, log_scale in [(0.0, -2.0), (0.9, -5.0), (-1.0, -7.0), (0.3, 1.0)]:
        log_p = discretized_logistic_log_prob(
            tf.constant(levels[:, None]),
            tf.constant(mean, tf.float64),
            tf.constant(log_scale, tf.float64),
            event_axes=1,
        ).numpy()
        assert np.all(np.isfinite(log_p))
        np.testing.assert_allclose(np.exp(log_p).sum(), 1.0, rtol=1e-4)
        cdf = stats.logistic.cdf
        interior = levels[1:-1]
        mass = cdf(interior + 1 / 255, mean, np.exp(log_scale)) - cdf(interior - 1 / 255, mean, np.exp(log_scale))
        resolved = mass > 1e-5  # below that the implementation switches to density × bin width
        np.testing.assert_allclose(log_p[1:-1][resolved], np.log(mass[resolved]), rtol=1e-5)
