"""How well the edited image follows a dragged slider, in headless Chromium against the real service.

    python bench/slider_bench.py [--model digits] [--path page server] [--drags 5] [--steps 90] [--interval 16]
        [--url http://127.0.0.1:8000]

A drag is `steps` slider `input` events `interval` ms apart (90 × 16 ms: a 1.5 s drag at 60 Hz), sent
in the page; a MutationObserver times every change of the edited image. Prints, per decoding path and
drag and as the median over drags: image updates per second during the drag, the delay from the
drag's start to the first update, and the delay from its end to the last (0 when the last update came
during the drag; medians leave out drags without any update). "page" decodes in the page
(ONNX Runtime Web, static/js/pagedecoder.js); "server" blocks the runtime so every frame is a /edit
request. At 16 ms between events, 62.5 updates/s is every event. Run it on idle cores.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from app.local_server import CHROMIUM, CHROMIUM_ARGS, ServerFailed, local_server

DRAG = (Path(__file__).with_name("slider_drag.js")).read_text()  # shared with the browser test


def measure(url: str, model: str, path: str, drags: int, steps: int, interval: int) -> list[dict[str, float]]:
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        if path == "server":  # no runtime: the page falls back to /edit requests
            page.route("**/vendor/onnxruntime-web/**", lambda route: route.fulfill(status=404, body=""))
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        if page.locator("#model-select").input_value() != model:
            page.select_option("#model-select", model)
        expected = "Decoding in this page" if path == "page" else "Decoding on the server ("
        page.wait_for_function(
            "text => document.querySelector('#decoding-path').textContent.startsWith(text)",
            arg=expected,
            timeout=60_000,
        )
        page.wait_for_function("document.querySelector('#edited-view').src.startsWith('data:image/png')")
        page.wait_for_selector("#sliders input[type=range]")
        for _ in range(drags):
            drag = page.evaluate(DRAG, [steps, interval, 1000])
            during = [t for t in drag["changes"] if t <= drag["end"]]
            results.append(
                {
                    "updates_per_s": len(during) / (drag["end"] / 1000),
                    "first_ms": drag["changes"][0] if drag["changes"] else float("nan"),
                    "settle_ms": max(0.0, drag["changes"][-1] - drag["end"]) if drag["changes"] else float("nan"),
                }
            )
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="digits")
    parser.add_argument("--path", nargs="+", choices=["page", "server"], default=["page", "server"])
    parser.add_argument("--drags", type=int, default=5)
    parser.add_argument("--steps", type=int, default=90)
    parser.add_argument("--interval", type=int, default=16, help="ms between input events")
    parser.add_argument("--url", default=None, help="a running server instead of starting one")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (make chromium)")
    try:
        if args.url:
            report(args, args.url)
        else:
            log_path = Path(tempfile.mkdtemp(prefix="slider-bench-")) / "server.log"
            with local_server(log_path) as url:
                report(args, url)
    except ServerFailed as failure:
        raise SystemExit(str(failure)) from None


def median_of(values) -> float:
    """The median of the values that are not NaN (a drag without any update has no delays); NaN if none."""
    kept = [v for v in values if not math.isnan(v)]
    return statistics.median(kept) if kept else float("nan")


def report(args: argparse.Namespace, url: str) -> None:
    for path in args.path:
        results = measure(url, args.model, path, args.drags, args.steps, args.interval)
        print(f"{args.model}: {args.drags} drags of {args.steps} input events {args.interval} ms apart ({path} path)")
        print(f"{'drag':>6} {'updates/s':>10} {'first ms':>9} {'settle ms':>10}")
        for i, r in enumerate(results, 1):
            print(f"{i:>6} {r['updates_per_s']:10.1f} {r['first_ms']:9.1f} {r['settle_ms']:10.1f}")
        median = {key: median_of(r[key] for r in results) for key in results[0]}
        print(f"{'median':>6} {median['updates_per_s']:10.1f} {median['first_ms']:9.1f} {median['settle_ms']:10.1f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
