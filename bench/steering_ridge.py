"""Which ridge for the steered digit vectors? Measured on held-out training digits, never the test set.

    python bench/steering_ridge.py --bundle model/bundles/digits [--ridges 0.1 1 10] [--held-out 5000]

The steered vectors (model/attributes.py) come from a softmax regression of the labels on the training
latents; its ridge sets how far past the class boundary a vector steers, and the best value changes with
the model (0.1 for the 712-epoch digits model, 10 for the 952-epoch one). For each ridge this fits the
ten vectors on the training digits less `--held-out` of them, then edits the held-out digits of the
other classes (posterior mean + scale·vector), decodes and classifies them with bench/attribute_fidelity's
judge, and prints per vector the fraction turned into its class at each scale and the smallest scale at
which it meets the goal (≥ 95 %, ≤ 5 % drifting to a third class), "—" if none.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from attribute_fidelity import DEFAULT_SCALES, REPO, Classify, Row, class_fidelity, edit_and_classify, goal_scale

DEFAULT_RIDGES = (0.1, 1.0, 10.0)


def held_out_split(n: int, held_out: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (fit, held out) of n examples, `held_out` of them chosen at random, both sorted."""
    held = np.sort(np.random.default_rng(seed).choice(n, held_out, replace=False))
    return np.setdiff1d(np.arange(n), held), held


def measure_ridge(
    model,
    latents: np.ndarray,
    labels: np.ndarray,
    fit: np.ndarray,
    held: np.ndarray,
    ridge: float,
    classify: Classify,
    scales: list[float],
    per_class: int,
) -> list[Row]:
    """The ten vectors fitted with `ridge` on latents[fit] (N, d) with labels (N,), measured on up to
    `per_class` of the held-out digits latents[held] of the other classes each → one Row per class.
    `model` decodes (an IWAE)."""
    from model.attributes import steered_class_vectors

    names = tuple(str(d) for d in range(10))
    vectors = steered_class_vectors(latents[fit], labels[fit], names, ridge=ridge)
    rows = []
    for target, name in enumerate(names):
        others = held[labels[held] != target][:per_class]
        _, probs = edit_and_classify(model, latents[others], vectors[name].vector, scales, classify)
        hit, drift = class_fidelity(probs.argmax(axis=-1), target)
        rows.append(Row(name, "steered", len(others), hit, drift))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, required=True, help="a digits bundle")
    parser.add_argument("--ridges", type=float, nargs="+", default=list(DEFAULT_RIDGES))
    parser.add_argument("--held-out", type=int, default=5000, help="training digits kept out of the fit")
    parser.add_argument("--per-class", type=int, default=400, help="held-out digits edited per vector")
    parser.add_argument("--cache", type=Path, default=REPO / "runs" / "classifiers", help="classifier weights")
    args = parser.parse_args(argv)

    from attribute_fidelity import load_or_train_classifier

    from model.attributes import encode_all
    from model.bundle import load_bundle
    from model.data import load_mnist

    bundle = load_bundle(args.bundle)
    train = load_mnist("train")
    latents = encode_all(bundle.model, train.images)
    fit, held = held_out_split(len(latents), args.held_out)
    classifier = load_or_train_classifier("mnist", args.cache)
    scales = list(DEFAULT_SCALES)

    def classify(images: np.ndarray) -> np.ndarray:
        return classifier.predict(images, batch_size=1000, verbose=0)

    print(f"{bundle.name}: {len(fit):,} training digits fit the vectors, {len(held):,} held out judge them")
    for ridge in args.ridges:
        rows = measure_ridge(bundle.model, latents, train.labels, fit, held, ridge, classify, scales, args.per_class)
        met = [goal_scale(row, scales, classes=True) for row in rows]
        print(f"\nridge {ridge:g}: {sum(s is not None for s in met)} of 10 meet the goal")
        for row, scale in zip(rows, met, strict=True):
            hits = " ".join(f"×{s:g} {h:.2f}" for s, h in zip(scales, row.hit, strict=True))
            print(f"  {row.name}: {hits}   meets it at {'—' if scale is None else f'×{scale:g}'}")


if __name__ == "__main__":
    main()
