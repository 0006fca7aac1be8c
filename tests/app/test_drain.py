"""Stopping like a production server: on SIGTERM the service finishes every request in flight, then
exits 0."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from app_fixtures import digit_drawing, encode_image

from app.local_server import start_server, stop_server


def encode_with_bounds(url: str, png: bytes) -> int:
    """POST /encode with k = 5000 and the bound chart: a request that takes a while."""
    boundary = "drain-test-boundary"
    fields = {"model": "digits", "k": "5000", "bounds": "true"}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="d.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + png
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{url}/encode", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert "log_likelihood" in json.loads(response.read())
        return response.status


def test_sigterm_finishes_the_requests_in_flight_and_exits_0(bundles_dir, tmp_path):
    server, url = start_server(tmp_path / "server.log", bundles_dir, timeout=300)
    png = encode_image(digit_drawing())
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = [pool.submit(encode_with_bounds, url, png) for _ in range(8)]
            # The expensive lane answers them one at a time: once the first is back, the other seven
            # (sent at the same moment) are in the server, waiting or running. Then the signal.
            wait(answers, return_when=FIRST_COMPLETED)
            exit_code = stop_server(server, timeout=120)
            statuses = [f.result(timeout=120) for f in answers]
    finally:
        if server.poll() is None:
            stop_server(server)
    assert statuses == [200] * 8
    assert exit_code == 0, (tmp_path / "server.log").read_text()[-2000:]
