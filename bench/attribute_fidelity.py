"""Attribute fidelity: does adding an attribute vector add the attribute, and only the attribute?

    python bench/attribute_fidelity.py --bundle model/bundles/digits [--scales 0 0.5 1 1.5 2 3] [--n 500]
        [--attributes 0 7 | --all] [--out docs/fidelity]
    python bench/attribute_fidelity.py --bundle model/bundles/faces [--attributes Smiling Male ...]

A small classifier trained on the real training images (never on decoded ones; its weights are cached
in runs/classifiers/, keyed by dataset) judges the model's edits. For n held-out test images without an
attribute: encode (posterior mean), add scale·vector, decode, classify, and report per scale

- the fraction the classifier calls positive (digits: the fraction classified as the vector's class;
  faces: P above the attribute's threshold, the P that only 5 % of real faces without it exceed (faces
  the classifier never saw), since at 0.5 it calls most real faces with a rare attribute negative;
  --half judges at 0.5);
- the drift, relative to the unedited reconstruction (scale 0). Digits: the fraction now classified as
  a third class. Faces: the mean |change| of the classifier's probability for the 39 other attributes,
  and the mean signed change of P(Male), which the "(balanced)" vectors are built to leave alone.

Then which vectors meet the goal (issue 11) at some scale, and, for those that miss it, how far each gets
without spending more drift than the goal allows (the largest fraction turned at a scale within it).
--save keeps those figures in the bundle (model.attributes.Judged, in attributes.json), where /models
serves them and the page shows them beside each slider.

The classifier's accuracy (faces: AUC) on real test images and on the model's reconstructions of them
comes first: the gap is how far decoded images are from what the classifier was trained on. Writes
<out>/<bundle>.md (the tables) and one picture strip per vector, <out>/<bundle>-<vector>.png: held-out
examples (rows) × scales (columns), decoded images only (scale 0 is the reconstruction).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import itertools
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SCALES = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
DEFAULT_DIGITS = ("0",)  # the vector that turns other digits into 0s
DEFAULT_FACES = ("Smiling", "Male", "Eyeglasses", "Young", "Blond_Hair")
BALANCED = " (balanced)"  # suffix of the bias-corrected vectors (model.attributes)
VARIANTS = (BALANCED, " (independent)")  # measured beside each requested face attribute
VARIANT = re.compile(r" \([^()]*\)$")  # any variant's suffix: "Smiling (balanced)" judges Smiling
MALE = "Male"  # the attribute whose drift the balanced vectors are meant to remove
STRIP_TILE = 96  # digits (28 px) are upscaled ×3 to about this size; faces (64 px) stay at ×1
STRIP_MAX_BYTES = 200_000
# Faces: an edit is called positive when P(attribute) exceeds what all but this fraction of real faces
# without the attribute get (held-out faces the classifier never saw). At P > 0.5 the classifier, trained
# on imbalanced labels, calls most real faces with a rare attribute negative (Eyeglasses: half of them).
FALSE_POSITIVE_RATE = 0.05
# Faces, reported beside the goal: the drift over only the attributes whose labels correlate with the
# target's by less than this (|r| on the test faces), since the data itself moves the others with it
# (bench/attribute_covariation.py).
UNRELATED_CORRELATION = 0.2

# What "works" means (issue 11): digits, ≥ 95 % turned into the class with ≤ 5 % drifting to a third
# one; faces, ≥ 90 % positive with the other attributes' probabilities moving ≤ 0.05 on average.
GOALS = {True: (0.95, 0.05), False: (0.90, 0.05)}  # classes? → (least hit rate, most drift)

Classify = Callable[[np.ndarray], np.ndarray]  # images (N, H, W, C) in [0, 1] → probabilities (N, K)


# ---- the measurements: pure functions on numpy arrays ----


def edited_latents(latents: np.ndarray, vector: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """latents (N, d) + scale·vector for every scale (S,) → (S, N, d)."""
    scales = np.asarray(scales, np.float32)
    return (latents[None, :, :] + scales[:, None, None] * vector[None, None, :]).astype(np.float32)


def class_fidelity(predicted: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Predicted classes (S, N), scale 0 first → per scale, the fraction classified as `target` and the
    drift: the fraction whose class changed from its scale-0 class to one other than `target`."""
    hit = (predicted == target).mean(axis=1)
    drift = ((predicted != predicted[0]) & (predicted != target)).mean(axis=1)
    return hit, drift


def attribute_fidelity(probs: np.ndarray, target: int, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Attribute probabilities (S, N, A), scale 0 first → per scale, the fraction with P(target) >
    threshold and the drift: mean |P_s − P_0| over the images and the A − 1 other attributes."""
    hit = (probs[:, :, target] > threshold).mean(axis=1)
    return hit, drift_over(probs, np.arange(probs.shape[2]) != target)


def label_correlation(labels: np.ndarray) -> np.ndarray:
    """±1 labels (N, A) → (A, A) correlations of the 0/1 labels; 0 where a label never varies."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.corrcoef((labels > 0).T.astype(np.float64)))


def unrelated_attributes(correlation: np.ndarray, target: int, below: float = UNRELATED_CORRELATION) -> np.ndarray:
    """Label correlations (A, A) → (A,) booleans: the attributes other than `target` whose labels
    correlate with its labels by |r| < `below`."""
    unrelated = np.abs(correlation[target]) < below
    unrelated[target] = False
    return unrelated


def drift_over(probs: np.ndarray, attributes: np.ndarray) -> np.ndarray:
    """Mean |P_s − P_0| over the images and the chosen attributes (A,) booleans, (S, N, A) → (S,)."""
    chosen = probs[:, :, attributes]
    return np.abs(chosen - chosen[0]).mean(axis=(1, 2))


def probability_change(probs: np.ndarray, index: int) -> np.ndarray:
    """Mean signed change of P(attribute `index`) from scale 0, (S, N, A) → (S,)."""
    return (probs[:, :, index] - probs[0, :, index]).mean(axis=1)


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties counting ½
    (the Mann–Whitney statistic, from average ranks). NaN when one class is empty."""
    positive = np.asarray(positive, bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = ((ends - counts + 1 + ends) / 2.0)[inverse]  # average 1-based rank of each tie group
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def false_positive_threshold(scores: np.ndarray, positive: np.ndarray, rate: float = FALSE_POSITIVE_RATE) -> float:
    """The decision threshold t (positive when score > t) that calls a fraction `rate` of the negatives
    positive (by default the score only 5 % of real faces without the attribute exceed). NaN without
    negatives."""
    negatives = scores[~np.asarray(positive, bool)]
    return float(np.quantile(negatives, 1.0 - rate)) if len(negatives) else float("nan")


def picture_strip(images: np.ndarray, upscale: int = 1, gap: int = 2) -> Image.Image:
    """Images (R, S, H, W, C) in [0, 1], C = 1 or 3 → one picture: R rows × S columns of tiles,
    each enlarged `upscale`× by nearest neighbour, separated by `gap` white pixels."""
    rows, cols, height, width, channels = images.shape
    tiles = np.repeat(np.repeat(images, upscale, axis=2), upscale, axis=3)  # (R, S, H·u, W·u, C)
    th, tw = height * upscale, width * upscale
    canvas = np.ones((rows * th + (rows - 1) * gap, cols * tw + (cols - 1) * gap, channels), np.float32)
    for r in range(rows):
        for c in range(cols):
            canvas[r * (th + gap) : r * (th + gap) + th, c * (tw + gap) : c * (tw + gap) + tw] = tiles[r, c]
    pixels = np.round(np.clip(canvas, 0.0, 1.0) * 255).astype(np.uint8)
    return Image.fromarray(pixels[..., 0] if channels == 1 else pixels, "L" if channels == 1 else "RGB")


def strip_png(picture: Image.Image, limit: int = STRIP_MAX_BYTES) -> bytes:
    """The picture as an optimised PNG; if that exceeds `limit` bytes, with a 256-colour palette."""
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", optimize=True)
    if buffer.tell() > limit and picture.mode == "RGB":
        buffer = io.BytesIO()
        picture.quantize(256, dither=Image.Dither.NONE).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def attribute_of(name: str) -> str:
    """The label a vector adds: "Smiling (balanced)" → "Smiling"; a digit's or a plain vector's own name."""
    return VARIANT.sub("", name)


def slug(name: str) -> str:
    """A vector's name as a file-name part: "Smiling (balanced)" → "Smiling-balanced"."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def choose_vectors(available: list[str], requested: list[str] | None, everything: bool, classes: bool) -> list[str]:
    """The vectors to measure: all of them, or the requested ones (default "0" for digits, DEFAULT_FACES
    for faces, skipping defaults the bundle lacks), each face attribute followed by its "(balanced)" and
    "(independent)" variants when the bundle has them."""
    if everything:
        return list(available)
    if requested is None:
        requested = [name for name in (DEFAULT_DIGITS if classes else DEFAULT_FACES) if name in available]
    unknown = [name for name in requested if name not in available]
    if unknown:
        missing = ", ".join(map(repr, unknown))
        raise ValueError(f"no attribute vector {missing} in the bundle; it has {', '.join(available)}")
    names = []
    for name in requested:
        names += [name] + [name + v for v in VARIANTS if not classes and name + v in available]
    return list(dict.fromkeys(names))


@dataclass
class Row:
    """One vector's measurements, per scale (S,)."""

    name: str
    method: str
    n: int
    hit: np.ndarray
    drift: np.ndarray
    male: np.ndarray | None = None  # faces: mean change of P(Male); None for Male itself and for digits
    hit_at_half: np.ndarray | None = None  # faces judged at calibrated thresholds: the hit rate at P > 0.5
    drift_unrelated: np.ndarray | None = None  # faces: the drift over the attributes unrelated to the target


def _scale(s: float) -> str:
    return f"{s:g}"


def _signed(x: float) -> str:
    """+0.123 / -0.123, and +0.000 rather than -0.000 for a change that rounds to nothing."""
    return f"{round(float(x), 3) + 0.0:+.3f}"


def measured_scales(row: Row, scales: list[float]) -> list[tuple[float, float, float]]:
    """(scale, hit, drift) at every non-zero scale, in the order measured (ascending: main checks it)."""
    return [(s, h, d) for s, h, d in zip(scales, row.hit, row.drift, strict=True) if s > 0]


def within_drift_goal(row: Row, scales: list[float], classes: bool) -> list[tuple[float, float, float]]:
    """measured_scales whose drift the goal allows."""
    return [m for m in measured_scales(row, scales) if m[2] <= GOALS[classes][1]]


def goal_measurement(row: Row, scales: list[float], classes: bool) -> tuple[float, float, float] | None:
    """(scale, hit, drift) at the smallest non-zero scale at which the vector meets GOALS, or None."""
    least_hit = GOALS[classes][0]
    return next((m for m in within_drift_goal(row, scales, classes) if m[1] >= least_hit), None)


def goal_scale(row: Row, scales: list[float], classes: bool) -> float | None:
    """The smallest non-zero scale at which the vector meets GOALS, or None."""
    met = goal_measurement(row, scales, classes)
    return None if met is None else met[0]


def reach_within_budget(row: Row, scales: list[float], classes: bool) -> float | None:
    """The largest fraction turned (hit rate) at a non-zero scale whose drift is within GOALS, or None:
    how far a vector that misses the goal gets without spending more drift than the goal allows."""
    return max((h for _, h, _ in within_drift_goal(row, scales, classes)), default=None)


def reach_summary(rows: list[Row], scales: list[float], classes: bool) -> str:
    """Per target (the best of its vectors), how many reach how far within the drift budget, and how many
    drift past it at every scale measured."""
    best: dict[str, float | None] = {}
    for row in rows:
        reach, target = reach_within_budget(row, scales, classes), attribute_of(row.name)
        best[target] = max((r for r in (best.get(target), reach) if r is not None), default=None)
    reaches = np.array([r for r in best.values() if r is not None])
    if not len(reaches):
        return f"No vector stays within the drift budget ({GOALS[classes][1]:g}) at any scale measured."
    goal = GOALS[classes][0]
    bands = [(goal, 2.0), (0.8, goal), (0.5, 0.8), (0.0, 0.5)]
    count = [int(((reaches >= lo) & (reaches < hi)).sum()) for lo, hi in bands]
    what = "classes" if classes else "attributes"
    return (
        f"Within the drift budget ({GOALS[classes][1]:g}), the best of each target's vectors turns ≥ {goal:.0%} of "
        f"the images for {count[0]} of the {len(best)} {what}, 80–{goal:.0%} for {count[1]}, 50–80% for "
        f"{count[2]} and fewer for {count[3]} (median {np.median(reaches):.0%}); "
        f"{len(best) - len(reaches)} drift past the budget at every scale measured."
    )


def judged_record(row: Row, scales: list[float], classes: bool):
    """What the bundle keeps of a vector's row (model.attributes.Judged): the smallest scale that meets
    GOALS; else the one that turned the most within the goal's drift; else the smallest measured."""
    from model.attributes import ATTRIBUTE_DRIFT, CLASS_DRIFT, Judged

    least_hit, most_drift = GOALS[classes]
    measured, within = measured_scales(row, scales), within_drift_goal(row, scales, classes)
    met = goal_measurement(row, scales, classes)
    if met is not None:
        (scale, turned, drift), outcome = met, "meets_goal"
    elif within:
        scale, turned, drift = max(within, key=lambda m: m[1])  # the first of equals: the smaller scale
        drifts_later = any(d > most_drift for s, _, d in measured if s > scale)
        outcome = "stopped_by_drift" if drifts_later else "short_at_largest_scale"
    else:
        (scale, turned, drift), outcome = measured[0], "drifts_from_first_scale"
    measure = CLASS_DRIFT if classes else ATTRIBUTE_DRIFT
    turned, drift = round(float(turned), 4), round(float(drift), 4)
    return Judged(float(scale), turned, drift, measure, least_hit, most_drift, row.n, outcome)


def goal_table(rows: list[Row], scales: list[float], classes: bool) -> str:
    """Which vectors meet GOALS at some measured scale, and a count; for every vector, how far it gets
    within the drift budget."""
    least_hit, most_drift = GOALS[classes]
    met = [(row, goal_scale(row, scales, classes)) for row in rows]
    what = "classified as the class" if classes else "positive"
    drift = "drifting to a third class" if classes else "mean |ΔP| of the other attributes"
    lines = [
        f"{sum(s is not None for _, s in met)} of {len(rows)} vectors reach ≥ {least_hit:.0%} {what} with "
        f"{drift} ≤ {most_drift:g} at some scale ≤ {max(scales):g}:",
        "",
    ]
    if all(row.hit_at_half is not None for row in rows) and rows:
        at_half = [dataclasses.replace(row, hit=row.hit_at_half) for row in rows]
        count = sum(goal_scale(row, scales, classes) is not None for row in at_half)
        lines += [f"(judged at P > 0.5 for every attribute instead: {count} of {len(rows)}.)", ""]
    if all(row.drift_unrelated is not None for row in rows) and rows:
        unrelated = [dataclasses.replace(row, drift=row.drift_unrelated) for row in rows]
        met_unrelated = [row.name for row in unrelated if goal_scale(row, scales, classes) is not None]
        attributes = len({attribute_of(name) for name in met_unrelated})
        lines += [
            f"(with the drift measured only over the attributes whose labels correlate with the target's by "
            f"|r| < {UNRELATED_CORRELATION:g} on these test faces: {len(met_unrelated)} of {len(rows)} vectors, "
            f"{attributes} attributes: {', '.join(met_unrelated) or 'none'}.)",
            "",
        ]
    reaches = [reach_within_budget(r, scales, classes) for r in rows]
    lines += [
        reach_summary(rows, scales, classes),
        "",
        markdown_table(
            ["vector", "method", "meets it at", f"most turned with drift ≤ {most_drift:g}"],
            [
                [r.name, r.method, f"×{_scale(s)}" if s else "—", "—" if reach is None else f"{reach:.2f}"]
                for (r, s), reach in zip(met, reaches, strict=True)
            ],
        ),
    ]
    return "\n".join(lines)


def fidelity_tables(rows: list[Row], scales: list[float], classes: bool) -> str:
    """The main table (fraction positive per scale, drift at scale 1 and the largest scale) and the
    drift at every scale."""
    key = [s for s in dict.fromkeys([1.0, max(scales)]) if s in scales and s > 0]
    drift_name = "other class" if classes else "drift"
    header = ["vector", "method", "n"] + [f"×{_scale(s)}" for s in scales] + [f"{drift_name} ×{_scale(s)}" for s in key]
    if not classes:
        header += [f"ΔP(Male) ×{_scale(s)}" for s in key]
    main, detail = [], []
    for row in rows:
        at = [scales.index(s) for s in key]
        cells = [row.name, row.method, str(row.n)] + [f"{h:.2f}" for h in row.hit]
        cells += [f"{row.drift[i]:.2f}" if classes else f"{row.drift[i]:.3f}" for i in at]
        if not classes:
            cells += [_signed(row.male[i]) if row.male is not None else "—" for i in at]
        main.append(cells)
        detail.append([row.name, row.method] + [f"{d:.3f}" for d in row.drift[1:]])
        if row.male is not None:
            detail[-1] += [_signed(m) for m in row.male[1:]]
        elif not classes:
            detail[-1] += ["—"] * (len(scales) - 1)
    detail_header = ["vector", "method"] + [f"{drift_name} ×{_scale(s)}" for s in scales[1:]]
    if not classes:
        detail_header += [f"ΔP(Male) ×{_scale(s)}" for s in scales[1:]]
    return markdown_table(header, main) + "\n\nDrift at every scale:\n\n" + markdown_table(detail_header, detail)


# ---- the model side: encode, edit, decode, classify ----


def decode_all(model, latents: np.ndarray, batch: int = 500) -> np.ndarray:
    """Mean images of latents (M, d) at the model's latent layer → (M, H, W, C) in [0, 1], `batch` at a time."""
    import tensorflow as tf

    pieces = [model.decode(tf.constant(latents[i : i + batch])).numpy() for i in range(0, len(latents), batch)]
    return np.concatenate(pieces)


def edit_and_classify(model, latents: np.ndarray, vector: np.ndarray, scales: list[float], classify: Classify):
    """Every latent (N, d) moved by scale·vector, decoded and classified → images (S, N, H, W, C),
    probabilities (S, N, K)."""
    edited = edited_latents(latents, vector, np.asarray(scales))  # (S, N, d)
    images = decode_all(model, edited.reshape(-1, edited.shape[-1]))  # (S·N, H, W, C)
    probs = classify(images)  # (S·N, K)
    return images.reshape(*edited.shape[:2], *images.shape[1:]), probs.reshape(*edited.shape[:2], -1)


def baseline_table(
    test, real_probs: np.ndarray, recon_probs: np.ndarray, attributes: list[str], thresholds: np.ndarray | None = None
) -> tuple[str, str]:
    """The classifier on real test images and on their reconstructions: (markdown table, one-line summary).
    Faces with `thresholds` (one per label): also how many real test faces with (and without) each
    attribute the judge calls positive at P > 0.5 and at P > its threshold."""
    if test.labels.ndim == 1:
        accuracy = [float((p.argmax(-1) == test.labels).mean()) for p in (real_probs, recon_probs)]
        rows = [
            [f"real test digits ({len(test.labels):,})", f"{accuracy[0]:.1%}"],
            ["the model's reconstructions of them (scale 0)", f"{accuracy[1]:.1%}"],
        ]
        summary = f"classifier accuracy: {accuracy[0]:.1%} on real test digits, {accuracy[1]:.1%} on reconstructions"
        return markdown_table(["images", "classifier accuracy"], rows), summary
    index = [test.label_names.index(a) for a in attributes]
    positive = test.labels > 0
    aucs = [[roc_auc(probs[:, i], positive[:, i]) for i in index] for probs in (real_probs, recon_probs)]
    means = [float(np.nanmean(a)) for a in aucs]
    header = ["attribute", f"AUC on real test faces ({len(test.labels):,})", "AUC on their reconstructions"]
    rows = [["mean", f"{means[0]:.3f}", f"{means[1]:.3f}"]]
    rows += [[name, f"{real:.3f}", f"{recon:.3f}"] for name, real, recon in zip(attributes, *aucs, strict=True)]
    summary = (
        f"classifier mean AUC over {len(attributes)} attributes: {means[0]:.3f} on real test faces, "
        f"{means[1]:.3f} on reconstructions"
    )
    if thresholds is not None:
        header += [
            "threshold",
            "real positives called positive, P > 0.5",
            "… P > threshold",
            "real negatives, P > threshold",
        ]
        called = [
            [
                (real_probs[positive[:, i], i] > 0.5).mean(),
                (real_probs[positive[:, i], i] > thresholds[i]).mean(),
                (real_probs[~positive[:, i], i] > thresholds[i]).mean(),
            ]
            for i in index
        ]
        rows[0] += ["", *(f"{m:.0%}" for m in np.nanmean(called, axis=0))]
        for row, i, rates in zip(rows[1:], index, called, strict=True):
            row += [f"{thresholds[i]:.3f}", *(f"{r:.0%}" for r in rates)]
    return markdown_table(header, rows), summary


def face_row(
    name: str,
    method: str,
    probs: np.ndarray,
    target: int,
    thresholds: np.ndarray | None,
    correlation: np.ndarray,
    male: int | None,
) -> Row:
    """A face vector's row from the judge's probabilities (S, N, labels): positive at P > the target's
    threshold (0.5 without thresholds, the 0.5 figures beside otherwise), drift over the other labels and
    over the unrelated ones, and the signed change of P(Male)."""
    threshold = 0.5 if thresholds is None else float(thresholds[target])
    hit, drift = attribute_fidelity(probs, target, threshold)
    change = probability_change(probs, male) if male is not None and male != target else None
    at_half = None if thresholds is None else attribute_fidelity(probs, target)[0]
    unrelated = drift_over(probs, unrelated_attributes(correlation, target))
    return Row(name, method, probs.shape[1], hit, drift, change, at_half, unrelated)


def run(
    bundle,
    test,
    classify: Classify,
    names: list[str],
    scales: list[float],
    n: int,
    out: Path | None = None,
    seed: int = 0,
    strip_rows: int = 6,
    command: str = "",
    pictured: list[str] | None = None,
    thresholds: np.ndarray | None = None,
) -> tuple[str, list[Row]]:
    """Measures every named vector of the bundle on held-out `test` images (a model.data.Dataset) and
    returns the markdown report and its rows; with `out`, also writes <out>/<bundle>.md and the picture strips (of the
    `pictured` vectors only, when given). Faces are called positive at P > 0.5, or with `thresholds`
    (one per label) at P > the label's threshold, the figures at 0.5 reported beside."""
    from model.attributes import encode_all

    model, classes = bundle.model, test.labels.ndim == 1
    latents = encode_all(model, test.images)  # (N, d) posterior means, of the inputs the service would feed
    real_probs, recon_probs = classify(test.images), classify(decode_all(model, latents))
    targets = [attribute_of(name) for name in names]
    judged = list(dict.fromkeys(targets + ([MALE] if not classes and MALE in test.label_names else [])))
    baseline, summary = baseline_table(test, real_probs, recon_probs, judged, thresholds)
    print(summary, flush=True)
    male = test.label_names.index(MALE) if not classes and MALE in test.label_names else None
    correlation = None if classes else label_correlation(test.labels)  # once: every vector reads its row
    rows, pictures = [], []
    upscale = max(1, STRIP_TILE // model.config.image_shape[0])
    for name, target_name in zip(names, targets, strict=True):
        target = test.label_names.index(target_name)
        has = test.labels == target if classes else test.labels[:, target] > 0
        pool = np.flatnonzero(~has)
        # a fresh generator per vector: a vector and its balanced variant are measured on the same images
        chosen = np.sort(np.random.default_rng(seed).choice(pool, min(n, len(pool)), replace=False))
        images, probs = edit_and_classify(model, latents[chosen], bundle.attributes[name].vector, scales, classify)
        method = bundle.attributes[name].method
        if classes:
            row = Row(name, method, len(chosen), *class_fidelity(probs.argmax(axis=-1), target))
        else:
            row = face_row(name, method, probs, target, thresholds, correlation, male)
        rows.append(row)
        print(f"{name}: " + " ".join(f"×{_scale(s)} {h:.2f}" for s, h in zip(scales, row.hit, strict=True)), flush=True)
        if out is not None and (pictured is None or name in pictured):
            file = f"{bundle.name}-{slug(name)}.png"
            out.mkdir(parents=True, exist_ok=True)
            (out / file).write_bytes(strip_png(picture_strip(images[:, :strip_rows].swapaxes(0, 1), upscale)))
            pictures.append((name, file))
    report = render_report(bundle, test, rows, scales, baseline, pictures, command, classes, thresholds is not None)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)  # also when no strip was drawn into it
        (out / f"{bundle.name}.md").write_text(report)
    return report, rows


def render_report(
    bundle,
    test,
    rows: list[Row],
    scales: list[float],
    baseline: str,
    pictures: list[tuple[str, str]],
    command: str,
    classes: bool,
    calibrated: bool = False,
) -> str:
    weights = bundle.version  # the weights' sha256, first 12 hex digits
    nll = bundle.report.get("test_nll")
    kind = "digits" if classes else "faces"
    what = (
        'the fraction classified as the vector\'s class; "other class" is the fraction whose class changed '
        "from its scale-0 class to a third one"
        if classes
        else "the fraction the classifier calls positive ("
        + ("P above the attribute's threshold in the first table" if calibrated else "P > 0.5")
        + '); "drift" is the mean |change| of the classifier\'s probability for the other '
        f"{len(test.label_names) - 1} attributes, "
        "ΔP(Male) the mean signed change of P(Male), both from scale 0"
    )
    lines = [
        f"# Attribute fidelity: `{bundle.name}`",
        "",
        f"Bundle `{bundle.path}` (weights sha256 `{weights}…`"
        + (f", test NLL {nll:.2f} nats" if nll is not None else "")
        + f"), {kind} from the held-out test split.",
        *([f"Command: `{command}`"] if command else []),
        "",
        "The classifier, trained on real training images only, on real test images and on the model's "
        "reconstructions of them"
        + ("" if classes else " (an attribute it cannot judge on real faces cannot be judged on edited ones)")
        + (
            ". Trained on imbalanced labels, it calls many real faces with a rare attribute negative at P > 0.5; "
            "each attribute's threshold is instead the probability that only "
            f"{FALSE_POSITIVE_RATE:.0%} of the softer training faces without it (which it never saw) exceed"
            if calibrated
            else ""
        )
        + ":",
        "",
        baseline,
        "",
        f"Held-out test {kind} without the attribute, encoded (posterior mean), moved by scale × vector, decoded. "
        f"Columns ×s: {what}.",
        "",
        fidelity_tables(rows, scales, classes),
        "",
        goal_table(rows, scales, classes),
        "",
    ]
    if pictures:
        lines += [
            f"Picture strips: rows are held-out {kind}, columns the scales "
            f"{', '.join(map(_scale, scales))} (scale 0 is the reconstruction).",
            "",
        ]
        lines += [f"**{name}**\n\n![{name}]({file})\n" for name, file in pictures]
    return "\n".join(lines)


# ---- the judges: small classifiers trained on real training images ----


def digit_classifier():
    """A CNN, 10-way softmax on 28×28 digits in [0, 1]: two blocks of two 3×3 convolutions, dropout.
    It replaced (v2) a 2-epoch CNN of one convolution per block that was 97.8–98.2 % right on real test
    digits depending on the run: too close to the 97 % a reconstruction must keep to judge it."""
    import keras

    layers = [keras.Input((28, 28, 1))]
    for filters in (32, 64):
        layers += [
            keras.layers.Conv2D(filters, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(filters, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Dropout(0.25),
        ]
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ]
    return keras.Sequential(layers, name="digit_classifier")


def face_classifier(n_attributes: int = 40):
    """A small CNN, one sigmoid per attribute on 64×64 faces in [0, 1]: four stride-2 convolutions,
    the 4×4 map kept spatial (eyeglasses and smiles live at known places in an aligned face)."""
    import keras

    layers = [keras.Input((64, 64, 3))]
    for filters in (32, 64, 128, 128):
        layers += [
            keras.layers.Conv2D(filters, 3, strides=2, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
        ]
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(n_attributes, activation="sigmoid"),
    ]
    return keras.Sequential(layers, name="face_classifier")


@dataclass(frozen=True)
class Judge:
    """How a dataset's classifier is built and trained; `version` is part of its cache key: bump it when
    either changes."""

    build: Callable[[], Any]  # → an uncompiled keras.Model
    epochs: int
    loss: str
    version: str


JUDGES = {
    "mnist": Judge(digit_classifier, 6, "sparse_categorical_crossentropy", "v2"),
    "celeba": Judge(face_classifier, 5, "binary_crossentropy", "v1"),
}


def load_or_train_classifier(dataset: str, cache: Path, seed: int = 0):
    """The cached classifier for a dataset, trained first on its real training images if there is none
    (faces: the 14,643 sharp ones, without the softer squeezed copies)."""
    import keras

    from model.data import load_dataset

    judge = JUDGES[dataset]
    classifier = judge.build()
    path = cache / f"{dataset}-{judge.version}.weights.h5"
    if path.exists():
        classifier.load_weights(path)
        print(f"classifier: {path}", flush=True)
        return classifier
    train = load_dataset(dataset, "train", squeezed=False)
    labels = train.labels if dataset == "mnist" else (train.labels > 0).astype(np.float32)
    print(
        f"training the {dataset} classifier on {len(labels):,} real training images, {judge.epochs} epochs", flush=True
    )
    keras.utils.set_random_seed(seed)
    classifier.compile(keras.optimizers.Adam(1e-3), judge.loss)
    began = time.time()
    classifier.fit(train.images, labels, batch_size=128, epochs=judge.epochs, shuffle=True, verbose=2)
    cache.mkdir(parents=True, exist_ok=True)
    classifier.save_weights(path)
    print(f"classifier trained in {time.time() - began:.0f} s, saved to {path}", flush=True)
    return classifier


def calibrated_thresholds(classifier, cache: Path, held_out=None, probs: np.ndarray | None = None) -> np.ndarray:
    """One decision threshold per face attribute (false_positive_threshold) on the softer training faces the
    classifier was not trained on (model.data.load_celeba_softer), cached beside its weights. A caller that
    already has those faces (`held_out`) and the classifier's probabilities on them (`probs`) passes them
    instead of having them loaded and predicted again (30 s here)."""
    import json

    from model.data import load_celeba_softer

    path = cache / f"celeba-{JUDGES['celeba'].version}.thresholds.json"
    cached = json.loads(path.read_text()) if path.exists() else {}
    if cached.get("false_positive_rate") == FALSE_POSITIVE_RATE:
        return np.asarray(cached["thresholds"])
    if held_out is None or probs is None:
        held_out = load_celeba_softer()
        probs = classifier.predict(held_out.images, batch_size=500, verbose=0)
    thresholds = [false_positive_threshold(probs[:, a], held_out.labels[:, a] > 0) for a in range(probs.shape[1])]
    path.write_text(
        json.dumps(
            {
                "false_positive_rate": FALSE_POSITIVE_RATE,
                "faces": len(held_out.labels),
                "names": held_out.label_names,
                "thresholds": thresholds,
            }
        )
    )
    print(f"thresholds from {len(held_out.labels):,} held-out faces, saved to {path}", flush=True)
    return np.asarray(thresholds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, help="a model bundle directory, e.g. model/bundles/digits")
    parser.add_argument(
        "--scales", type=float, nargs="+", default=list(DEFAULT_SCALES), help="0 first: the reconstruction"
    )
    parser.add_argument("--n", type=int, default=500, help="held-out test images per vector")
    parser.add_argument("--attributes", nargs="+", help=f"vector names (default {DEFAULT_DIGITS} or {DEFAULT_FACES})")
    parser.add_argument("--all", action="store_true", help="every vector in the bundle")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "fidelity")
    parser.add_argument("--cache", type=Path, default=REPO / "runs" / "classifiers", help="classifier weights")
    parser.add_argument("--strip-rows", type=int, default=6)
    parser.add_argument(
        "--pictures", nargs="+", help="draw strips for these vectors only (default: every one measured)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--save",
        action="store_true",
        help="keep each measured vector's figures in the bundle (attributes.json): /models serves them and the "
        "page shows them beside the slider",
    )
    parser.add_argument(
        "--half",
        action="store_true",
        help="faces: call an attribute positive at P > 0.5 instead of at its calibrated threshold",
    )
    args = parser.parse_args(argv)
    if args.scales[0] != 0:
        parser.error("the first scale must be 0 (the unedited reconstruction that drift is measured from)")
    if len(args.scales) < 2 or any(b <= a for a, b in itertools.pairwise(args.scales)):
        parser.error("the scales must rise from 0, with at least one above it (0 0.5 1 …)")
    if args.save and args.half:
        parser.error("--save keeps figures judged at the calibrated thresholds only: leave out --half")

    from model.bundle import load_bundle
    from model.data import load_dataset

    bundle = load_bundle(args.bundle)
    dataset = bundle.config.train.dataset
    test = load_dataset(dataset, "test")
    labelled = [name for name in bundle.attributes if attribute_of(name) in test.label_names]  # no custom
    try:
        names = choose_vectors(labelled, args.attributes, args.all, classes=dataset == "mnist")
    except ValueError as error:
        parser.error(str(error))
    classifier = load_or_train_classifier(dataset, args.cache, args.seed)
    faces = dataset == "celeba"
    thresholds = calibrated_thresholds(classifier, args.cache) if faces and not args.half else None
    command = " ".join(["python bench/attribute_fidelity.py", *(argv if argv is not None else sys.argv[1:])])
    report, rows = run(
        bundle,
        test,
        lambda x: classifier.predict(x, batch_size=500, verbose=0),
        names,
        args.scales,
        args.n,
        args.out,
        args.seed,
        args.strip_rows,
        command,
        args.pictures,
        thresholds,
    )
    print(report)
    if args.save:
        save_judged(bundle, rows, args.scales, classes=dataset == "mnist")


def save_judged(bundle, rows: list[Row], scales: list[float], classes: bool) -> None:
    """Writes each measured vector's judged_record into the bundle beside its vector; the others keep theirs,
    as does a vector with no held-out image to judge it on."""
    from model.bundle import save_attributes

    judged = {
        row.name: dataclasses.replace(bundle.attributes[row.name], judged=judged_record(row, scales, classes))
        for row in rows
        if row.n > 0
    }
    save_attributes(bundle.path, {**bundle.attributes, **judged})
    print(f"saved the figures of {len(judged)} vectors to {bundle.path / 'attributes.json'}", flush=True)


if __name__ == "__main__":
    main()
