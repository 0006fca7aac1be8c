"""bench/judge_noise.py's pieces on hand-made arrays: the drift it reports is attribute_fidelity's, the
changes keep the image's size, and the random moves have the length asked for."""

import numpy as np
import pytest
from bench_scripts import load_bench_script

jn = load_bench_script("judge_noise")
af = load_bench_script("attribute_fidelity")


def test_mean_drift_is_the_edit_benchs_drift_over_every_attribute():
    rng = np.random.default_rng(0)
    before, after = rng.random((50, 4)), rng.random((50, 4))
    expected = af.drift_over(np.stack([before, after]), np.ones(4, bool))[1]
    assert jn.mean_drift(before, after) == expected
    assert jn.mean_drift(before, before) == 0.0


def test_mirrored_and_shifted_move_pixels_without_wrapping():
    images = np.arange(2 * 3 * 4 * 1, dtype=np.float32).reshape(2, 3, 4, 1)
    np.testing.assert_array_equal(jn.mirrored(images)[0, 0, :, 0], [3, 2, 1, 0])
    moved = jn.shifted(images, 1)
    assert moved.shape == images.shape
    np.testing.assert_array_equal(moved[0, 0, :, 0], [0, 0, 1, 2])  # the left edge repeated, the right one dropped
    with pytest.raises(ValueError, match="at least one pixel"):
        jn.shifted(images, 0)


def test_random_moves_have_the_length_asked_for_and_never_pair_an_encoding_with_itself():
    encodings = np.array([[3.0, 0.0], [0.0, 4.0]])  # two encodings: every move is ±(first − second)
    moves = jn.random_moves(encodings, 500, 10.0, np.random.default_rng(0))
    assert moves.shape == (500, 2)
    np.testing.assert_allclose(np.abs(moves), np.tile([6.0, 8.0], (500, 1)))
    with pytest.raises(ValueError, match="equal"):
        jn.random_moves(np.ones((2, 3)), 5, 1.0, np.random.default_rng(0))


def test_report_says_how_far_a_mirror_moves_the_judge():
    text = jn.report(
        [("mirrored left to right", 0.03), ("the reconstruction, mirrored", 0.025)],
        [(2.0, 0.004), (8.0, 0.02)],
        {"balanced": np.array([1.0, 2.0, 4.0]), "independent": np.array([])},
        1000,
        "python bench/judge_noise.py --save",
    )
    assert "move by 0.025 from the reconstruction's" in text and "Command: `python bench/judge_noise.py --save`" in text
    assert "| 8 | 0.020 |" in text and "| balanced | 3 | 1.00 | 2.00 | 4.00 |" in text
    assert "independent" not in text.split("| vectors |")[1]  # a method the bundle lacks gets no row
