"""Training on tiny synthetic images: it learns, a seed fixes the run, and resume is exact."""

import numpy as np
import pytest
import tensorflow as tf

from model.config import Config, ModelConfig, TrainConfig
from model.train import latest_checkpoint, restore_run, train


def tiny_config(**train) -> Config:
    settings = dict(
        k=5, batch_size=16, stages=2, stage_growth=1.0, epoch_scale=2, learning_rate=3e-3, jit_compile=False
    )
    settings.update(train)
    model = ModelConfig(image_shape=(8, 8, 1), latent_sizes=(4, 2), hidden_sizes=((32,), (16,)))
    return Config(model, TrainConfig(**settings))


def weights(model) -> list[np.ndarray]:
    return [v.numpy() for v in model.variables]


def bound(model, images) -> float:
    x = tf.cast(tf.constant(images) > 0.5, tf.float32)
    return float(tf.reduce_mean(model.log_weights(x, 5, tf.constant([0, 0]))))


def test_training_raises_the_bound(tmp_path, tiny_images):
    config = tiny_config()
    untrained = train(config, tmp_path / "a", intensities=tiny_images, epochs=0, progress=False)
    before = bound(untrained, tiny_images)
    trained = train(config, tmp_path / "b", intensities=tiny_images, progress=False)
    assert bound(trained, tiny_images) > before + 1.0


def test_same_seed_same_run_and_resume_is_exact(tmp_path, tiny_images):
    config = tiny_config()
    straight = train(config, tmp_path / "straight", intensities=tiny_images, progress=False)
    train(config, tmp_path / "stopped", intensities=tiny_images, epochs=1, progress=False)
    assert latest_checkpoint(tmp_path / "stopped" / "checkpoints").name == "epoch-00001.safetensors"
    with pytest.raises(FileExistsError, match="--resume"):
        train(config, tmp_path / "stopped", intensities=tiny_images, progress=False)
    resumed = train(config, tmp_path / "stopped", intensities=tiny_images, resume=True, progress=False)
    again = train(config, tmp_path / "again", intensities=tiny_images, progress=False)
    for a, b, c in zip(weights(straight), weights(resumed), weights(again), strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    other = train(tiny_config(seed=1), tmp_path / "other", intensities=tiny_images, progress=False)
    assert any(not np.array_equal(a, b) for a, b in zip(weights(straight), weights(other), strict=True))
    _, restored = restore_run(tmp_path / "stopped")
    for a, b in zip(weights(resumed), weights(restored), strict=True):
        np.testing.assert_array_equal(a, b)


def test_vae_objective_trains_too(tmp_path, tiny_images):
    model = train(tiny_config(objective="vae", k=1), tmp_path / "vae", intensities=tiny_images, progress=False)
    assert np.isfinite(bound(model, tiny_images))


def test_batch_norm_model_trains_and_is_deterministic_at_inference(tmp_path, tiny_images):
    config = tiny_config()
    config = Config(
        ModelConfig(image_shape=(8, 8, 1), latent_sizes=(4,), hidden_sizes=((32,),), batch_norm=True), config.train
    )
    model = train(config, tmp_path / "bn", intensities=tiny_images, progress=False)
    x = tf.constant(tiny_images[:3])
    np.testing.assert_array_equal(model.encode(x)[0].numpy(), model.encode(x)[0].numpy())
