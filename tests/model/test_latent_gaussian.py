"""The Gaussian of the training encodings that /sample draws from when the prior does not fit them."""

import numpy as np
import pytest

from model.latent_gaussian import LatentGaussian


def test_fit_recovers_the_mean_and_covariance_of_the_encodings():
    rng = np.random.default_rng(0)
    mixing = np.array([[2.0, 0.0, 0.0], [1.0, 0.5, 0.0], [0.0, 0.0, 0.01]])
    latents = np.array([12.0, -3.0, 0.5]) + rng.standard_normal((50_000, 3)) @ mixing.T
    gaussian = LatentGaussian.fit(latents)
    np.testing.assert_allclose(gaussian.mean, [12.0, -3.0, 0.5], atol=0.03)
    np.testing.assert_allclose(gaussian.scale_tril @ gaussian.scale_tril.T, mixing @ mixing.T, atol=0.05)
    assert np.allclose(gaussian.scale_tril, np.tril(gaussian.scale_tril))


def test_draws_are_seeded_and_the_temperature_scales_their_spread():
    gaussian = LatentGaussian(np.array([5.0, -5.0], np.float32), np.array([[2.0, 0.0], [1.0, 1.0]], np.float32))
    draws = gaussian.draw(20_000, temperature=1.0, seed=3)
    assert draws.dtype == np.float32 and draws.shape == (20_000, 2)
    np.testing.assert_array_equal(draws, gaussian.draw(20_000, temperature=1.0, seed=3))
    np.testing.assert_allclose(draws.mean(axis=0), [5.0, -5.0], atol=0.05)
    np.testing.assert_allclose(np.cov(draws, rowvar=False), [[4.0, 2.0], [2.0, 2.0]], atol=0.1)
    cooler = gaussian.draw(20_000, temperature=0.5, seed=3)
    np.testing.assert_allclose(cooler - 5.0 * np.array([1, -1]), 0.5 * (draws - 5.0 * np.array([1, -1])), atol=1e-5)


def test_a_constant_unit_still_has_a_cholesky_factor():
    latents = np.random.default_rng(1).standard_normal((100, 3))
    latents[:, 1] = 4.0  # an inactive unit: zero variance
    assert np.isfinite(LatentGaussian.fit(latents).scale_tril).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_drawing_zero_temperature_like_gives_the_mean(seed):
    gaussian = LatentGaussian(np.array([1.0, 2.0], np.float32), np.eye(2, dtype=np.float32))
    np.testing.assert_allclose(gaussian.draw(3, temperature=1e-6, seed=seed), [[1.0, 2.0]] * 3, atol=1e-4)
