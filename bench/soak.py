"""Keep-alive soak: many mixed requests from concurrent clients that reuse their connections.

    python bench/soak.py [--url http://127.0.0.1:8000] [--requests 20000] [--clients 64]

Each client keeps one keep-alive connection (httpx, HTTP/1.1) and sends decode, sweep, encode and
sample requests in turn, pausing now and then for a random 0–8 s: idle connections meet the
server's keep-alive timeout, where a close racing the client's next request shows up as a read error.
Prints the requests, the answers by status, and every transport error by kind; without --url it
starts the service on the shipped bundles.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import io
import random
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from app.local_server import ServerFailed, local_server


def digit_png() -> bytes:
    image = Image.new("L", (28, 28), 0)
    image.paste(255, (12, 4, 16, 24))  # a "1"
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


async def client(url: str, requests: int, size: int, seed: int, tally: collections.Counter) -> None:
    rng = random.Random(seed)
    latent = np.random.default_rng(seed).standard_normal(size).round(3).tolist()
    png = digit_png()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        for i in range(requests):
            kind = ("decode", "sweep", "encode", "sample")[i % 4]
            try:
                if kind == "decode":
                    response = await http.post("/decode", json={"model": "digits", "latents": [latent]})
                elif kind == "sweep":
                    sweep = {"attribute": "0", "start": -3, "stop": 3, "steps": 16}
                    response = await http.post("/edit", json={"model": "digits", "latent": latent, "sweep": sweep})
                elif kind == "encode":
                    response = await http.post(
                        "/encode", data={"model": "digits", "k": "50"}, files={"image": ("d.png", png)}
                    )
                else:
                    response = await http.post("/sample", json={"model": "digits", "n": 4, "seed": i})
                tally[f"HTTP {response.status_code}"] += 1
            except httpx.TransportError as error:
                tally[f"{type(error).__name__}: {error}"[:120]] += 1
            if i < requests - 1 and rng.random() < 0.01:  # now and then idle long enough to meet the keep-alive timeout
                await asyncio.sleep(rng.uniform(0, 8))


async def soak(url: str, requests: int, clients: int) -> tuple[collections.Counter, float]:
    """`requests` spread over `clients` concurrent clients → (outcome counts, seconds from the first
    request to the last answer)."""
    async with httpx.AsyncClient(base_url=url) as http:
        size = next(m["latent_size"] for m in (await http.get("/models")).json() if m["name"] == "digits")
    tally: collections.Counter = collections.Counter()
    shares = [requests // clients + (seed < requests % clients) for seed in range(clients)]
    began = time.perf_counter()
    await asyncio.gather(*(client(url, share, size, seed, tally) for seed, share in enumerate(shares)))
    return tally, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=64)
    args = parser.parse_args()
    try:
        if args.url:
            tally, seconds = asyncio.run(soak(args.url, args.requests, args.clients))
        else:
            with local_server(Path(tempfile.mkdtemp(prefix="soak-")) / "server.log") as url:
                tally, seconds = asyncio.run(soak(url, args.requests, args.clients))
    except ServerFailed as failure:
        raise SystemExit(str(failure)) from None
    print(f"{sum(tally.values()):,} requests from {args.clients} keep-alive clients in {seconds:.0f} s")
    for outcome, count in sorted(tally.items()):
        print(f"{count:>8,}  {outcome}")
    errors = sum(count for outcome, count in tally.items() if not outcome.startswith("HTTP 2"))
    print(f"failed: {errors}")


if __name__ == "__main__":
    main()
