"""Log-densities of the distributions the IWAE uses, written once and tested against scipy.stats.

Every function returns the log-density summed over the event axes it is told about, so that the
per-sample log-weights of eq. (2) can be formed before anything is averaged.
"""

from __future__ import annotations

import math

import tensorflow as tf

_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def gaussian_log_prob(z: tf.Tensor, mean: tf.Tensor, std: tf.Tensor) -> tf.Tensor:
    """log N(z; mean, diag(std²)) summed over the last axis."""
    standardized = (z - mean) / std
    return tf.reduce_sum(-0.5 * tf.square(standardized) - tf.math.log(std) - _HALF_LOG_TWO_PI, axis=-1)


def standard_normal_log_prob(z: tf.Tensor) -> tf.Tensor:
    """log N(z; 0, I) summed over the last axis: the prior p(h_L)."""
    return tf.reduce_sum(-0.5 * tf.square(z) - _HALF_LOG_TWO_PI, axis=-1)


def bernoulli_log_prob(x: tf.Tensor, logits: tf.Tensor, event_axes: int) -> tf.Tensor:
    """log Bernoulli(x; sigmoid(logits)) summed over the last `event_axes` axes.

    Written from the logits (x·l − softplus(l)) so it stays finite for any logit; taking the log of
    a sigmoid output would give −inf once the sigmoid rounds to 0 or 1.
    """
    log_prob = x * logits - tf.math.softplus(logits)
    return tf.reduce_sum(log_prob, axis=list(range(-event_axes, 0)))


def discretized_logistic_log_prob(
    x: tf.Tensor, mean: tf.Tensor, log_scale: tf.Tensor, event_axes: int, bins: int = 256
) -> tf.Tensor:
    """log P(x) of 8-bit values under a logistic discretised into `bins` bins on [-1, 1].

    x, mean are on the [-1, 1] scale; x must lie on the bin centres. The two edge bins take the
    tails (as in PixelCNN++), so probabilities sum to one over the 256 values and the result is a
    proper likelihood that converts to bits per dimension.
    """
    half_bin = 1.0 / (bins - 1)
    inv_scale = tf.exp(-log_scale)
    upper = inv_scale * (x - mean + half_bin)
    lower = inv_scale * (x - mean - half_bin)
    # log(sigmoid(upper) - sigmoid(lower)) for interior bins, computed stably.
    log_cdf_upper = -tf.math.softplus(-upper)  # log σ(upper): the lowest bin's mass
    log_one_minus_cdf_lower = -tf.math.softplus(lower)  # log(1 − σ(lower)): the highest bin's mass
    centre = inv_scale * (x - mean)
    log_pdf_mid = centre - log_scale - 2.0 * tf.math.softplus(centre)  # density at the bin centre
    cdf_delta = tf.sigmoid(upper) - tf.sigmoid(lower)
    interior = tf.where(
        cdf_delta > 1e-5,
        tf.math.log(tf.maximum(cdf_delta, 1e-12)),
        log_pdf_mid + math.log(2.0 * half_bin),  # tiny bins: density × bin width
    )
    log_prob = tf.where(x < -0.999, log_cdf_upper, tf.where(x > 0.999, log_one_minus_cdf_lower, interior))
    return tf.reduce_sum(log_prob, axis=list(range(-event_axes, 0)))
