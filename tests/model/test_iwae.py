"""The IWAE bound against references: exact marginal likelihoods, eq. (14)'s gradient, Theorem 1."""

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from model.config import ModelConfig
from model.distributions import gaussian_log_prob, standard_normal_log_prob
from model.evaluate import evaluate, grouped_bound, log_mean_exp
from model.iwae import IWAE, build, iwae_bound, vae_bound


def linear_gaussian_log_weights(x, k, seed):
    """z ~ N(0, I₂), x | z ~ N(Wz + b, σ²I₃); proposal q(z|x) = N(0.5·Aᵀx, 0.8²I) (deliberately not
    the posterior). Returns log w (k, B) built from the project's densities."""
    w = tf.constant([[1.0, 0.5], [-0.3, 0.8], [0.2, -1.2]], tf.float64)
    b = tf.constant([0.1, -0.2, 0.3], tf.float64)
    sigma = 0.7
    q_mean = 0.5 * tf.matmul(x, w)  # (B, 2)
    q_std = tf.fill(tf.shape(q_mean), tf.constant(0.8, tf.float64))
    noise = tf.random.stateless_normal([k, x.shape[0], 2], seed, dtype=tf.float64)
    z = q_mean + q_std * noise  # (k, B, 2)
    x_mean = tf.einsum("kbd,xd->kbx", z, w) + b
    log_p = standard_normal_log_prob(z) + gaussian_log_prob(
        x, x_mean, tf.fill(tf.shape(x_mean), tf.constant(sigma, tf.float64))
    )
    return log_p - gaussian_log_prob(z, q_mean, q_std), (w.numpy(), b.numpy(), sigma)


def test_k5000_estimate_matches_exact_marginal_of_linear_gaussian_model():
    x = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.4], [1.5, 1.0, 0.2]])
    log_w, (w, b, sigma) = linear_gaussian_log_weights(tf.constant(x), 5000, [1, 2])
    exact = stats.multivariate_normal(b, w @ w.T + sigma**2 * np.eye(3)).logpdf(x)
    estimate = iwae_bound(log_w).numpy()
    np.testing.assert_allclose(estimate, exact, atol=0.02)
    assert np.all(vae_bound(log_w).numpy() < exact - 0.05)  # the ELBO is strictly looser here


def tiny_model(latent=2, shape=(2, 2, 1)) -> IWAE:
    tf.keras.utils.set_random_seed(4)
    return build(IWAE(ModelConfig(image_shape=shape, latent_sizes=(latent,), hidden_sizes=((8,),))))


def test_k5000_estimate_matches_quadrature_for_a_tiny_bernoulli_iwae():
    """p(x) = ∫ N(z; 0, I) Π Bernoulli(x|f(z)) dz by a dense grid over a 2-D latent, versus evaluate()."""
    model = tiny_model()
    # An untrained encoder can be narrower than the posterior, and then a few huge weights make any
    # finite-k estimate noisy. A proposal wider than the prior keeps the weights bounded, so k = 5000
    # must land within a few hundredths of a nat.
    q = model.inference[0]
    for layer, bias in ((q.mean_layer, [0.2, -0.1]), (q.log_std_layer, [np.log(1.4)] * 2)):
        layer.kernel.assign(np.zeros(layer.kernel.shape, np.float32))
        layer.bias.assign(np.asarray(bias, np.float32))
    grid = np.linspace(-7, 7, 281)
    z = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2).astype(np.float32)
    logits = model.observation(tf.constant(z)).numpy().reshape(len(z), 4)  # (G, 4)
    images = np.array([[0, 1, 1, 0], [1, 1, 1, 1], [0, 0, 0, 1]], np.float32)
    log_lik = images @ logits.T - np.log1p(np.exp(logits)).sum(-1)  # (3, G)
    log_prior = stats.norm.logpdf(z).sum(-1) + 2 * np.log(grid[1] - grid[0])
    exact = log_mean_exp(log_lik + log_prior, axis=1) + np.log(len(z))
    report_ll = []
    for image in images:
        x = image.reshape(1, 2, 2, 1)
        report_ll.append(-evaluate(model, x, k=5000, progress=False)["test_nll"])  # binary x stays as it is
    np.testing.assert_allclose(report_ll, exact, atol=0.02)


def test_bound_rises_with_k():
    model = tiny_model(latent=3, shape=(4, 4, 1))
    x = tf.constant(np.random.default_rng(5).integers(0, 2, (30, 4, 4, 1)).astype(np.float32))
    log_w = model.log_weights(x, 5000, tf.constant([3, 4])).numpy().astype(np.float64)
    l1, l5, l50, l5000 = (grouped_bound(log_w, k).mean() for k in (1, 5, 50, 5000))
    assert l1 < l5 < l50 < l5000


def test_k1_iwae_equals_vae_objective():
    model = tiny_model()
    x = tf.constant(np.ones((5, 2, 2, 1), np.float32))
    log_w = model.log_weights(x, 1, tf.constant([0, 9]))
    np.testing.assert_array_equal(iwae_bound(log_w).numpy(), vae_bound(log_w).numpy())


def test_iwae_gradient_is_the_importance_weighted_gradient():
    """∇ log (1/k) Σ w_i = Σ w̃_i ∇ log w_i with w̃ = softmax(log w) held constant (eq. 14)."""
    model = tiny_model(latent=3, shape=(4, 4, 1))
    x = tf.constant(np.random.default_rng(6).integers(0, 2, (6, 4, 4, 1)).astype(np.float32))
    seed = tf.constant([7, 8])
    with tf.GradientTape() as tape:
        direct = tf.reduce_mean(iwae_bound(model.log_weights(x, 20, seed)))
    g_direct = tape.gradient(direct, model.trainable_variables)
    with tf.GradientTape() as tape:
        log_w = model.log_weights(x, 20, seed)
        weights = tf.stop_gradient(tf.nn.softmax(log_w, axis=0))
        surrogate = tf.reduce_mean(tf.reduce_sum(weights * log_w, axis=0))
    g_weighted = tape.gradient(surrogate, model.trainable_variables)
    for a, b in zip(g_direct, g_weighted, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)
    # and it differs from the VAE gradient, which weighs every sample equally
    with tf.GradientTape() as tape:
        vae = tf.reduce_mean(vae_bound(model.log_weights(x, 20, seed)))
    g_vae = tape.gradient(vae, model.trainable_variables)
    assert max(float(tf.reduce_max(tf.abs(a - b))) for a, b in zip(g_direct, g_vae, strict=True)) > 1e-3


def test_log_weights_shape_and_finite_for_extreme_inputs():
    model = tiny_model(latent=3, shape=(4, 4, 1))
    for layer in model.observation.trainable_variables:  # blow the decoder up: logits in the thousands
        layer.assign(layer * 1000.0)
    x = tf.constant(np.random.default_rng(7).integers(0, 2, (4, 4, 4, 1)).astype(np.float32))
    log_w = model.log_weights(x, 11, tf.constant([0, 1]))
    assert log_w.shape == (11, 4)
    assert np.all(np.isfinite(iwae_bound(log_w).numpy()))


@pytest.mark.parametrize("layers", [((50,), ((16,),)), ((6, 3), ((16, 16), (8,)))])
def test_two_stochastic_layers_shapes(layers):
    sizes, hidden = layers
    model = build(IWAE(ModelConfig(image_shape=(4, 4, 1), latent_sizes=sizes, hidden_sizes=hidden)))
    x = tf.zeros((3, 4, 4, 1))
    samples, log_q, params = model.sample_posterior(x, 7, tf.constant([1, 1]))
    assert [s.shape for s in samples] == [(7, 3, d) for d in sizes]
    mean, std = model.encode(x)
    assert mean.shape == std.shape == (3, sizes[-1])
    assert model.decode(mean).shape == (3, 4, 4, 1)


@pytest.mark.parametrize("latent_layer", [0, 1, -1])
def test_the_latent_layer_is_where_encode_stops_and_decode_starts(latent_layer):
    config = ModelConfig(
        image_shape=(4, 4, 1), latent_sizes=(6, 3), hidden_sizes=((16,), (8,)), latent_layer=latent_layer
    )
    model = build(IWAE(config))
    x = tf.constant(np.random.default_rng(2).integers(0, 2, (5, 4, 4, 1)).astype(np.float32))
    h1_mean, h1_std = model.inference[0](model.encoder_input(x))
    h2_mean, h2_std = model.inference[1](h1_mean)
    mean, std = model.encode(x)
    top = tf.constant(np.random.default_rng(3).standard_normal((5, 3)).astype(np.float32))
    h1_of_top, _ = model.generative[0](top)
    if config.latent_index == 0:
        assert config.latent_size == 6
        np.testing.assert_allclose(mean, h1_mean, rtol=1e-6)
        np.testing.assert_allclose(std, h1_std, rtol=1e-6)
        np.testing.assert_allclose(model.decode(mean), model.decode_h1(h1_mean), rtol=1e-6)
        np.testing.assert_allclose(model.from_prior(top), h1_of_top, rtol=1e-6)  # a prior draw carried down
    else:
        assert config.latent_size == 3
        np.testing.assert_allclose(mean, h2_mean, rtol=1e-6)
        np.testing.assert_allclose(std, h2_std, rtol=1e-6)
        np.testing.assert_allclose(model.decode(top), model.decode_h1(h1_of_top), rtol=1e-6)
        np.testing.assert_array_equal(model.from_prior(top), top)


def test_a_latent_layer_outside_the_model_is_refused():
    with pytest.raises(ValueError, match="latent_layer 2 names no layer"):
        ModelConfig(latent_sizes=(6, 3), hidden_sizes=((16,), (8,)), latent_layer=2)


def test_evaluation_is_deterministic_for_a_seed():
    model = tiny_model(latent=3, shape=(4, 4, 1))
    images = np.random.default_rng(8).random((10, 4, 4, 1)).astype(np.float32)
    first, second = (evaluate(model, images, k=300, seed=3, batch=4, chunk=100, progress=False) for _ in range(2))
    other = evaluate(model, images, k=300, seed=4, batch=4, chunk=100, progress=False)
    for report in (first, second, other):
        report.pop("seconds")
    assert first == second
    assert first["test_nll"] != other["test_nll"]
    assert first["n_test"] == 10 and first["k"] == 300 and set(first["bounds"]) == {"1", "5", "50"}
