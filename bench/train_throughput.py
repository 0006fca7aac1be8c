"""Training throughput of the shipped configs: ms per step, images/s and s per epoch, for each precision
(float32, bfloat16) with XLA off and on, and the speed-up over float32 with XLA off.

    python bench/train_throughput.py [--config configs/digits.toml configs/faces.toml] [--steps 30]
        [--gradient standard|dreg] [--no-xla]

Times the compiled train step on random images after a warm-up (median of the timed steps). Run it
on idle cores: a second busy process halves every figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from model.config import Config, load_config
from model.train import create_model, make_train_step

EPOCH_IMAGES = {"mnist": 60_000, "celeba": 42_236}  # training images per epoch of each dataset


def cpu_name() -> str:
    """The CPU's model name and whether it has bfloat16 units (what decides the bfloat16 speed-up)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    units = [f for f in ("amx_bf16", "avx512_bf16") if f in flags]
    return (
        f"{name}, {len(tf.config.list_physical_devices('CPU'))} device(s), bfloat16 units: {', '.join(units) or 'none'}"
    )


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


def bench_config(path: str, steps: int, xla: list[bool], gradient: str | None = None) -> None:
    base = load_config(path)
    train = dataclasses.replace(base.train, gradient=gradient) if gradient else base.train
    epoch = EPOCH_IMAGES[train.dataset]
    print(
        f"\n{path}: latents {base.model.latent_sizes}, k = {train.k}, batch {train.batch_size}, "
        f"trains in {train.precision}, {train.gradient} gradient"
    )
    print(f"{'precision':>10} {'XLA':>4} {'ms/step':>9} {'images/s':>9} {'s/epoch':>8} {'speed-up':>9}")
    reference = None
    for precision in ("float32", "bfloat16"):
        for jit in xla:
            config = Config(base.model, dataclasses.replace(train, jit_compile=jit, precision=precision))
            seconds = time_steps(config, steps)
            reference = reference or seconds  # float32, XLA off comes first
            images = train.batch_size / seconds
            print(
                f"{precision:>10} {'on' if jit else 'off':>4} {seconds * 1e3:9.1f} {images:9.0f} "
                f"{epoch / images:8.1f} {reference / seconds:8.2f}×"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", nargs="+", default=["configs/digits.toml", "configs/faces.toml"])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--no-xla", action="store_true", help="skip the XLA rows (each compiles for a while)")
    parser.add_argument("--gradient", choices=["standard", "dreg"], help="the estimator (default: each config's)")
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}; TensorFlow {tf.__version__}")
    for path in args.config:
        bench_config(path, args.steps, [False] if args.no_xla else [False, True], args.gradient)


if __name__ == "__main__":
    main()
