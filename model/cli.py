"""The `iwae` command: train, export, evaluate, attributes, serve. Thin: parses flags, calls functions."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path


def _train(args: argparse.Namespace) -> None:
    from model.config import load_config
    from model.train import train

    config = load_config(args.config)
    model = train(
        config, args.out, data_directory=args.data_dir, resume=args.resume, epochs=args.epochs, strategy=args.strategy
    )
    if args.bundle:
        from model.bundle import save_bundle

        save_bundle(model, config, args.bundle)


def _export(args: argparse.Namespace) -> None:
    from model.bundle import save_bundle
    from model.train import restore_run

    config, model = restore_run(args.run)
    save_bundle(model, config, args.bundle, card=args.card.read_text() if args.card else None)
    print(f"wrote {args.bundle}")


def _evaluate(args: argparse.Namespace) -> None:
    import json

    from model.bundle import load_bundle, save_report
    from model.data import load_dataset
    from model.evaluate import evaluate

    bundle = load_bundle(args.bundle)
    test = load_dataset(bundle.config.train.dataset, "test", args.data_dir)
    images = test.images[: args.limit] if args.limit else test.images
    report = evaluate(
        bundle.model, images, k=args.k, seed=args.seed, batch=args.batch, training_k=bundle.config.train.k
    )
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    if args.save:
        save_report(args.bundle, report)


def _attributes(args: argparse.Namespace) -> None:
    from model.attributes import attributes_for_dataset
    from model.bundle import load_bundle, save_attributes
    from model.data import load_dataset

    bundle = load_bundle(args.bundle)
    train = load_dataset(bundle.config.train.dataset, "train", args.data_dir, bundle.config.train.squeezed_faces)
    vectors = attributes_for_dataset(bundle.model, train.images, train.labels, train.label_names, seed=args.seed)
    save_attributes(args.bundle, vectors)
    print(f"wrote {len(vectors)} attribute vectors to {args.bundle}")


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.config import Settings
    from app.main import create_app

    overrides = {"bundles_dir": args.bundles} if args.bundles else {}
    uvicorn.run(create_app(Settings(**overrides)), host=args.host, port=args.port, log_level=args.log_level)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="iwae", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("train", help="train a model from a config file (resumable)")
    p.add_argument("config", type=Path, help="TOML config, e.g. configs/digits.toml")
    p.add_argument("--out", type=Path, required=True, help="run directory: checkpoints, TensorBoard")
    p.add_argument("--data-dir", type=Path, default=None, help="data directory (default $IWAE_DATA_DIR)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--epochs", type=int, default=None, help="stop after this many epochs in total")
    p.add_argument("--bundle", type=Path, default=None, help="export the trained model as a bundle here")
    p.add_argument(
        "--strategy",
        choices=["none", "mirrored", "multi_worker"],
        default=None,
        help="tf.distribute strategy, overriding the config's: mirrored = every GPU here, "
        "multi_worker = several machines described by TF_CONFIG",
    )
    p.set_defaults(func=_train)

    p = commands.add_parser("export", help="write a run's latest checkpoint as a model bundle")
    p.add_argument("run", type=Path, help="run directory given to `iwae train --out`")
    p.add_argument("bundle", type=Path, help="bundle directory, e.g. model/bundles/digits")
    p.add_argument("--card", type=Path, default=None, help="a Markdown model card to ship as the bundle's README.md")
    p.set_defaults(func=_export)

    p = commands.add_parser("evaluate", help="estimate the test log-likelihood of a bundle")
    p.add_argument("bundle", type=Path)
    p.add_argument("--k", type=int, default=5000, help="importance samples per test image")
    p.add_argument("--json", type=Path, default=None, help="write the report here")
    p.add_argument("--save", action="store_true", help="also store the report in the bundle")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=20, help="test images per batch")
    p.add_argument("--limit", type=int, default=0, help="evaluate only the first N test images (0 = all)")
    p.add_argument("--data-dir", type=Path, default=None)
    p.set_defaults(func=_evaluate)

    p = commands.add_parser("attributes", help="compute a bundle's latent attribute vectors from its training labels")
    p.add_argument("bundle", type=Path)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", type=Path, default=None)
    p.set_defaults(func=_attributes)

    p = commands.add_parser("serve", help="serve every bundle over HTTP: the REST API and the browser demo")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--bundles",
        type=Path,
        default=None,
        help="bundles directory (default: $IWAE_BUNDLES_DIR, else model/bundles)",
    )
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=_serve)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
