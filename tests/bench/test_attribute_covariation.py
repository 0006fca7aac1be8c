"""bench/attribute_covariation.py on hand-made labels: a label that always comes with another moves it
fully, an independent one not at all."""

import numpy as np
from bench_scripts import load_bench_script

ac = load_bench_script("attribute_covariation")


def test_label_covariation_sees_companions_and_independence():
    rng = np.random.default_rng(0)
    a = rng.random(20_000) < 0.3
    labels = np.stack([a, a, ~a, rng.random(20_000) < 0.5], axis=1)  # a copy, an opposite, a coin
    shift = ac.label_covariation(labels)
    np.testing.assert_allclose(np.diag(shift), 0.0)
    np.testing.assert_allclose(shift[0, :3], [0.0, 1.0, -1.0])
    assert abs(shift[0, 3]) < 0.03 and abs(shift[3, 0]) < 0.03


def test_report_counts_the_attributes_over_the_drift_goal():
    a = np.arange(1000) % 2 == 0
    labels = np.stack([a, a, np.arange(1000) % 4 < 2], axis=1)  # the third is independent of the first two
    text = ac.report(labels, ("A", "B", "C"), "test")
    assert "2 of 3 attributes come with a drift above 0.05" in text
    assert "| C | 0.500 | 0.000 |" in text


def test_held_flip_effects_separate_what_the_judge_reads_from_what_comes_with_it():
    """Two labels that usually come together, and a judge whose P(b) reads label b alone: flipping a with b
    held moves P(b) by nothing, though P(b | a) − P(b | not a) is large."""
    rng = np.random.default_rng(0)
    a = rng.random(20_000) < 0.4
    b = np.where(rng.random(20_000) < 0.8, a, rng.random(20_000) < 0.5)  # mostly a copy of a
    labels = np.stack([a, b], axis=1)
    probs = np.stack([0.1 + 0.6 * a, 0.2 + 0.5 * b], axis=1)
    effects = ac.held_flip_effects(probs, labels)
    np.testing.assert_allclose(effects, [[0.6, 0.0], [0.0, 0.5]], atol=1e-9)
    assert ac.label_covariation(labels)[0, 1] > 0.5
    view = ac.judge_view(probs, labels, thresholds=np.array([0.5, 0.5]))
    np.testing.assert_allclose(view.drift(), [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(view.positives_called, [1.0, 1.0])


def test_report_with_the_judge_counts_attributes_within_the_drift_goal():
    rng = np.random.default_rng(1)
    a, b, c = (rng.random((3, 5000)) < 0.5).astype(bool)
    labels = np.stack([a, b, c], axis=1)
    probs = np.stack([0.2 + 0.5 * a, 0.3 + 0.4 * b + 0.2 * c, 0.1 + 0.1 * c], axis=1)  # the judge's P(B) reads C
    view = ac.judge_view(probs, labels, thresholds=np.array([0.5, 0.5, 0.5]))
    text = ac.report(labels, ("A", "B", "C"), "test", view)
    assert "by at most 0.05 on average for 2 of 3 attributes" in text
    assert "for only 2 of 3" in text  # C's P never passes 0.5
    rule = next(line for line in text.splitlines() if line.startswith("|---"))
    assert rule.count("|") == 8 and "--judge --save" in text  # seven columns, one rule
