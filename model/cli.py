"""The model's commands: train, export, evaluate, decoder, attributes. Thin: parses flags, calls functions.

`add_model_commands` adds them to a parser; the `iwae` command (app/cli.py) adds `serve` beside
them, so this package never imports the web app.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path


def _train(args: argparse.Namespace) -> None:
    from model.config import load_config
    from model.devices import is_chief
    from model.train import TrainingDiverged, train

    config = load_config(args.config)
    if args.precision:
        config = dataclasses.replace(config, train=dataclasses.replace(config.train, precision=args.precision))
    if args.gradient:
        try:
            config = dataclasses.replace(config, train=dataclasses.replace(config.train, gradient=args.gradient))
        except ValueError as error:
            raise SystemExit(f"iwae train: {error}") from None
    try:
        model = train(
            config,
            args.out,
            data_directory=args.data_dir,
            resume=args.resume,
            epochs=args.epochs,
            strategy=args.strategy,
            init_from=(args.init_from, args.init_epoch) if args.init_from else None,
        )
    except TrainingDiverged as error:
        raise SystemExit(f"iwae train: {error}") from None
    if args.bundle and is_chief():  # every worker of a cluster holds the same weights: one writes them
        from model.bundle import save_bundle

        save_bundle(model, config, args.bundle)


def _export(args: argparse.Namespace) -> None:
    if args.saved_model:
        _export_saved_models(args)
        return
    from model.bundle import save_bundle, save_decoder
    from model.train import restore_run

    if args.run is None or args.bundle is None:
        raise SystemExit("iwae export: give RUN and BUNDLE, or --saved-model DIR")
    config, model = restore_run(args.run)
    save_bundle(model, config, args.bundle, card=args.card.read_text() if args.card else None)
    save_decoder(args.bundle, model)
    print(f"wrote {args.bundle}")


def _export_saved_models(args: argparse.Namespace) -> None:
    from model.bundle import load_bundle
    from model.saved_model import export_saved_model

    bundles = sorted(p for p in args.bundles_dir.iterdir() if (p / "config.json").exists())
    for directory in bundles:
        path = export_saved_model(load_bundle(directory).model, args.saved_model, directory.name, args.version)
        print(f"wrote {path}")


def _decoder(args: argparse.Namespace) -> None:
    from model.bundle import load_bundle, save_decoder

    path = save_decoder(args.bundle, load_bundle(args.bundle).model)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


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
    from model.attributes import attributes_for_latents, encode_all
    from model.bundle import load_bundle, save_attributes, save_latent_gaussian
    from model.data import load_dataset
    from model.latent_gaussian import LatentGaussian

    bundle = load_bundle(args.bundle)
    train = load_dataset(bundle.config.train.dataset, "train", args.data_dir, bundle.config.train.squeezed_faces)
    latents = encode_all(bundle.model, train.images)
    vectors = attributes_for_latents(latents, train.labels, train.label_names)
    save_attributes(args.bundle, vectors)
    print(f"wrote {len(vectors)} attribute vectors to {args.bundle}")
    if args.sample_from_encodings:
        save_latent_gaussian(args.bundle, LatentGaussian.fit(latents))
        print(f"wrote the Gaussian of {len(latents):,} training encodings to {args.bundle}: /sample draws from it")


def add_model_commands(commands: argparse._SubParsersAction) -> None:
    """Adds train, export, evaluate, decoder and attributes to a parser's subcommands."""
    for add in (_add_train, _add_export, _add_evaluate, _add_decoder, _add_attributes):
        add(commands)


def _add_train(commands: argparse._SubParsersAction) -> None:
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
    p.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="start a new run from this bundle's weights (with --init-epoch: where in the schedule they stand)",
    )
    p.add_argument("--init-epoch", type=int, default=0, help="the schedule's epoch the --init-from weights reached")
    p.add_argument(
        "--precision",
        choices=["float32", "bfloat16"],
        default=None,
        help="the networks' compute precision, overriding the config's (densities and bound stay float32)",
    )
    p.add_argument(
        "--gradient",
        choices=["standard", "dreg"],
        default=None,
        help="the gradient estimator, overriding the config's: dreg = doubly reparameterised for q (IWAE only)",
    )
    p.set_defaults(func=_train)


def _add_export(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "export", help="write a run's latest checkpoint as a model bundle, or the bundles as SavedModels"
    )
    p.add_argument("run", type=Path, nargs="?", help="run directory given to `iwae train --out`")
    p.add_argument("bundle", type=Path, nargs="?", help="bundle directory, e.g. model/bundles/digits")
    p.add_argument("--card", type=Path, default=None, help="a Markdown model card to ship as the bundle's README.md")
    p.add_argument(
        "--saved-model",
        type=Path,
        default=None,
        metavar="DIR",
        help="instead: every bundle of --bundles-dir as a SavedModel for TensorFlow Serving, DIR/<name>/<version>/",
    )
    p.add_argument("--bundles-dir", type=Path, default=Path(__file__).parent / "bundles")
    p.add_argument("--version", type=int, default=1, help="the SavedModels' version directory")
    p.set_defaults(func=_export)


def _add_evaluate(commands: argparse._SubParsersAction) -> None:
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


def _add_decoder(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("decoder", help="export a bundle's decoder as ONNX (decoder.onnx) for the browser")
    p.add_argument("bundle", type=Path)
    p.set_defaults(func=_decoder)


def _add_attributes(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("attributes", help="compute a bundle's latent attribute vectors from its training labels")
    p.add_argument("bundle", type=Path)
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument(
        "--sample-from-encodings",
        action="store_true",
        help="also fit a Gaussian to the training encodings, which /sample then draws from instead of the "
        "prior (for a model whose encodings do not fill its prior: model/latent_gaussian.py)",
    )
    p.set_defaults(func=_attributes)


def main(argv: list[str] | None = None) -> None:
    """The model's commands alone (`python -m model.cli`), for machines that only train."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m model.cli", description=__doc__)
    add_model_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
