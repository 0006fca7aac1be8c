"""Training throughput of the shipped configs: ms per step, images/s and s per epoch, for each precision
(float32, bfloat16) with XLA off and on, and the speed-up over float32 with XLA off.

    python bench/train_throughput.py [--config configs/digits.toml configs/faces.toml] [--steps 30]
        [--gradient standard|dreg] [--no-xla] [--repeat 3]

Times the compiled train step on random images after a warm-up (median of the timed steps). Run it
on idle cores: a second busy process halves every figure. Even idle, the same 2 cores drift by ±5 %
over minutes; --repeat N times every row N times in interleaved rounds and prints the median and range.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
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
    cpus = len(os.sched_getaffinity(0))  # logical CPUs it may run on (a cgroup quota may allow less time)
    return f"{name}, {cpus} CPUs in this process's affinity mask, bfloat16 units: {', '.join(units) or 'none'}"


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


def bench_config(path: str, steps: int, xla: list[bool], gradient: str | None = None, repeat: int = 1) -> None:
    base = load_config(path)
    train = dataclasses.replace(base.train, gradient=gradient) if gradient else base.train
    epoch = EPOCH_IMAGES[train.dataset]
    print(
        f"\n{path}: latents {base.model.latent_sizes}, k = {train.k}, batch {train.batch_size}, "
        f"trains in {train.precision}, {train.gradient} gradient"
    )
    rows = [(precision, jit) for precision in ("float32", "bfloat16") for jit in xla]  # float32, XLA off first
    # Rounds over all rows, not one row at a time: the same cores run faster and slower over minutes, and
    # interleaving spreads that drift over every row instead of handing it to one.
    seconds: dict[tuple[str, bool], list[float]] = {row: [] for row in rows}
    for _ in range(repeat):
        for precision, jit in rows:
            config = Config(base.model, dataclasses.replace(train, jit_compile=jit, precision=precision))
            seconds[precision, jit].append(time_steps(config, steps))
    spread = f" {'range over ' + str(repeat) + ' rounds':>22}" if repeat > 1 else ""
    print(f"{'precision':>10} {'XLA':>4} {'ms/step':>9} {'images/s':>9} {'s/epoch':>8} {'speed-up':>9}{spread}")
    reference = float(np.median(seconds[rows[0]]))
    for (precision, jit), times in seconds.items():
        median = float(np.median(times))
        images = train.batch_size / median
        extra = f" {min(times) * 1e3:13.1f}–{max(times) * 1e3:.1f} ms" if repeat > 1 else ""
        print(
            f"{precision:>10} {'on' if jit else 'off':>4} {median * 1e3:9.1f} {images:9.0f} "
            f"{epoch / images:8.1f} {reference / median:8.2f}×{extra}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", nargs="+", default=["configs/digits.toml", "configs/faces.toml"])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--no-xla", action="store_true", help="skip the XLA rows (each compiles for a while)")
    parser.add_argument("--gradient", choices=["standard", "dreg"], help="the estimator (default: each config's)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds over all rows; prints each row's median and range"
    )
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}; TensorFlow {tf.__version__}")
    for path in args.config:
        bench_config(path, args.steps, [False] if args.no_xla else [False, True], args.gradient, args.repeat)


if __name__ == "__main__":
    main()
