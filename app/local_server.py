"""`iwae serve` in a child process on a free loopback port: what the benchmarks and the browser tests
run against, started and stopped the same way (SIGTERM, as a container runtime or Kubernetes would);
and the headless Chromium both drive it with.
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
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's; CHROMIUM names another binary
# Flags that keep Chromium quiet and offline: no sandbox (root in a container), no GPU, no calls home.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


class ServerFailed(RuntimeError):
    """The server exited, or was not ready in time; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(request: str | urllib.request.Request, timeout: float = 5) -> int | None:
    """The HTTP status of a request (a URL: a GET), or None when nothing answers."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def is_ready(url: str, every_model: bool = True) -> bool:
    """/readyz at `url` says 200: a model serves or, with every_model, all do."""
    return status(f"{url}/readyz?every_model={str(every_model).lower()}") == 200


def wait_until_ready(
    server: subprocess.Popen, url: str, log_path: Path, timeout: float = 300, every_model: bool = True
) -> None:
    """Returns once the server at `url` is_ready; raises ServerFailed (after stopping it) when it dies or
    is not ready within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not is_ready(url, every_model):
        failure = None
        if server.poll() is not None:
            failure = f"the server exited with code {server.returncode}"
        elif time.monotonic() > deadline:
            failure = f"the server was not ready within {timeout:.0f} s"
        if failure:
            stop_server(server)
            raise ServerFailed(f"{failure}:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.25)


def start_server(
    log_path: Path,
    bundles: Path | None = None,
    timeout: float = 300,
    port: int | None = None,
    every_model: bool = True,
) -> tuple[subprocess.Popen, str]:
    """A fresh `iwae serve` (its output in `log_path`) on `port` (a free one by default) and its root
    URL, once it is ready: every model served (or, without every_model, the first). Raises
    ServerFailed (after stopping it) when it dies or is not ready within `timeout` seconds."""
    port = port or free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning"] + (["--bundles", str(bundles)] if bundles else [])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_ready(server, url, log_path, timeout, every_model)
    return server, url


def stop_server(server: subprocess.Popen, timeout: float = 20) -> int:
    """SIGTERM (what a container runtime sends), then SIGKILL after `timeout` s; the exit code."""
    server.terminate()
    try:
        return server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        return server.wait()


@contextmanager
def local_server(log_path: Path, bundles: Path | None = None, timeout: float = 300) -> Iterator[str]:
    """Yields the root URL of a fresh `iwae serve` (start_server); stops it on exit."""
    server, url = start_server(log_path, bundles, timeout)
    try:
        yield url
    finally:
        stop_server(server)
