"""`iwae serve` in a child process on a free loopback port: what the benchmarks and the browser tests
run against, started and stopped the same way (SIGTERM, as a container runtime or Kubernetes would).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerFailed(RuntimeError):
    """The server exited, or was not ready in time; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(url: str) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@contextmanager
def local_server(log_path: Path, bundles: Path | None = None, timeout: float = 300) -> Iterator[str]:
    """Yields the root URL of a fresh `iwae serve` once /readyz says 200 (its output goes to
    `log_path`); stops it on exit. Raises ServerFailed when it dies or is not ready within `timeout` s."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning"] + (["--bundles", str(bundles)] if bundles else [])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while status(f"{url}/readyz") != 200:
            if server.poll() is not None:
                raise ServerFailed(f"the server exited with code {server.returncode}:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise ServerFailed(f"the server was not ready within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.25)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
