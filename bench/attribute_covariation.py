"""How far the CelebA labels move together: the drift the data itself shows.

    python bench/attribute_covariation.py [--split train|test] [--save]

For each attribute a, the faces labelled with it and those without it differ in the other 39 labels
too: P(b | a) − P(b | not a). The mean of |that| over the 39 is the drift that turning an average
face without a into an average face with it would show, measured the way bench/attribute_fidelity.py
measures an edit's drift (there with the classifier's probabilities on decoded edits). It says how
much of an attribute vector's drift is the data's own co-variation (Smiling comes with
High_Cheekbones and an open mouth) rather than the vector's fault. --save writes the table to
docs/fidelity/faces-covariation.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attribute_fidelity import GOALS  # noqa: E402  (a sibling script, not a package)

from model.data import load_dataset  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DRIFT_GOAL = GOALS[False][1]  # the faces goal's most drift, an edit's mean |ΔP| over the other attributes


def label_covariation(positive: np.ndarray) -> np.ndarray:
    """(N, A) booleans → (A, A): row a, column b is P(b | a) − P(b | not a); the diagonal is zero."""
    shift = np.zeros((positive.shape[1],) * 2)
    for a in range(positive.shape[1]):
        with_a, without_a = positive[positive[:, a]], positive[~positive[:, a]]
        shift[a] = with_a.mean(axis=0) - without_a.mean(axis=0)
        shift[a, a] = 0.0
    return shift


def report(positive: np.ndarray, names: tuple[str, ...], split: str) -> str:
    shift = label_covariation(positive)
    drift = np.abs(shift).sum(axis=1) / (len(names) - 1)
    rows = []
    for a in np.argsort(drift):
        strongest = np.argsort(-np.abs(shift[a]))[:3]
        companions = ", ".join(f"{names[b]} {shift[a, b]:+.2f}" for b in strongest)
        rows.append(f"| {names[a]} | {positive[:, a].mean():.3f} | {drift[a]:.3f} | {companions} |")
    over = int((drift > DRIFT_GOAL).sum())
    return "\n".join(
        [
            "# How far the CelebA labels move together",
            "",
            f"{len(positive):,} faces of the {split} split. For each attribute a: its base rate, and the mean over the "
            f"other {len(names) - 1} of |P(b | a) − P(b | not a)|, the drift that turning an average face without a "
            "into an average face with it would show (bench/attribute_fidelity.py measures an edit's drift the same "
            "way, with the classifier's probabilities), with the three labels that move most.",
            f"Command: `python bench/attribute_covariation.py --split {split} --save`",
            "",
            f"In the data itself, {over} of {len(names)} attributes come with a drift above {DRIFT_GOAL}.",
            "",
            "| attribute | base rate | drift in the data | moves most with it |",
            "|---|---:|---:|---|",
            *rows,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["train", "test"], default="train")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--save", action="store_true", help="write docs/fidelity/faces-covariation.md")
    args = parser.parse_args(argv)
    faces = load_dataset("celeba", args.split, args.data_dir)
    text = report(faces.labels > 0, faces.label_names, args.split)
    print(text)
    if args.save:
        (REPO / "docs" / "fidelity" / "faces-covariation.md").write_text(text)


if __name__ == "__main__":
    main()
