"""How far the faces judge moves by itself: the floor under an attribute vector's drift.

    python bench/judge_noise.py [--bundle model/bundles/faces] [--save]

bench/attribute_fidelity.py calls an edit faithful when the judge's probabilities for the other 39
attributes move by at most 0.05 per face on average (issue 11). This script measures that same figure,
mean |P(changed) − P(before)| over the 1,000 held-out test faces and all 40 attributes, for changes
that keep every attribute (the face mirrored, moved by one pixel, replaced by the model's
reconstruction) and for moves of the latent in random directions of the encodings' own kind (the
difference of two training encodings, scaled to a given length), beside the lengths of the bundle's
attribute vectors at ×1 and ×3. A mirrored face has every attribute it had; what the judge's
probabilities do under it is noise the goal's budget has to hold too. --save writes
docs/fidelity/<bundle>-judge-noise.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attribute_fidelity import GOALS, decode_all, drift_over, load_or_train_classifier  # noqa: E402  (a sibling script)

REPO = Path(__file__).resolve().parent.parent
DRIFT_GOAL = GOALS[False][1]
LENGTHS = (2.0, 4.0, 8.0, 12.0, 16.0)
TRAINING_ENCODINGS = 4000  # the random directions are differences of these
MIRRORED_RECONSTRUCTION = "the reconstruction, mirrored"

Classify = Callable[[np.ndarray], np.ndarray]  # images (N, H, W, C) in [0, 1] → probabilities (N, A)


def mean_drift(before: np.ndarray, after: np.ndarray) -> float:
    """Mean |P_after − P_before| over the faces and attributes, (N, A) each: attribute_fidelity's drift,
    here over all 40 attributes, since these changes keep every one (an edit's is over the other 39)."""
    return float(drift_over(np.stack([before, after]), np.ones(before.shape[1], bool))[1])


def mirrored(images: np.ndarray) -> np.ndarray:
    """(N, H, W, C) flipped left to right."""
    return images[:, :, ::-1]


def shifted(images: np.ndarray, pixels: int = 1) -> np.ndarray:
    """(N, H, W, C) moved `pixels` (≥ 1) to the right, the left edge column repeated (no wrap-around)."""
    if pixels < 1:
        raise ValueError(f"shift by at least one pixel, not {pixels}")
    edge = np.repeat(images[:, :, :1], pixels, axis=2)
    return np.concatenate([edge, images[:, :, :-pixels]], axis=2)


def random_moves(encodings: np.ndarray, count: int, length: float, rng: np.random.Generator) -> np.ndarray:
    """`count` moves (count, d) of the given length, each along the difference of two distinct encodings."""
    first = rng.integers(len(encodings), size=count)
    second = (first + rng.integers(1, len(encodings), size=count)) % len(encodings)  # never the same one
    moves = encodings[first] - encodings[second]
    norms = np.linalg.norm(moves, axis=1, keepdims=True)
    if not norms.all():
        raise ValueError("two of the encodings are equal: their difference has no direction")
    return moves * (length / norms)


def vector_lengths(vectors: dict, method: str) -> np.ndarray:
    """The lengths of the bundle's attribute vectors fitted by `method` (AttributeVector.method)."""
    return np.array([np.linalg.norm(v.vector) for v in vectors.values() if v.method == method])


def report(
    image_rows: list[tuple[str, float]], move_rows: list[tuple[float, float]], lengths: dict, faces: int, command: str
) -> str:
    """The markdown page: the drift of each attribute-keeping change, of each random move, and the
    bundle's vector lengths."""
    mirror = dict(image_rows)[MIRRORED_RECONSTRUCTION]
    lines = [
        "# How far the faces judge moves by itself",
        "",
        f"The judge of bench/attribute_fidelity.py on the {faces:,} held-out test faces: mean |ΔP| per face over all "
        f"40 attributes, the drift an edit is allowed {DRIFT_GOAL} of.",
        f"Command: `{command}`",
        "",
        f"A mirrored reconstruction keeps every attribute, yet the judge's probabilities move by {mirror:.3f} from "
        f"the reconstruction's, where an edit's drift is measured from, against the {DRIFT_GOAL} an edit may use.",
        "",
        "| change that keeps every attribute | drift |",
        "|---|---:|",
        *(f"| {name} | {drift:.3f} |" for name, drift in image_rows),
        "",
        "Reconstructions moved in random directions of the encodings' own kind (the difference of two training "
        "encodings, scaled):",
        "",
        "| length of the move | drift |",
        "|---:|---:|",
        *(f"| {length:g} | {drift:.3f} |" for length, drift in move_rows),
        "",
        "The bundle's attribute vectors, for scale: their lengths at ×1 (×3 is three times as long).",
        "",
        "| vectors | n | shortest | median | longest |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {method} | {len(values)} | {values.min():.2f} | {np.median(values):.2f} | {values.max():.2f} |"
            for method, values in lengths.items()
            if len(values)
        ),
        "",
    ]
    return "\n".join(lines)


def measure(bundle, test, classify: Classify, training_images: np.ndarray, command: str, seed: int = 0) -> str:
    """Every figure of the report, from the bundle's model, the held-out `test` faces and the judge."""
    from model.attributes import encode_all

    real = test.images.astype(np.float32)
    latents = encode_all(bundle.model, real)
    reconstructions = decode_all(bundle.model, latents)
    on_real, on_reconstructions = classify(real), classify(reconstructions)
    image_rows = [
        ("mirrored left to right", mean_drift(on_real, classify(mirrored(real)))),
        ("moved one pixel to the right", mean_drift(on_real, classify(shifted(real)))),
        ("replaced by the model's reconstruction", mean_drift(on_real, on_reconstructions)),
        (MIRRORED_RECONSTRUCTION, mean_drift(on_reconstructions, classify(mirrored(reconstructions)))),
    ]
    rng = np.random.default_rng(seed)
    encodings = encode_all(bundle.model, training_images)
    move_rows = []
    for length in LENGTHS:
        moved = (latents + random_moves(encodings, len(latents), length, rng)).astype(np.float32)
        move_rows.append((length, mean_drift(on_reconstructions, classify(decode_all(bundle.model, moved)))))
        print(f"random moves of length {length:g}: drift {move_rows[-1][1]:.3f}", flush=True)
    methods = ("mean_difference", "balanced", "independent")
    lengths = {method: vector_lengths(bundle.attributes, method) for method in methods}
    return report(image_rows, move_rows, lengths, len(real), command)


def main(argv: list[str] | None = None) -> None:
    from model.bundle import load_bundle
    from model.data import load_dataset

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, default=REPO / "model" / "bundles" / "faces")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=REPO / "runs" / "classifiers", help="the judge's weights")
    parser.add_argument("--save", action="store_true", help="write docs/fidelity/<bundle>-judge-noise.md")
    args = parser.parse_args(argv)
    bundle = load_bundle(args.bundle)
    test = load_dataset("celeba", "test", args.data_dir)
    train = load_dataset("celeba", "train", args.data_dir, squeezed=bundle.config.train.squeezed_faces)
    chosen = np.random.default_rng(0).choice(len(train.images), TRAINING_ENCODINGS, replace=False)
    classifier = load_or_train_classifier("celeba", args.cache)
    command = " ".join(["python bench/judge_noise.py", *(argv if argv is not None else sys.argv[1:])])
    classify = lambda x: classifier.predict(x, batch_size=500, verbose=0)  # noqa: E731
    text = measure(bundle, test, classify, train.images[chosen], command)
    print(text)
    if args.save:
        (REPO / "docs" / "fidelity" / f"{bundle.name}-judge-noise.md").write_text(text)


if __name__ == "__main__":
    main()
