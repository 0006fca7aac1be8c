"""The convolutional IWAE with a discretised-logistic likelihood, on tiny synthetic colour images."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from model.config import Config, TrainConfig
from model.evaluate import evaluate
from model.iwae import IWAE, build
from model.train import train


def colour_blobs(n: int = 48) -> np.ndarray:
    """Images with one of three background colours and a lighter square: something to encode."""
    rng = np.random.default_rng(0)
    colours = np.array([[0.8, 0.2, 0.2], [0.2, 0.7, 0.3], [0.2, 0.3, 0.8]], np.float32)
    images = np.empty((n, 16, 16, 3), np.float32)
    for i in range(n):
        images[i] = colours[i % 3]
        r, c = rng.integers(0, 10, 2)
        images[i, r : r + 6, c : c + 6] = 0.9
    return np.round(images * 255) / 255


def test_shapes_and_pixel_range(tiny_conv_config):
    model = build(IWAE(tiny_conv_config))
    x = tf.constant(model.likelihood.serving_inputs(colour_blobs(5)))
    assert model.log_weights(x, 3, tf.constant([0, 1])).shape == (3, 5)
    mean, std = model.encode(x)
    assert mean.shape == std.shape == (5, 8)
    images = model.decode(mean).numpy()
    assert images.shape == (5, 16, 16, 3) and images.min() >= 0 and images.max() <= 1


def test_conv_training_lowers_bits_per_dim(tmp_path, tiny_conv_config):
    images = colour_blobs()
    config = Config(
        tiny_conv_config,
        TrainConfig(
            dataset="celeba",
            k=2,
            batch_size=16,
            stages=2,
            stage_growth=1.0,
            epoch_scale=5,
            learning_rate=3e-3,
            jit_compile=False,
        ),
    )
    untrained = train(config, tmp_path / "u", intensities=images, epochs=0, progress=False)
    trained = train(config, tmp_path / "t", intensities=images, progress=False)
    before = evaluate(untrained, images[:12], k=20, progress=False)
    after = evaluate(trained, images[:12], k=20, progress=False, training_k=3)
    assert after["bits_per_dim"] < before["bits_per_dim"] - 0.5
    # the bound at the training k joins L_1 and L_5; each also in bits per dimension
    assert set(after["bounds"]) == {"1", "3", "5"} and after["bounds"]["5"] >= after["test_nll"]
    assert after["training_k"] == 3
    nats_per_bit = 16 * 16 * 3 * np.log(2)
    assert after["bounds_bits_per_dim"]["3"] == pytest.approx(after["bounds"]["3"] / nats_per_bit)


def grid_config(tiny_conv_config):
    """The tiny conv model with its 32 latents laid out as a 4 × 4 grid of 2 channels."""
    return dataclasses.replace(tiny_conv_config, latent_sizes=(32,), latent_grid=4)


def test_grid_latent_is_flat_outside_and_local_inside(tiny_conv_config):
    config = grid_config(tiny_conv_config)
    assert (config.latent_shape, tiny_conv_config.latent_shape) == ((4, 4, 2), (8,))  # what GET /models says
    model = build(IWAE(config))
    x = tf.constant(model.likelihood.serving_inputs(colour_blobs(4)))
    assert model.log_weights(x, 3, tf.constant([0, 1])).shape == (3, 4)
    mean, std = model.encode(x)
    assert mean.shape == std.shape == (4, 32)
    # Cell (0, 0) is latents 0 and 1 (cell-major). Changing it changes the image near the top-left
    # corner only; a change in the image's bottom-right corner leaves it alone. Encoder and decoder
    # therefore agree on where each cell sits.
    nudged = mean.numpy().copy()
    nudged[:, :2] += 3.0
    change = np.abs(model.decode(nudged).numpy() - model.decode(mean).numpy()).max(axis=(0, 3))
    assert change[:4, :4].max() > 1e-3 and change[12:, 12:].max() == 0
    repainted = x.numpy().copy()
    repainted[:, 12:, 12:] = 1.0
    moved = np.abs(model.encode(tf.constant(repainted))[0].numpy() - mean.numpy())
    assert moved[:, :2].max() == 0 and moved[:, -2:].max() > 1e-4


@pytest.mark.parametrize(
    "change, message",
    [
        ({"latent_sizes": (30,)}, "whole number of channels"),
        ({"conv_filters": (8,)}, "do not take"),
        ({"network": "mlp", "conv_filters": (8, 16)}, "for network 'conv'"),
    ],
)
def test_grid_latent_config_is_checked(tiny_conv_config, change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(grid_config(tiny_conv_config), **change)
