"""bfloat16 networks, float32 arithmetic: the policy reaches the products, never the bound."""

import numpy as np
import tensorflow as tf

from model.config import Config, ModelConfig, TrainConfig
from model.evaluate import evaluate
from model.iwae import IWAE, build, iwae_bound
from model.train import train

TINY = ModelConfig(image_shape=(8, 8, 1), latent_sizes=(4, 2), hidden_sizes=((32,), (16,)))


def tiny_run(precision: str) -> Config:
    return Config(
        TINY,
        TrainConfig(
            k=5, batch_size=16, stages=3, stage_growth=1.0, epoch_scale=4, learning_rate=3e-3, precision=precision
        ),
    )


def test_bfloat16_model_multiplies_in_bfloat16_and_computes_every_density_in_float32(tiny_images):
    model = build(IWAE(TINY, precision="bfloat16"))
    dense = model.observation.out
    assert dense.compute_dtype == "bfloat16" and dense.kernel.dtype == "float32"  # float32 master weights
    assert all(v.dtype == "float32" for v in model.variables)
    x = tf.cast(tf.constant(tiny_images[:4]) > 0.5, tf.float32)
    samples, log_q, params = model.sample_posterior(x, 3, tf.constant([0, 1]))
    assert [h.dtype for h in samples] == [tf.float32, tf.float32] and log_q.dtype == tf.float32
    assert all(mean.dtype == tf.float32 and std.dtype == tf.float32 for mean, std in params)
    with tf.GradientTape() as tape:
        log_w = model.log_weights(x, 3, tf.constant([0, 1]), training=True)
        bound = tf.reduce_mean(iwae_bound(log_w))
    assert log_w.dtype == tf.float32 and bound.dtype == tf.float32
    assert all(g.dtype == tf.float32 for g in tape.gradient(bound, model.trainable_variables))


def test_a_logistic_model_computes_its_likelihood_parameters_in_float32(tiny_conv_config):
    """bfloat16 would round a colour mean near ±1 by up to half an 8-bit bin: the last layer stays float32."""
    model = build(IWAE(tiny_conv_config, precision="bfloat16"))
    layers = {layer.name: layer for layer in model.observation.net.layers}
    assert layers["params"].compute_dtype == "float32" and layers["deconv0"].compute_dtype == "bfloat16"
    mlp = build(IWAE(TINY, precision="bfloat16"))  # Bernoulli logits tolerate bfloat16 (the bound test below)
    assert mlp.observation.out.compute_dtype == "bfloat16"


def test_the_two_precisions_train_to_the_same_bound(tmp_path, tiny_images):
    """Same seed, same data, 12 epochs each; both evaluated in float32 (as `iwae evaluate` does)."""
    bounds = {}
    for precision in ("float32", "bfloat16"):
        trained = train(tiny_run(precision), tmp_path / precision, intensities=tiny_images, progress=False)
        evaluator = build(IWAE(TINY))  # float32, like a loaded bundle
        for target, source in zip(evaluator.variables, trained.variables, strict=True):
            target.assign(source)
        report = evaluate(evaluator, tiny_images, k=200, seed=0, batch=64, chunk=200, progress=False)
        bounds[precision] = report["test_nll"]
    untrained = evaluate(build(IWAE(TINY)), tiny_images, k=200, seed=0, batch=64, chunk=200, progress=False)
    learned = untrained["test_nll"] - bounds["float32"]
    assert learned > 5.0  # both runs learn a lot ...
    # ... and bfloat16 lands where float32 does: within 1 % of what training gained (measured: 0.07 %).
    np.testing.assert_allclose(bounds["bfloat16"], bounds["float32"], atol=0.01 * learned)
