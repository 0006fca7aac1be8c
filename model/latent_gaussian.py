"""A Gaussian fitted to the encodings of the training images, to draw samples from.

The IWAE's bound pulls each posterior q(h|x) toward the prior N(0, I), but it does not make the
encodings fill the prior: with many latent units they can sit in a small, offset part of it (an
earlier 512-d faces model's posterior means lay about 12 from the origin, in a cloud whose variances
ran from 27 down to 0.0002; the README gives the shipped model's), so draws from N(0, I) land where
the decoder has never been and decode to colour noise. A Gaussian fitted to the encodings of the
training set (the aggregate posterior E_x q(h|x), summarised by its mean and covariance) puts samples
where the faces are: the "ex-post density estimation" of Ghosh et al. (2020) and the second stage of
Dai & Wipf's (2019) two-stage VAE, in its simplest form. The bound and every log-likelihood still use the model's prior;
only sampling uses this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RIDGE = 1e-6  # added to the covariance's diagonal so its Cholesky factor exists when a unit is constant


@dataclass(frozen=True)
class LatentGaussian:
    """N(mean, L Lᵀ) over the latent layer: mean (d,), scale_tril L (d, d) lower-triangular."""

    mean: np.ndarray
    scale_tril: np.ndarray

    @classmethod
    def fit(cls, latents: np.ndarray) -> LatentGaussian:
        """The Gaussian of encodings (N, d): their mean and (unbiased, N − 1) covariance, plus a small ridge."""
        latents = np.asarray(latents, np.float64)
        covariance = np.cov(latents, rowvar=False) + RIDGE * np.eye(latents.shape[1])
        return cls(latents.mean(axis=0).astype(np.float32), np.linalg.cholesky(covariance).astype(np.float32))

    def draw(self, n: int, temperature: float = 1.0, seed: int = 0) -> np.ndarray:
        """n draws (n, d) float32 from N(mean, temperature² · covariance); the same seed, the same draws."""
        noise = np.random.default_rng(seed).standard_normal((n, len(self.mean)))
        return (self.mean + temperature * noise @ self.scale_tril.T).astype(np.float32)
