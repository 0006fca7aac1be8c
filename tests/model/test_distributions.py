"""The densities against scipy.stats, and their behaviour at extreme values."""

import numpy as np
import tensorflow as tf
from scipy import stats

from model.distributions import (
    bernoulli_log_prob,
    discretized_logistic_log_prob,
    gaussian_log_prob,
    reparameterized_gaussian_log_prob,
    standard_normal_log_prob,
    stateless_standard_normal,
)


def test_gaussian_matches_scipy():
    rng = np.random.default_rng(1)
    z, mean = rng.normal(size=(3, 7)), rng.normal(size=(3, 7))
    std = rng.uniform(0.1, 3.0, size=(3, 7))
    expected = stats.norm.logpdf(z, mean, std).sum(axis=-1)
    np.testing.assert_allclose(gaussian_log_prob(z, mean, std).numpy(), expected, rtol=1e-10)


def test_reparameterized_gaussian_equals_the_density_of_its_sample_in_value_and_gradient():
    rng = np.random.default_rng(5)
    mean = tf.constant(rng.normal(size=(3, 4)), tf.float64)
    log_std = tf.constant(rng.normal(size=(3, 4)) * 0.5, tf.float64)
    noise = tf.constant(rng.normal(size=(6, 3, 4)), tf.float64)  # (k, B, d)

    def value_and_gradient(reparameterized: bool):
        with tf.GradientTape() as tape:
            tape.watch([mean, log_std])
            std = tf.exp(log_std)
            z = mean + std * noise
            log_q = (
                reparameterized_gaussian_log_prob(noise, std) if reparameterized else gaussian_log_prob(z, mean, std)
            )
            total = tf.reduce_sum(log_q * tf.range(1.0, 4.0, dtype=tf.float64)) + tf.reduce_sum(tf.sin(z))
        return [log_q.numpy(), *[g.numpy() for g in tape.gradient(total, [mean, log_std])]]

    for ours, reference in zip(value_and_gradient(True), value_and_gradient(False), strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)


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


def test_bernoulli_float32_is_exact_for_every_logit():
    """The log of the sigmoid, with the logit itself taken where the sigmoid underflows, is as exact
    in float32 as the textbook softplus form, from confident and right to confident and wrong."""
    z = np.concatenate([np.linspace(-300.0, 300.0, 60_001), [-1e4, -88.0, -87.3, -87.0, 17.0, 1e4]])
    exact = -np.logaddexp(0.0, -z)  # log σ(z), in float64
    for pixel, logits in ((1.0, z), (0.0, -z)):  # an observed 1 with logit z, an observed 0 with −z
        values = bernoulli_log_prob(
            tf.fill([z.size, 1], pixel), tf.constant(logits[:, None], tf.float32), event_axes=1
        ).numpy()
        np.testing.assert_allclose(values, exact, rtol=2e-7, atol=1e-6)


def test_bernoulli_gradient_is_autodiffs_in_a_graph_and_eagerly():
    """The hand-written gradient s·(1 − σ(s·l)) = x − σ(l), broadcast over the sample axis, is what autodiff
    finds for the plain expression."""
    rng = np.random.default_rng(4)
    x = tf.constant(rng.integers(0, 2, size=(2, 3, 3, 1)), tf.float32)  # (B, H, W, C)
    logits = tf.constant(rng.normal(size=(5, 2, 3, 3, 1)) * 3, tf.float32)  # (k, B, H, W, C)
    weights = tf.constant(rng.normal(size=(5, 2)), tf.float32)  # an arbitrary upstream gradient

    def gradient(log_prob) -> np.ndarray:
        with tf.GradientTape() as tape:
            tape.watch(logits)
            total = tf.reduce_sum(weights * log_prob(x, logits))
        return tape.gradient(total, logits).numpy()

    def plain(x, logits):
        return tf.reduce_sum(x * logits - tf.math.softplus(logits), axis=[-3, -2, -1])

    expected = gradient(plain)
    np.testing.assert_allclose(
        gradient(lambda x, l: bernoulli_log_prob(x, l, event_axes=3)), expected, rtol=1e-5, atol=1e-6
    )
    in_graph = tf.function(lambda: gradient_in_graph(x, logits, weights))
    np.testing.assert_allclose(in_graph().numpy(), expected, rtol=1e-5, atol=1e-6)


def gradient_in_graph(x: tf.Tensor, logits: tf.Tensor, weights: tf.Tensor) -> tf.Tensor:
    with tf.GradientTape() as tape:
        tape.watch(logits)
        total = tf.reduce_sum(weights * bernoulli_log_prob(x, logits, event_axes=3))
    return tape.gradient(total, logits)


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
        resolved = mass > 1e-12  # scipy's own difference of CDFs loses all precision below that
        np.testing.assert_allclose(log_p[1:-1][resolved], np.log(mass[resolved]), rtol=1e-5)
        edges = [cdf(-1 + 1 / 255, mean, np.exp(log_scale)), 1 - cdf(1 - 1 / 255, mean, np.exp(log_scale))]
        np.testing.assert_allclose(np.exp(log_p[[0, -1]]), edges, rtol=1e-6, atol=1e-300)


def test_discretized_logistic_gradients_stay_finite_far_in_the_tails():
    levels = tf.constant(np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), tf.float32)
    mean = tf.constant([1.0, -1.0, 1.0, -1.0, -1.0], tf.float32)  # every pixel far from its mean
    log_scale = tf.constant([-7.0, -7.0, -7.0, 3.0, -7.0], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch([mean, log_scale])
        log_p = discretized_logistic_log_prob(levels, mean, log_scale, event_axes=1)
    gradients = tape.gradient(log_p, [mean, log_scale])
    assert np.isfinite(log_p.numpy()) and all(np.all(np.isfinite(g.numpy())) for g in gradients)


def test_stateless_standard_normal_is_standard_normal_and_a_function_of_its_seed():
    seed = tf.constant([7, 11], tf.int64)
    draws = stateless_standard_normal([40, 50, 101], seed).numpy()  # an odd last axis: one half is cut
    assert draws.shape == (40, 50, 101) and draws.dtype == np.float32
    np.testing.assert_array_equal(draws, stateless_standard_normal([40, 50, 101], seed).numpy())
    assert not np.allclose(draws, stateless_standard_normal([40, 50, 101], tf.constant([7, 12], tf.int64)).numpy())
    assert stats.kstest(draws.ravel(), "norm").pvalue > 1e-3
    # the cosine and sine halves come from the same uniforms: they must still be uncorrelated
    cosines, sines = draws[..., :50].ravel(), draws[..., 51:101].ravel()
    assert abs(np.corrcoef(cosines, sines)[0, 1]) < 0.01
    assert abs(np.corrcoef(cosines**2, sines**2)[0, 1]) < 0.01
