"""Training throughput of a shipped architecture: images and importance samples per second.

    python bench/train_throughput.py [--config configs/digits.toml] [--k 50] [--steps 30]

Times the compiled train step on random binary images, with and without XLA, after a warm-up.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import tensorflow as tf

from model.config import Config, load_config
from model.train import create_model, make_train_step


def time_steps(config: Config, steps: int) -> float:
    """Seconds per train step (median of `steps` timed steps after three warm-up steps)."""
    rng = np.random.default_rng(0)
    batch = rng.random((config.train.batch_size, *config.model.image_shape)).astype(np.float32)
    model, optimizer = create_model(config, batch)
    step = make_train_step(model, optimizer, config.train)
    images = tf.constant(batch)
    for i in range(3):
        step(images, tf.constant([0, i], tf.int64)).numpy()
    times = []
    for i in range(steps):
        began = time.perf_counter()
        step(images, tf.constant([1, i], tf.int64)).numpy()
        times.append(time.perf_counter() - began)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/digits.toml")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    base = load_config(args.config)
    train = dataclasses.replace(base.train, k=args.k, batch_size=args.batch_size or base.train.batch_size)
    print(
        f"{args.config}: latents {base.model.latent_sizes}, k = {train.k}, batch {train.batch_size}, "
        f"device {tf.config.list_logical_devices()[-1].name}"
    )
    print(f"{'XLA':>5} {'ms/step':>9} {'images/s':>10} {'samples/s':>11} {'s/epoch (60k)':>14}")
    for jit in (False, True):
        config = Config(base.model, dataclasses.replace(train, jit_compile=jit))
        seconds = time_steps(config, args.steps)
        images = train.batch_size / seconds
        samples = images * train.k
        print(f"{'on' if jit else 'off':>5} {seconds * 1e3:9.1f} {images:10.0f} {samples:11.0f} {60000 / images:14.1f}")


if __name__ == "__main__":
    main()
