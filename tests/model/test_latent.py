"""Latent arithmetic without a model."""

import numpy as np
import pytest

from model.latent import apply_edits, lerp, slerp, sweep


def test_lerp_ends_and_midpoint():
    a, b = np.array([0.0, 2.0]), np.array([4.0, -2.0])
    path = lerp(a, b, 5)
    assert path.shape == (5, 2)
    np.testing.assert_allclose(path[[0, 2, 4]], [a, [2.0, 0.0], b])


def test_slerp_keeps_the_radius_between_equal_norm_ends():
    a, b = np.array([3.0, 0.0, 0.0]), np.array([0.0, 3.0, 0.0])
    path = slerp(a, b, 7)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 3.0, rtol=1e-6)
    np.testing.assert_array_equal(path[0], a)
    np.testing.assert_array_equal(path[-1], b)
    assert np.linalg.norm(lerp(a, b, 7)[3]) < 3.0 - 0.5  # the straight line cuts inside


@pytest.mark.parametrize("b", [np.array([2.0, 0.0]), np.array([-1.0, 0.0]), np.zeros(2)])
def test_slerp_degenerate_ends_fall_back_to_lerp(b):
    a = np.array([1.0, 0.0])
    np.testing.assert_allclose(slerp(a, b, 4), lerp(a, b, 4))


def test_edits_and_sweep():
    z = np.array([1.0, 1.0], np.float32)
    v, w = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    np.testing.assert_allclose(apply_edits(z, [v, w], [2.0, -0.5]), [3.0, 0.0])
    np.testing.assert_array_equal(apply_edits(z, [], []), z)
    scales, path = sweep(z, v, -3, 3, 7)
    np.testing.assert_allclose(scales, [-3, -2, -1, 0, 1, 2, 3])
    np.testing.assert_allclose(path[:, 0], scales + 1)
