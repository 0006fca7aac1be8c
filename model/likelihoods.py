"""Observation models p(x|h1): how decoder outputs become a likelihood and an image.

Each likelihood knows three things: how many decoder outputs it needs per pixel channel, the
log-probability of an image under those outputs, and the image it would show (its mean).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from model.distributions import bernoulli_log_prob, discretized_logistic_log_prob


class BernoulliLikelihood:
    """Binary pixels (dynamically binarised MNIST): one logit per pixel."""

    name = "bernoulli"
    params_per_channel = 1

    def log_prob(self, x: tf.Tensor, params: tf.Tensor) -> tf.Tensor:
        """x (..., H, W, C) in {0, 1}; params (..., H, W, C) logits → (...)"""
        return bernoulli_log_prob(x, params, event_axes=3)

    def mean(self, params: tf.Tensor) -> tf.Tensor:
        """Pixel intensities in [0, 1]."""
        return tf.sigmoid(params)

    @staticmethod
    def from_intensities(intensities: np.ndarray) -> np.ndarray:
        """[0, 1] intensities → the model's input scale (the Bernoulli means themselves)."""
        return intensities.astype(np.float32)


class LogisticLikelihood:
    """8-bit colour: a discretised logistic per pixel channel, with its own mean and scale."""

    name = "logistic"
    params_per_channel = 2
    min_log_scale = -7.0  # keeps one bin's probability below 1 − 1e-6 so log-scales stay trainable

    def _split(self, params: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        mean, log_scale = tf.split(params, 2, axis=-1)
        return tf.tanh(mean), tf.maximum(log_scale, self.min_log_scale)

    def log_prob(self, x: tf.Tensor, params: tf.Tensor) -> tf.Tensor:
        """x (..., H, W, C) on [-1, 1] bin centres; params (..., H, W, 2C) → (...)"""
        mean, log_scale = self._split(params)
        return discretized_logistic_log_prob(x, mean, log_scale, event_axes=3)

    def mean(self, params: tf.Tensor) -> tf.Tensor:
        """Pixel intensities in [0, 1] (the logistic's centre; the discretisation's mean up to clipping)."""
        mean, _ = self._split(params)
        return (mean + 1.0) / 2.0

    @staticmethod
    def from_intensities(intensities: np.ndarray) -> np.ndarray:
        """[0, 1] intensities → 8-bit bin centres on [-1, 1]."""
        levels = np.round(np.clip(intensities, 0.0, 1.0) * 255.0)
        return (levels / 127.5 - 1.0).astype(np.float32)


def make_likelihood(name: str) -> BernoulliLikelihood | LogisticLikelihood:
    return {"bernoulli": BernoulliLikelihood, "logistic": LogisticLikelihood}[name]()
