"""The `iwae` command: the model's commands (train, export, evaluate, decoder, attributes) and `serve`.

It sits above both packages: `model/` is a library that never imports the web app, and the app's
only way to run is through here (or `create_app` for an ASGI server of your choice).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from model.cli import add_model_commands


def _serve(args: argparse.Namespace) -> None:
    import gc
    import signal

    # Off until the first model has loaded (app/main.py freezes what is alive then and turns it back on):
    # importing TensorFlow and building a model make millions of objects, and walking them again and
    # again cost about 1 s of the 10 s to the first ready answer here. On whatever way out, back on.
    gc.disable()
    try:
        import uvicorn

        from app.config import Settings
        from app.main import create_app

        overrides = {"bundles_dir": args.bundles} if args.bundles else {}
        # Uvicorn turns SIGTERM into a graceful shutdown (stop accepting, finish every request in flight),
        # then raises the signal again for the handler it found at start. That handler is this no-op, so
        # a drained server exits 0: a container runtime or Kubernetes reads 143 (killed) as a crash.
        signal.signal(signal.SIGTERM, lambda signum, frame: None)
        uvicorn.run(
            create_app(Settings(**overrides)),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=args.access_log,
        )
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="iwae", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add_model_commands(commands)

    p = commands.add_parser("serve", help="serve every bundle over HTTP: the REST API and the browser demo")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)")
    # A string default goes through `type` too, so a bad $PORT gets argparse's plain error.
    p.add_argument("--port", type=int, default=os.environ.get("PORT", "8000"), help="port (default: $PORT, else 8000)")
    p.add_argument(
        "--bundles",
        type=Path,
        default=None,
        help="bundles directory (default: $IWAE_BUNDLES_DIR, else model/bundles)",
    )
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a line per request (--no-access-log behind a proxy that logs: about 7%% of the event loop's time)",
    )
    p.set_defaults(func=_serve)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
