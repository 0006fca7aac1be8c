"""Where the model runs: one device (the first GPU, else the CPU) or several through tf.distribute.

none          one device: the first GPU TensorFlow sees, else the CPU
mirrored      every GPU of this machine (MirroredStrategy), each taking a slice of the batch
multi_worker  every GPU (or CPU) of several machines (MultiWorkerMirroredStrategy), which learn
              the cluster and their own place in it from the TF_CONFIG environment variable
"""

from __future__ import annotations

import json
import logging
import os

import tensorflow as tf

log = logging.getLogger(__name__)

STRATEGIES = ("none", "mirrored", "multi_worker")


def device_name() -> str:
    """Where TensorFlow places a one-device model: the first GPU when one is visible, else the CPU."""
    return "/GPU:0" if tf.config.list_physical_devices("GPU") else "/CPU:0"


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The tf.distribute strategy called `name` (one of STRATEGIES)."""
    if name == "none":
        return tf.distribute.OneDeviceStrategy(device_name())
    if name == "mirrored":
        # On a machine without GPUs this mirrors over the logical CPU devices (the tests make two).
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus or tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError("strategy multi_worker needs TF_CONFIG (the cluster and this worker's task) to be set")
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {name!r}")


def is_chief() -> bool:
    """Whether this process writes the run's checkpoints and logs: always, except on the workers of a
    multi-worker cluster that are not its chief (task "chief", or worker 0 when there is none)."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task = config.get("task", {})
    kind, index = task.get("type"), task.get("index", 0)
    if kind is None or kind == "chief":
        return True
    return kind == "worker" and index == 0 and "chief" not in config.get("cluster", {})


def describe(strategy: tf.distribute.Strategy) -> str:
    """e.g. "MirroredStrategy over 2 replicas (/GPU:0, /GPU:1)" for the training log."""
    devices = getattr(strategy.extended, "worker_devices", ())
    return f"{type(strategy).__name__} over {strategy.num_replicas_in_sync} replica(s) ({', '.join(devices)})"
