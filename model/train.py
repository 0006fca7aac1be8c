"""Training: Adam on the k-sample bound with the paper's staged schedule, resumable and seeded.

The run's randomness (epoch order, dynamic binarisation, importance samples) is a pure function of
(seed, epoch, step), so a run stopped after any epoch and resumed from its checkpoint continues
exactly as if it had never stopped. It is drawn for the whole batch, whatever the number of devices
the batch is split across (tf.distribute replicas), so one device and several see the same samples.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from safetensors import safe_open
from safetensors.numpy import load_file, save_file
from tqdm import tqdm

from model.bundle import assign_weights, verified_weights
from model.config import Config, ModelConfig, TrainConfig
from model.data import load_dataset
from model.devices import describe, is_chief, make_strategy
from model.dreg import dreg_bound_and_surrogate
from model.iwae import IWAE, OBJECTIVES, build
from model.likelihoods import make_likelihood

log = logging.getLogger(__name__)


class TrainingDiverged(RuntimeError):
    """The bound stopped being a finite number: the run stops before a checkpoint records it."""


def initial_output_bias(config: ModelConfig, intensities: np.ndarray) -> np.ndarray:
    """Decoder output bias so that an untrained model predicts the training data's mean image
    (the paper's initialisation): the logit of the mean pixel for Bernoulli pixels; for the
    discretised logistic, atanh of the mean on [-1, 1] and a log-scale of −2 (per channel for conv)."""
    mean = np.clip(intensities.mean(axis=0), 1e-3, 1 - 1e-3)  # (H, W, C)
    if config.network == "conv":
        mean = mean.mean(axis=(0, 1))  # transposed convolutions have one bias per channel
    if config.likelihood == "bernoulli":
        return np.log(mean / (1 - mean)).astype(np.float32)
    centre = np.arctanh(2 * mean - 1)
    return np.concatenate([centre, np.full_like(centre, -2.0)], axis=-1).astype(np.float32)


def checkpoint_tensors(model: IWAE, optimizer: keras.optimizers.Optimizer) -> dict[str, np.ndarray]:
    """Everything a checkpoint holds, copied out of the variables: "model/<path>" and "optimizer/<path>"."""
    tensors = {f"model/{v.path}": np.asarray(v.numpy()) for v in model.variables}
    return tensors | {f"optimizer/{v.path}": np.asarray(v.numpy()) for v in optimizer.variables}


def save_checkpoint(directory: Path, epoch: int, tensors: dict[str, np.ndarray], keep: int = 2) -> Path:
    """Writes checkpoint_tensors after `epoch` epochs (atomically), keeping the last `keep`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"epoch-{epoch:05d}.safetensors"
    partial = path.with_suffix(".partial")
    save_file(tensors, str(partial), metadata={"epoch": str(epoch)})
    partial.replace(path)
    for old in sorted(directory.glob("epoch-*.safetensors"))[:-keep]:
        old.unlink()
    return path


def latest_checkpoint(directory: Path) -> Path | None:
    found = sorted(directory.glob("epoch-*.safetensors")) if directory.is_dir() else []
    return found[-1] if found else None


def restore_checkpoint(path: Path, model: IWAE, optimizer: keras.optimizers.Optimizer | None = None) -> int:
    """Assigns a checkpoint's variables (every one must be present) and returns its epoch."""
    tensors = load_file(str(path))
    targets = [("model", model.variables)] + ([("optimizer", optimizer.variables)] if optimizer is not None else [])
    for prefix, variables in targets:
        for v in variables:
            key = f"{prefix}/{v.path}"
            if key not in tensors:
                raise KeyError(f"checkpoint {path} has no {key}: it belongs to a different model")
            v.assign(tensors[key])
    with safe_open(str(path), framework="numpy") as f:
        return int(f.metadata()["epoch"])


def make_train_step(
    model: IWAE,
    optimizer: keras.optimizers.Optimizer,
    train: TrainConfig,
    strategy: tf.distribute.Strategy | None = None,
) -> Callable:
    """A compiled step: (the batch's images (B, H, W, C), seed (2,)) → mean bound over the batch.

    Each of the strategy's R replicas takes B / R rows of the batch; their gradients of
    −Σ_rows L_k / B are summed by the optimizer, which gives the gradient of the batch's mean bound.
    """
    objective = OBJECTIVES[train.objective]
    strategy = strategy or tf.distribute.get_strategy()  # the default: this device, one replica
    replicas = strategy.num_replicas_in_sync
    if train.batch_size % replicas:
        raise ValueError(f"batch_size {train.batch_size} does not split evenly across {replicas} replicas")
    rows = train.batch_size // replicas

    def own_rows(batch: tf.Tensor, axis: int) -> tf.Tensor:
        """This replica's slice of a tensor drawn for the whole batch (all of it on one device)."""
        if replicas == 1:
            return batch
        first = tf.distribute.get_replica_context().replica_id_in_sync_group * rows
        return tf.gather(batch, tf.range(first, first + rows), axis=axis)

    @tf.function(jit_compile=train.jit_compile)
    def replica_step(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        data_seed, sample_seed = tf.unstack(tf.random.experimental.stateless_split(seed, num=2))
        x = own_rows(model.likelihood.in_step(images, data_seed), axis=0)  # dynamic binarisation for digits
        noise = [own_rows(epsilon, axis=1) for epsilon in model.draw_noise(train.k, train.batch_size, sample_seed)]
        with tf.GradientTape() as tape:
            if train.gradient == "dreg":  # the same bound; the recognition network's gradient without its score term
                bounds, surrogate = dreg_bound_and_surrogate(model, x, train.k, sample_seed, training=True, noise=noise)
            else:
                bounds = objective(model.log_weights(x, train.k, sample_seed, training=True, noise=noise))  # (rows,)
                surrogate = bounds
            loss = -tf.reduce_sum(surrogate) / train.batch_size  # this replica's share of the batch's mean
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return tf.reduce_sum(bounds)

    @tf.function(reduce_retracing=True)
    def step(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        sums = strategy.run(replica_step, args=(images, seed))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, sums, axis=None) / train.batch_size

    return step


def create_model(config: Config, intensities: np.ndarray) -> tuple[IWAE, keras.optimizers.Optimizer]:
    keras.utils.set_random_seed(config.train.seed)  # weight initialisation
    bias = initial_output_bias(config.model, intensities)
    model = build(IWAE(config.model, output_bias=bias, precision=config.train.precision))
    optimizer = keras.optimizers.Adam(
        learning_rate=config.train.learning_rate,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=config.train.adam_epsilon,
        name="adam",
    )
    optimizer.build(model.trainable_variables)
    return model, optimizer


def train(
    config: Config,
    workdir: str | Path,
    data_directory: str | Path | None = None,
    resume: bool = False,
    epochs: int | None = None,
    intensities: np.ndarray | None = None,
    progress: bool = True,
    strategy: str | None = None,
    init_from: tuple[Path, int] | None = None,
) -> IWAE:
    """Trains (or resumes) a model in `workdir` (checkpoints, TensorBoard, history.jsonl,
    config.json) and returns it.

    `epochs` stops early after that many epochs in total (the schedule is unchanged); `intensities`
    replaces the configured dataset (tests use tiny synthetic images); `strategy` overrides the
    config's tf.distribute strategy (model/devices.py). `init_from` = (bundle, epoch) starts a new
    run from a bundle's weights as if the schedule had reached `epoch` (Adam's moments start at zero):
    how a shipped model is trained further when its run's checkpoints are gone.
    """
    workdir = Path(workdir)
    tc = config.train
    if intensities is None:
        intensities = load_dataset(tc.dataset, "train", data_directory, tc.squeezed_faces).images
    if tc.max_train_images:
        intensities = intensities[: tc.max_train_images]
    images = make_likelihood(config.model.likelihood).training_inputs(intensities)
    distribution = make_strategy(strategy or tc.strategy)
    with distribution.scope():
        model, optimizer = create_model(config, intensities)
    log.info(
        "training on %s in %s: %d images, %d parameters",
        describe(distribution),
        tc.precision,
        len(images),
        model.count_params(),
    )
    chief = is_chief()  # in a multi-worker cluster only the chief writes; every worker reads
    checkpoints = workdir / "checkpoints"
    first_epoch = _starting_epoch(checkpoints, model, optimizer, resume, init_from)
    if chief:
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "config.json").write_text(json.dumps(config.to_dict(), indent=2))
        history = History(workdir / "history.jsonl", first_epoch)

    step = make_train_step(model, optimizer, tc, distribution)
    writer = tf.summary.create_file_writer(str(workdir / "tensorboard")) if chief else tf.summary.create_noop_writer()
    last = tc.total_epochs if epochs is None else min(epochs, tc.total_epochs)
    for e in range(first_epoch, last):
        began = time.perf_counter()
        rate = tc.learning_rate_at(e)
        optimizer.learning_rate.assign(rate)
        mean_bound = _run_epoch(step, images, tc, e, label=f"epoch {e + 1}/{last}", progress=progress)
        tensors = checkpoint_tensors(model, optimizer)
        _check_finite_tensors(tensors, e)
        seconds = time.perf_counter() - began
        with writer.as_default(step=e + 1):
            tf.summary.scalar(f"train/{tc.objective}_bound_k{tc.k}", mean_bound)
            tf.summary.scalar("train/learning_rate", rate)
        if chief:  # the history first: a resume drops a line past its checkpoint, but cannot fill a gap
            history.append(epoch=e + 1, bound=mean_bound, learning_rate=rate, seconds=round(seconds, 2))
            save_checkpoint(checkpoints, e + 1, tensors)
        log.info(
            "epoch %d/%d: %s bound (k=%d) %.3f nats, lr %.2e, %.0f s",
            e + 1,
            last,
            tc.objective,
            tc.k,
            mean_bound,
            rate,
            seconds,
        )
    return model


def _starting_epoch(
    checkpoints: Path,
    model: IWAE,
    optimizer: keras.optimizers.Optimizer,
    resume: bool,
    init_from: tuple[Path, int] | None,
) -> int:
    """Where the schedule starts: after the run's last checkpoint (restored; only with `resume`), at a
    bundle's weights and the epoch they stand for (`init_from`), or at zero."""
    latest = latest_checkpoint(checkpoints)
    if latest:
        if not resume:
            raise FileExistsError(f"{checkpoints.parent} already holds a run: pass --resume to continue it")
        epoch = restore_checkpoint(latest, model, optimizer)
        log.info("resumed from %s at epoch %d", latest, epoch)
        return epoch
    if init_from is not None:
        bundle, epoch = init_from
        copy_bundle_weights(bundle, model)
        log.info("starting at epoch %d from the weights of %s (fresh optimizer state)", epoch, bundle)
        return epoch
    return 0


def _run_epoch(step: Callable, images: np.ndarray, tc: TrainConfig, epoch: int, label: str, progress: bool) -> float:
    """One pass over the images in whole batches (one shape, one compiled graph), shuffled by (seed,
    epoch) so a resumed run sees the same order → the mean bound of its steps."""
    steps = len(images) // tc.batch_size
    order = np.random.default_rng([tc.seed, epoch]).permutation(len(images))
    total = tf.zeros((), tf.float32)
    bar = tqdm(range(steps), desc=label, disable=not progress, mininterval=2)
    for s in bar:
        batch = images[order[s * tc.batch_size : (s + 1) * tc.batch_size]]
        total += step(tf.constant(batch), tf.constant([tc.seed, epoch * steps + s], tf.int64))
        if s % 50 == 49:  # reading the running sum waits for the step: only as often as the bar shows it
            running = float(total)
            _check_finite(running, epoch)
            bar.set_postfix(bound=f"{running / (s + 1):.2f}", lr=f"{tc.learning_rate_at(epoch):.2e}")
    mean_bound = float(total) / steps
    _check_finite(mean_bound, epoch)
    return mean_bound


RESUME_ADVICE = "Resume it (--resume) with a lower learning rate, or in float32 if it ran in bfloat16"


def _check_finite(bound: float, epoch: int) -> None:
    """Stops a diverged run, so that its last checkpoint (and --resume) still holds finite weights."""
    if not math.isfinite(bound):
        raise TrainingDiverged(
            f"the bound became {bound} during epoch {epoch + 1}; the last checkpoint (epoch {epoch}) is "
            f"unaffected. {RESUME_ADVICE}"
        )


def _check_finite_tensors(tensors: dict[str, np.ndarray], epoch: int) -> None:
    """The bounds are computed before each step's update, so the epoch's last update can break the
    weights while every bound was finite: everything a checkpoint saves (weights, batch-norm moving
    statistics, which the bound in training never reads, and the optimizer's moments) is checked."""
    integer = "iub"  # the optimizer's step counter: nothing to check
    broken = [
        path for path, value in tensors.items() if value.dtype.kind not in integer and not np.isfinite(value).all()
    ]
    if broken:
        raise TrainingDiverged(
            f"the weights ({', '.join(broken[:3])}) became NaN or infinite at the end of epoch {epoch + 1}; "
            f"the last checkpoint (epoch {epoch}) is unaffected. {RESUME_ADVICE}"
        )


class History:
    """The run's learning curve, one JSON object per finished epoch, in `path`. A resumed run first
    drops any epoch after the checkpoint it resumes from (written by a run stopped before its next
    checkpoint), so the file always matches the checkpoints."""

    def __init__(self, path: Path, first_epoch: int):
        self.path = path
        kept = [line for line in self._lines() if json.loads(line)["epoch"] <= first_epoch]
        path.write_text("".join(f"{line}\n" for line in kept))

    def _lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []

    def append(self, **fields: float) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps(fields) + "\n")


def read_history(workdir: str | Path) -> list[dict]:
    """The epochs `train` has finished in `workdir`: [{"epoch", "bound", "learning_rate", "seconds"}]."""
    path = Path(workdir) / "history.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def copy_bundle_weights(bundle: str | Path, model: IWAE) -> None:
    """Assigns a (verified) bundle's weights to a model of the same architecture: every variable, no
    more and no fewer (BundleError otherwise)."""
    _, weights, _ = verified_weights(bundle)
    assign_weights(model, weights, Path(bundle).name)


def restore_run(workdir: str | Path) -> tuple[Config, IWAE]:
    """The config and model of a run directory at its latest checkpoint (optimizer state ignored)."""
    from model.config import config_from_dict

    workdir = Path(workdir)
    config = config_from_dict(json.loads((workdir / "config.json").read_text()))
    model = build(IWAE(config.model))
    latest = latest_checkpoint(workdir / "checkpoints")
    if latest is None:
        raise FileNotFoundError(f"no checkpoint in {workdir / 'checkpoints'}")
    restore_checkpoint(latest, model)
    return config, model
