"""A fleet on loopback: three replicas behind nginx (Debian's package, started here) under steady load.
One replica is killed mid-run and the clients see no failed request (nginx passes a request whose
connection is refused to the next upstream); when it comes back on its port, nginx uses it again."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from app_fixtures import DIGITS_LATENT

from app.local_server import free_port, start_server, status, stop_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (apt-get install nginx)")

CONFIG = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '$status $upstream_addr';
    access_log {prefix}/access.log upstreams;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    upstream fleet {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://fleet;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # a refused or broken connection is tried on the next replica, for reads and for the
            # side-effect-free POSTs of this API alike
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 3;
        }}
    }}
}}
"""


def post_decode(url: str) -> int:
    """The status of one /decode through the proxy; −1 when nothing answered."""
    body = json.dumps({"model": "digits", "latents": [[0.1] * DIGITS_LATENT]}).encode()
    request = urllib.request.Request(f"{url}/decode", data=body, headers={"Content-Type": "application/json"})
    return status(request, timeout=30) or -1


def test_three_replicas_behind_nginx_survive_a_lost_replica(bundles_dir, tmp_path):
    replicas = [start_server(tmp_path / f"replica-{i}.log", bundles_dir, timeout=300) for i in range(3)]
    ports = [int(url.rsplit(":", 1)[1]) for _, url in replicas]
    port = free_port()
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;" for p in ports)
    (tmp_path / "nginx.conf").write_text(CONFIG.format(prefix=tmp_path, servers=servers, port=port))
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"])
    url = f"http://127.0.0.1:{port}"
    revived = None
    try:
        deadline = time.monotonic() + 20
        while status(f"{url}/healthz") != 200 and time.monotonic() < deadline:
            assert nginx.poll() is None, f"nginx exited: see {tmp_path / 'error.log'}"
            time.sleep(0.1)
        assert status(f"{url}/healthz") == 200, f"nginx never answered: see {tmp_path / 'error.log'}"
        statuses: list[int] = []
        stop = threading.Event()

        def client() -> None:
            while not stop.is_set():
                statuses.append(post_decode(url))

        with ThreadPoolExecutor(4) as pool:
            for _ in range(4):
                pool.submit(client)
            time.sleep(2)
            lost, _ = replicas[1]
            lost.send_signal(signal.SIGKILL)  # no drain: the worst case
            lost.wait()
            answered_before_the_loss = len(statuses)
            time.sleep(3)
            stop.set()
        assert len(statuses) > answered_before_the_loss and set(statuses) == {200}, sorted(set(statuses))

        # the replica comes back on its port; nginx sends it work again once its fail_timeout passes
        revived, _ = start_server(tmp_path / "replica-1-again.log", bundles_dir, timeout=300, port=ports[1])
        (tmp_path / "access.log").write_text("")  # emptied in place: nginx appends, so it writes on from the start
        deadline = time.monotonic() + 30
        while f"127.0.0.1:{ports[1]}" not in (upstreams := (tmp_path / "access.log").read_text()):
            assert time.monotonic() < deadline, upstreams
            assert post_decode(url) == 200
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=20)
        for server, _ in replicas:
            if server.poll() is None:
                stop_server(server)
        if revived is not None:
            stop_server(revived)
