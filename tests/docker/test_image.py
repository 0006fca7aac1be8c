"""The Docker image, built and run the way a deployment runs it: read-only, as uid 10001, every
capability dropped; its health check, a REST smoke test, the browser smoke test, and a SIGTERM while
requests are in flight.

`make docker-test` runs these (pytest -m docker): they start Debian's dockerd when none answers (as
root) and build the local Debian base when python:3.11-slim cannot be pulled (deploy/docker/). Where no
daemon can be had they are skipped, saying why. They remove the image and container they made and the
build's dangling layers (the vfs driver stores every layer whole), and keep the base for the next run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from app_fixtures import decode_data_url, digit_drawing, encode_image, encode_with_bounds

from app.local_server import free_port, is_ready

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "docker"
IMAGE = "iwae:docker-test"
BUILD_TIMEOUT_S = 1800  # about 6 minutes on this machine with a warm pip; more on a cold one
READY_TIMEOUT_S = 600

pytestmark = pytest.mark.docker


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def image() -> str:
    """The project's image, built on the base deploy/docker/base.sh chooses; removed afterwards."""
    daemon = subprocess.run([DEPLOY / "dockerd.sh"], capture_output=True, text=True, timeout=180)
    if daemon.returncode != 0:
        pytest.skip(f"no Docker daemon can be had here: {daemon.stderr.strip()}")
    base = subprocess.run([DEPLOY / "base.sh"], capture_output=True, text=True, timeout=1200)
    if base.returncode != 0:
        pytest.skip(f"no base image can be had here: {base.stderr.strip()[-500:]}")
    build = ["build", "--network", "host", "--build-arg", f"BASE={base.stdout.strip()}", "-t", IMAGE, str(ROOT)]
    started = time.monotonic()
    # The legacy builder: the daemon is Debian's and no buildx plugin is installed.
    result = subprocess.run(
        ["docker", *build],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        env=os.environ | {"DOCKER_BUILDKIT": "0"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    size = int(docker("image", "inspect", "--format", "{{.Size}}", IMAGE).stdout)
    print(f"\nbuilt {IMAGE} on {base.stdout.strip()} in {time.monotonic() - started:.0f} s: {size / 1e9:.2f} GB")
    yield IMAGE
    docker("image", "rm", "--force", IMAGE, check=False)
    docker("image", "prune", "--force", check=False)  # the build stage and intermediate layers


@dataclass
class Container:
    name: str
    url: str


@pytest.fixture(scope="module")
def container(image: str) -> Container:
    """The image running as a deployment runs it, once its HEALTHCHECK reports healthy and it serves every model."""
    name, port = f"iwae-docker-test-{os.getpid()}", free_port()
    started = time.monotonic()
    docker(
        "run", "--detach", "--name", name,
        "--network", "host", "--env", f"PORT={port}",  # Debian's daemon here runs without a bridge
        "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--health-interval", "2s", "--health-timeout", "5s",
        image,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while (state := json.loads(docker("inspect", "--format", "{{json .State}}", name).stdout))["Running"]:
            if state.get("Health", {}).get("Status") == "healthy":
                break
            assert time.monotonic() < deadline, f"not healthy after {READY_TIMEOUT_S} s"
            time.sleep(1)
        assert state["Running"], "the container exited:\n" + docker("logs", name, check=False).stderr[-3000:]
        healthy = time.monotonic() - started
        url = f"http://127.0.0.1:{port}"
        while not is_ready(url, every_model=True):  # healthy once the first model serves; the tests use them all
            assert time.monotonic() < deadline, f"not every model served after {READY_TIMEOUT_S} s"
            time.sleep(0.5)
        served = time.monotonic() - started
        print(f"\n{name} healthy {healthy:.0f} s after docker run, every model served after {served:.0f} s")
        yield Container(name, url)
    finally:
        docker("rm", "--force", name, check=False)


def test_the_image_carries_no_compilers_package_tools_tests_or_training_tools(image: str):
    probe = (
        "for tool in gcc cc c++ make /opt/venv/bin/pip; do command -v $tool; done; "
        "cd /opt/venv/lib/python3*/site-packages && ls -d tensorflow/include tensorboard clang 2>/dev/null; "
        "ls -d /srv/iwae/tests /srv/iwae/bench /srv/iwae/runs /root/.cache 2>/dev/null; "
        "iwae --help >/dev/null || echo 'iwae --help failed'"
    )
    found = docker("run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c", probe).stdout.split()
    assert found == []


def test_it_runs_read_only_as_a_user_without_capabilities(container: Container):
    status = dict(  # the server's own process, as the kernel sees it
        line.split(":\t", 1) for line in docker("exec", container.name, "cat", "/proc/1/status").stdout.splitlines()
    )
    assert status["Uid"].split()[:2] == ["10001", "10001"]  # real and effective
    assert int(status["CapEff"], 16) == int(status["CapBnd"], 16) == 0  # none held, none to be had
    assert status["NoNewPrivs"].strip() == "1"
    assert docker("exec", container.name, "id", "-u").stdout.strip() == "10001"
    written = docker("exec", container.name, "touch", "/srv/iwae/model/x", check=False)
    assert written.returncode != 0 and "Read-only file system" in written.stderr


def test_rest_smoke(container: Container):
    with httpx.Client(base_url=container.url, timeout=60) as client:
        models = {m["name"]: m for m in client.get("/models").raise_for_status().json()}
        assert {"digits", "digits-vae", "faces"} <= set(models)
        size = models["digits"]["latent_size"]

        png = encode_image(digit_drawing())
        encoded = client.post("/encode", data={"model": "digits"}, files={"image": ("seven.png", png, "image/png")})
        latent = encoded.raise_for_status().json()["latent"]
        assert len(latent) == size

        decoded = client.post("/decode", json={"model": "digits", "latents": [latent]}).raise_for_status().json()
        assert decode_data_url(decoded["images"][0]).shape == (28, 28)

        path = {"model": "digits", "start": latent, "end": [0.0] * size, "steps": 5}
        assert len(client.post("/interpolate", json=path).raise_for_status().json()["images"]) == 5

        sweep = {"attribute": "1", "start": 0, "stop": 3, "steps": 4}
        edit = {"model": "digits", "latent": latent, "edits": [{"attribute": "0", "scale": 1}], "sweep": sweep}
        edited = client.post("/edit", json=edit).raise_for_status().json()
        assert len(edited["sweep"]["images"]) == 4 and edited["image"].startswith("data:image/png")
    memory = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", container.name).stdout.strip()
    print(f"\nmemory after the smoke test: {memory}")  # what deploy/kubernetes's requests are sized on


def test_browser_smoke(container: Container):
    """The page's own smoke tests (tests/browser), pointed at the container."""
    tests = "page_loads_without_console_errors or drawing_encodes_and_shows_reconstruction"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/browser/test_demo.py", "-k", tests],
        cwd=ROOT,
        env=os.environ | {"IWAE_TEST_BASE_URL": container.url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]


def test_sigterm_finishes_the_requests_in_flight_and_exits_0(container: Container):
    """Last: it stops the container. `docker stop` sends SIGTERM, as Kubernetes does."""
    png = encode_image(digit_drawing())
    with ThreadPoolExecutor(8) as pool:
        answers = [pool.submit(encode_with_bounds, container.url, png) for _ in range(8)]
        wait(answers, return_when=FIRST_COMPLETED)  # the rest are in the server, waiting or running
        in_flight = sum(not answer.done() for answer in answers)
        stopped = time.monotonic()
        docker("stop", "--time", "60", container.name, timeout=90)
        statuses = [answer.result(timeout=120) for answer in answers]
    exit_code = int(docker("inspect", "--format", "{{.State.ExitCode}}", container.name).stdout)
    print(f"\nstopped in {time.monotonic() - stopped:.1f} s with exit code {exit_code}, {in_flight} requests in flight")
    assert in_flight > 0  # else nothing was left to drain and the test proved nothing
    assert statuses == [200] * 8
    assert exit_code == 0, docker("logs", container.name, check=False).stderr[-3000:]
