"""Trains the tiny test model on one device and on two logical CPU devices with MirroredStrategy and
prints both learning curves and the largest weight difference as JSON.

Run as a script (tests/model/test_distributed.py does): logical devices can only be made before
TensorFlow first touches the CPU, which a pytest process has long done.
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the synthetic data

from synthetic import tiny_images  # noqa: E402

from model.config import Config, ModelConfig, TrainConfig  # noqa: E402  (after the devices exist)
from model.devices import make_strategy  # noqa: E402
from model.train import read_history, train  # noqa: E402


def main(precision: str) -> None:
    config = Config(
        ModelConfig(image_shape=(8, 8, 1), latent_sizes=(4, 2), hidden_sizes=((32,), (16,))),
        TrainConfig(
            k=5, batch_size=16, stages=2, stage_growth=1.0, epoch_scale=2, learning_rate=3e-3, precision=precision
        ),
    )
    runs, weights = {}, {}
    with tempfile.TemporaryDirectory() as root:
        for strategy in ("none", "mirrored"):
            model = train(config, Path(root) / strategy, intensities=tiny_images(), progress=False, strategy=strategy)
            runs[strategy] = [h["bound"] for h in read_history(Path(root) / strategy)]
            weights[strategy] = [v.numpy() for v in model.variables]
            if strategy == "mirrored":  # resume a stopped mirrored run: it must land on the same weights
                train(
                    config,
                    Path(root) / "resumed",
                    intensities=tiny_images(),
                    progress=False,
                    strategy=strategy,
                    epochs=2,
                )
                resumed = train(
                    config,
                    Path(root) / "resumed",
                    intensities=tiny_images(),
                    progress=False,
                    strategy=strategy,
                    resume=True,
                )
                weights["resumed"] = [v.numpy() for v in resumed.variables]
    replicas = make_strategy("mirrored").num_replicas_in_sync  # as train() made it: both logical CPUs?

    def largest_difference(a: str, b: str) -> float:
        return max(float(np.abs(x - y).max()) for x, y in zip(weights[a], weights[b], strict=True))

    print(
        json.dumps(
            {
                "replicas": replicas,
                "bounds": runs,
                "weight_difference": largest_difference("none", "mirrored"),
                "resume_difference": largest_difference("mirrored", "resumed"),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "float32")
