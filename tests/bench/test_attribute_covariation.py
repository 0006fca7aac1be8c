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
