"""Training on tiny synthetic images: it learns, a seed fixes the run, and resume is exact."""

import numpy as np
import pytest
import tensorflow as tf
from safetensors import safe_open
from safetensors.numpy import save_file

from model.config import Config, ModelConfig, TrainConfig
from model.train import TrainingDiverged, latest_checkpoint, read_history, restore_run, train


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


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_same_seed_same_run_and_resume_is_exact(tmp_path, tiny_images, precision):
    config = tiny_config(precision=precision)
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
    other = train(tiny_config(seed=1, precision=precision), tmp_path / "other", intensities=tiny_images, progress=False)
    assert any(not np.array_equal(a, b) for a, b in zip(weights(straight), weights(other), strict=True))
    _, restored = restore_run(tmp_path / "stopped")
    for a, b in zip(weights(resumed), weights(restored), strict=True):
        np.testing.assert_array_equal(a, b)


def test_history_records_every_epoch_and_a_resume_keeps_it_in_step_with_the_checkpoints(tmp_path, tiny_images):
    config = tiny_config()
    train(config, tmp_path / "run", intensities=tiny_images, epochs=3, progress=False)
    (tmp_path / "run" / "checkpoints" / "epoch-00003.safetensors").unlink()  # as if stopped mid-save
    train(config, tmp_path / "run", intensities=tiny_images, resume=True, progress=False)
    history = read_history(tmp_path / "run")
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert [h["learning_rate"] for h in history] == [3e-3, 3e-3, 3e-3 * 10 ** (-1 / 7), 3e-3 * 10 ** (-1 / 7)]
    assert all(np.isfinite(h["bound"]) and h["seconds"] >= 0 for h in history)


def test_a_diverged_run_stops_without_a_checkpoint_of_its_broken_weights(tmp_path, tiny_images):
    config = tiny_config()
    train(config, tmp_path / "run", intensities=tiny_images, epochs=1, progress=False)
    checkpoint = tmp_path / "run" / "checkpoints" / "epoch-00001.safetensors"
    with safe_open(str(checkpoint), "numpy") as f:  # a weight gone to infinity, as a diverging run's would
        tensors, metadata = {key: f.get_tensor(key) for key in f.keys()}, f.metadata()
    kernel = next(key for key in tensors if key.endswith("kernel"))
    tensors[kernel] = np.full_like(tensors[kernel], np.inf)
    save_file(tensors, str(checkpoint), metadata=metadata)
    with pytest.raises(TrainingDiverged, match=r"during epoch 2; the last checkpoint \(epoch 1\) is unaffected"):
        train(config, tmp_path / "run", intensities=tiny_images, resume=True, progress=False)
    assert [p.name for p in sorted((tmp_path / "run" / "checkpoints").iterdir())] == ["epoch-00001.safetensors"]


def test_weights_broken_by_an_epochs_last_step_are_never_checkpointed(tmp_path, tiny_images, monkeypatch):
    """Each step's bound is computed before its update: the last update of an epoch can leave NaN
    weights behind finite bounds."""
    import model.train as training

    config = tiny_config()
    steps = len(tiny_images) // config.train.batch_size
    make_step = training.make_train_step

    def breaking_the_last_step_of_epoch_2(model, optimizer, tc, strategy=None):
        step = make_step(model, optimizer, tc, strategy)

        def run(images, seed):
            bound = step(images, seed)
            if int(seed[1]) == 2 * steps - 1:
                model.trainable_variables[0].assign(tf.fill(model.trainable_variables[0].shape, np.nan))
            return bound

        return run

    monkeypatch.setattr(training, "make_train_step", breaking_the_last_step_of_epoch_2)
    with pytest.raises(
        TrainingDiverged, match=r"NaN or infinite at the end of epoch 2; the last checkpoint \(epoch 1\)"
    ):
        train(config, tmp_path / "run", intensities=tiny_images, progress=False)
    assert [p.name for p in sorted((tmp_path / "run" / "checkpoints").iterdir())] == ["epoch-00001.safetensors"]
    assert [h["epoch"] for h in read_history(tmp_path / "run")] == [1]


def test_a_run_stopped_while_recording_an_epoch_resumes_without_a_gap_in_its_history(
    tmp_path, tiny_images, monkeypatch
):
    from model.train import History

    append = History.append

    def stopped_at_epoch_2(self, **fields):
        if fields["epoch"] == 2:
            raise KeyboardInterrupt  # as if killed while recording epoch 2, before its checkpoint
        append(self, **fields)

    monkeypatch.setattr(History, "append", stopped_at_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_config(), tmp_path / "run", intensities=tiny_images, progress=False)
    monkeypatch.undo()
    train(tiny_config(), tmp_path / "run", intensities=tiny_images, resume=True, progress=False)
    assert [h["epoch"] for h in read_history(tmp_path / "run")] == [1, 2, 3, 4]


def test_vae_objective_trains_too(tmp_path, tiny_images):
    model = train(tiny_config(objective="vae", k=1), tmp_path / "vae", intensities=tiny_images, progress=False)
    assert np.isfinite(bound(model, tiny_images))


def test_dreg_trains_in_the_compiled_step_and_differs_from_the_standard_gradient(tmp_path, tiny_images):
    """The late-bound weights of model/dreg.py work inside tf.function; same seed, another estimator,
    another run (the bound's values are the same function of the weights)."""
    untrained = train(tiny_config(), tmp_path / "none", intensities=tiny_images, epochs=0, progress=False)
    dreg = train(tiny_config(gradient="dreg"), tmp_path / "dreg", intensities=tiny_images, progress=False)
    standard = train(tiny_config(), tmp_path / "standard", intensities=tiny_images, progress=False)
    assert bound(dreg, tiny_images) > bound(untrained, tiny_images) + 1.0
    assert not np.allclose(weights(dreg)[0], weights(standard)[0])
    with pytest.raises(ValueError, match="needs objective 'iwae'"):
        tiny_config(gradient="dreg", objective="vae")


def test_batch_norm_model_trains_and_is_deterministic_at_inference(tmp_path, tiny_images):
    config = tiny_config()
    config = Config(
        ModelConfig(image_shape=(8, 8, 1), latent_sizes=(4,), hidden_sizes=((32,),), batch_norm=True), config.train
    )
    model = train(config, tmp_path / "bn", intensities=tiny_images, progress=False)
    x = tf.constant(tiny_images[:3])
    np.testing.assert_array_equal(model.encode(x)[0].numpy(), model.encode(x)[0].numpy())


def test_a_run_can_start_from_a_bundle_and_continue_its_schedule(tmp_path, tiny_images):
    from model.bundle import save_bundle

    config = tiny_config()
    first = train(config, tmp_path / "first", intensities=tiny_images, epochs=2, progress=False)
    bundle = save_bundle(first, config, tmp_path / "bundle")
    continued = train(config, tmp_path / "next", intensities=tiny_images, init_from=(bundle, 2), progress=False)
    assert [h["epoch"] for h in read_history(tmp_path / "next")] == [3, 4]  # the schedule's last two epochs
    assert bound(continued, tiny_images) > bound(first, tiny_images)
    other = Config(ModelConfig(image_shape=(8, 8, 1), latent_sizes=(3,), hidden_sizes=((32,),)), config.train)
    with pytest.raises(ValueError, match="weights do not match the config"):
        train(other, tmp_path / "other", intensities=tiny_images, init_from=(bundle, 2), progress=False)
