"""DReG's gradient against its definition, computed the slow way on a tiny two-layer model."""

import numpy as np
import tensorflow as tf

from model.config import ModelConfig
from model.dreg import dreg_bound_and_surrogate
from model.iwae import IWAE, build, iwae_bound

K, SEED = 4, tf.constant([3, 7], tf.int32)


def tiny_models() -> tuple[IWAE, IWAE, tf.Tensor]:
    config = ModelConfig(image_shape=(3, 3, 1), latent_sizes=(4, 2), hidden_sizes=((5,), (3,)))
    live, frozen = build(IWAE(config)), build(IWAE(config))
    frozen.set_weights(live.get_weights())
    x = tf.constant((np.random.default_rng(0).random((2, 3, 3, 1)) > 0.5).astype(np.float32))
    return live, frozen, x


def recognition(model: IWAE) -> list[tf.Variable]:
    return [v for layer in model.inference for v in layer.trainable_variables]


def generative(model: IWAE) -> list[tf.Variable]:
    return model.observation.trainable_variables + [v for layer in model.generative for v in layer.trainable_variables]


def test_the_bound_is_the_iwae_bound_and_the_gradients_are_dregs():
    live, frozen, x = tiny_models()
    with tf.GradientTape(persistent=True) as tape:
        bound, surrogate = dreg_bound_and_surrogate(live, x, K, SEED)
        surrogate = tf.reduce_sum(surrogate)
        # The definition: samples from the live recognition network, log q from a frozen copy of it
        # (its parameters held, the samples' paths live), weights w̃² for φ and w̃ for θ.
        samples, _, _ = live.sample_posterior(x, K, SEED)
        inputs, log_q = frozen.encoder_input(x), 0.0
        for layer, h in zip(frozen.inference, samples, strict=True):
            mean, std = layer(inputs)
            log_q += tf.reduce_sum(-0.5 * ((h - mean) / std) ** 2 - tf.math.log(std) - 0.5 * np.log(2 * np.pi), -1)
            inputs = h
        log_w = live.log_joint(x, samples) - log_q
        weights = tf.stop_gradient(tf.nn.softmax(log_w, axis=0))
        for_phi = tf.reduce_sum(weights**2 * log_w)
        standard = tf.reduce_sum(iwae_bound(live.log_weights(x, K, SEED)))
    np.testing.assert_allclose(bound, iwae_bound(live.log_weights(x, K, SEED)), rtol=1e-6)
    got = tape.gradient(surrogate, recognition(live) + generative(live))
    want = tape.gradient(for_phi, recognition(live)) + tape.gradient(standard, generative(live))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-6)
    # and it is not the bound's own gradient for the recognition network
    phi = recognition(live)
    own = tape.gradient(standard, phi)
    assert max(float(tf.reduce_max(tf.abs(g - o))) for g, o in zip(got[: len(phi)], own, strict=True)) > 1e-3
