"""tf.distribute: the trainer on two logical CPU devices (MirroredStrategy) matches one device."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.devices import is_chief, make_strategy


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_two_replicas_train_like_one_device_and_resume_exactly(precision):
    script = Path(__file__).with_name("distributed_run.py")
    done = subprocess.run(
        [sys.executable, str(script), precision], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    one, two = result["bounds"]["none"], result["bounds"]["mirrored"]
    assert len(one) == len(two) == 4
    # Same samples, same data, the gradient summed from two half-batches: equal up to rounding, which
    # in bfloat16 (8 significant bits) differs between a product over 16 rows and two over 8.
    rounding = {"float32": 1e-5, "bfloat16": 2e-4}[precision]
    np.testing.assert_allclose(two, one, rtol=rounding)
    assert result["weight_difference"] < 100 * rounding
    assert result["resume_difference"] == 0.0


def test_multi_worker_needs_tf_config_and_only_the_chief_writes(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG"):
        make_strategy("multi_worker")
    with pytest.raises(ValueError, match="strategy must be one of"):
        make_strategy("parameter_server")
    assert is_chief()
    cluster = {"worker": ["host-a:2222", "host-b:2222"]}
    for index, chief in ((0, True), (1, False)):
        monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        assert is_chief() is chief
    with_chief = {"chief": ["host-c:2222"], **cluster}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": with_chief, "task": {"type": "worker", "index": 0}}))
    assert not is_chief()
