"""Stopping like a production server: on SIGTERM the service finishes every request in flight, then
exits 0."""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from app_fixtures import digit_drawing, encode_image, encode_with_bounds

from app.local_server import start_server, stop_server


def test_sigterm_finishes_the_requests_in_flight_and_exits_0(bundles_dir, tmp_path):
    server, url = start_server(tmp_path / "server.log", bundles_dir, timeout=300)
    png = encode_image(digit_drawing())
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = [pool.submit(encode_with_bounds, url, png) for _ in range(8)]
            # The expensive lane answers them one at a time: once the first is back, the other seven
            # (sent at the same moment) are in the server, waiting or running. Then the signal.
            wait(answers, return_when=FIRST_COMPLETED)
            in_flight = sum(not answer.done() for answer in answers)
            exit_code = stop_server(server, timeout=120)
            statuses = [f.result(timeout=120) for f in answers]
    finally:
        if server.poll() is None:
            stop_server(server)
    assert in_flight > 0  # else nothing was left to drain and the test proved nothing
    assert statuses == [200] * 8
    assert exit_code == 0, (tmp_path / "server.log").read_text()[-2000:]
