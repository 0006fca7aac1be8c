"""The README's quick start on a machine without Node.js: `make run` does not need npm (the page then
decodes on the server); with npm it installs ONNX Runtime Web first."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_needs_npm_only_when_there_is_one():
    def planned(*overrides: str) -> str:  # what `make run` would do, without doing it
        return subprocess.run(
            ["make", "-n", "-B", "run", *overrides], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    assert "npm ci" not in planned("NPM=")  # no Node.js: straight to serving
    assert "iwae serve" in planned("NPM=")
    if shutil.which("npm"):
        assert "npm ci" in planned()
