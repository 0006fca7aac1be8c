"""Latency and throughput of the service, per endpoint: starts `iwae serve` on a free loopback port (or
uses --url), drives each API endpoint with a typical request from concurrent clients for a fixed number
of requests, and prints p50/p99 latency and answered requests per second as a table. (A Python client
shares the two cores with the server: for throughput under load, bench/wrk_bench.sh.)

    python bench/serve_bench.py --requests 100 --concurrency 4
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

import httpx
import numpy as np

from app.local_server import ServerFailed, start_server, stop_server, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    name: str
    latencies: list[float]  # seconds, successful (200) requests only
    errors: int  # requests answered with another status
    wall: float  # seconds for all requests of this endpoint

    def row(self) -> list[str]:
        ms = np.array(self.latencies) * 1000 if self.latencies else np.array([np.nan])
        return [
            self.name,
            str(len(self.latencies) + self.errors),
            str(self.errors),
            f"{np.percentile(ms, 50):.1f}",
            f"{np.percentile(ms, 99):.1f}",
            f"{len(self.latencies) / self.wall:.1f}",  # answered requests only: a fast 503 is not throughput
        ]


def drive(
    url: str, name: str, send: Callable[[httpx.Client], httpx.Response], requests: int, concurrency: int
) -> Result:
    """`requests` calls of `send`, `concurrency` threads at a time, each thread with its own client (one
    keep-alive connection), opened by an unmeasured call before the clock starts."""
    clients = [httpx.Client(base_url=url, timeout=300) for _ in range(concurrency)]
    for client in clients:
        send(client)  # connection set-up, unmeasured
    free = Queue()
    for client in clients:
        free.put(client)

    def one(_: int) -> tuple[float, bool]:
        client = free.get()  # a thread takes a client no other thread is using
        try:
            began = time.perf_counter()
            response = send(client)
            return time.perf_counter() - began, response.status_code == 200
        finally:
            free.put(client)

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        outcomes = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - began
    for client in clients:
        client.close()
    return Result(name, [t for t, ok in outcomes if ok], sum(not ok for _, ok in outcomes), wall)


def png_bytes(data_url: str) -> bytes:
    return base64.b64decode(data_url.split(",", 1)[1])


def scenarios(url: str, model: dict) -> list[tuple[str, Callable[[httpx.Client], httpx.Response]]]:
    """Each endpoint with a typical request, on images and latents the model itself produced."""
    name, size = model["name"], model["latent_size"]
    samples = httpx.post(f"{url}/sample", json={"model": name, "n": 4, "seed": 0}, timeout=120).json()
    images = [png_bytes(u) for u in samples["images"]]
    z, w = samples["latents"][0], samples["latents"][1]
    attribute = model["attributes"][0]["name"] if model["attributes"] else None
    edits = [{"attribute": attribute, "scale": 1.0}] if attribute else [{"vector": [0.1] * size, "scale": 1.0}]
    sweep = {"attribute": attribute} if attribute else {"vector": [0.1] * size}
    image = {"image": ("x.png", images[0], "image/png")}
    custom = [("with", ("a.png", images[0], "image/png")), ("with", ("b.png", images[1], "image/png"))]
    custom += [("without", ("c.png", images[2], "image/png")), ("without", ("d.png", images[3], "image/png"))]
    return [
        ("GET /healthz", lambda c: c.get("/healthz")),
        ("GET /models", lambda c: c.get("/models")),
        ("POST /encode k=50", lambda c: c.post("/encode", files=image, data={"model": name, "k": "50"})),
        (
            "POST /encode k=50 samples=16",
            lambda c: c.post("/encode", files=image, data={"model": name, "samples": "16"}),
        ),
        (
            f"POST /encode bounds ({model.get('max_k', 5000)})",
            lambda c: c.post("/encode", files=image, data={"model": name, "bounds": "true"}),
        ),
        ("POST /decode 8", lambda c: c.post("/decode", json={"model": name, "latents": [z] * 8})),
        ("POST /sample 16", lambda c: c.post("/sample", json={"model": name, "n": 16, "seed": 1})),
        (
            "POST /interpolate 8",
            lambda c: c.post("/interpolate", json={"model": name, "start": z, "end": w, "steps": 8}),
        ),
        (
            "POST /edit + sweep 7",
            lambda c: c.post("/edit", json={"model": name, "latent": z, "edits": edits, "sweep": sweep}),
        ),
        ("POST /attributes/custom 2+2", lambda c: c.post("/attributes/custom", files=custom, data={"model": name})),
    ]


def table(rows: list[list[str]], header: list[str]) -> str:
    """A Markdown table: the first column left-aligned, the numbers right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "| " + " | ".join(padded) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def start_and_time(stack: contextlib.ExitStack, bundles: Path | None, timeout: float) -> str:
    """Starts `iwae serve` (stopped when `stack` closes) and prints how long it took to be ready (/readyz
    200: the first model serves) and to serve every model; returns its URL."""
    began = time.perf_counter()
    log_path = Path(tempfile.mkdtemp(prefix="serve-bench-")) / "server.log"
    try:
        server, url = start_server(log_path, bundles, timeout, every_model=False)
        stack.callback(stop_server, server)
        ready = time.perf_counter() - began
        wait_until_ready(server, url, log_path, timeout)
    except ServerFailed as failure:
        raise SystemExit(str(failure)) from None
    print(f"server ready in {ready:.1f} s, every model served in {time.perf_counter() - began:.1f} s, at {url}")
    print(f"(log: {log_path})")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100, help="requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=4, help="clients sending at once")
    parser.add_argument(
        "--bundles", type=Path, default=None, help="bundles directory for the server (default: the shipped ones)"
    )
    parser.add_argument("--model", default=None, help="model to drive (default: the first one served)")
    parser.add_argument("--url", default=None, help="benchmark a running server instead of starting one")
    parser.add_argument("--startup-timeout", type=float, default=300)
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        url = args.url
        if url is None:
            url = start_and_time(stack, args.bundles, args.startup_timeout)
        models = httpx.get(f"{url}/models", timeout=30).json()
        model = next(m for m in models if args.model in (None, m["name"]))
        print(
            f"model {model['name']}: {'×'.join(map(str, model['image_shape']))} images, latent {model['latent_size']}, "
            f"on {model['device']}; {args.requests} requests per endpoint, {args.concurrency} concurrent clients\n"
        )
        results = [drive(url, name, send, args.requests, args.concurrency) for name, send in scenarios(url, model)]
        print(table([r.row() for r in results], ["endpoint", "requests", "errors", "p50 ms", "p99 ms", "req/s"]))


if __name__ == "__main__":
    main()
