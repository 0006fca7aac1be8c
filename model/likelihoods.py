"""Observation models p(x|h1): how decoder outputs become a likelihood and an image.

Each likelihood knows how many decoder outputs it needs per pixel channel, the log-probability of
an image under those outputs, the image it would show (its mean), and how images become what it
models and back. That last part is the one home of "intensities → model inputs", with three
deliberate variants for Bernoulli pixels:

    training     binarised anew every time an image is used (dynamic binarisation, in the train step)
    evaluation   one seeded binarisation, the same for every model compared
    serving      thresholded at 0.5: a person's drawing must encode the same way every time

8-bit colour has one variant: the bin centres of the discretised logistic.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from model.distributions import bernoulli_log_prob, discretized_logistic_log_prob


class BernoulliLikelihood:
    """Binary pixels (dynamically binarised MNIST): one logit per pixel."""

    name = "bernoulli"
    params_per_channel = 1
    # Under bfloat16 training the logits may be bfloat16 products: their rounding (0.4 % of a logit)
    # moves a pixel's probability far less than the data's noise (measured: the same bound).
    float32_params = False

    def log_prob(self, x: tf.Tensor, params: tf.Tensor) -> tf.Tensor:
        """x (..., H, W, C) in {0, 1}; params (..., H, W, C) logits → (...)"""
        return bernoulli_log_prob(x, params, event_axes=3)

    def mean(self, params: tf.Tensor) -> tf.Tensor:
        """Pixel intensities in [0, 1]."""
        return tf.sigmoid(params)

    @staticmethod
    def training_inputs(intensities: np.ndarray) -> np.ndarray:
        """What the train step receives: the intensities themselves, binarised by `in_step`."""
        return intensities.astype(np.float32)

    @staticmethod
    def in_step(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """Dynamic binarisation in the train step: every pixel ~ Bernoulli(intensity), anew each time."""
        return tf.cast(tf.random.stateless_uniform(tf.shape(images), seed) < images, tf.float32)

    @staticmethod
    def evaluation_inputs(intensities: np.ndarray, seed: int) -> np.ndarray:
        """One binarisation, reproducible from the seed: the fixed test set every evaluation sees."""
        rng = np.random.default_rng(seed)
        return (rng.random(intensities.shape, dtype=np.float32) < intensities).astype(np.float32)

    @staticmethod
    def serving_inputs(intensities: np.ndarray) -> np.ndarray:
        """Deterministic: a pixel is ink when its intensity is above one half."""
        return (intensities > 0.5).astype(np.float32)

    @staticmethod
    def intensities(inputs: np.ndarray) -> np.ndarray:
        """Model inputs → [0, 1] intensities, to show what the model saw."""
        return inputs.astype(np.float32)


class LogisticLikelihood:
    """8-bit colour: a discretised logistic per pixel channel, with its own mean and scale."""

    name = "logistic"
    params_per_channel = 2
    # The layer that computes the means and scales stays float32 under bfloat16 training: bfloat16
    # keeps 8 significant bits, so a mean near ±1 is off by up to half a bin of 8-bit colour (2/255),
    # which a sharp logistic punishes (on the 512-d faces weights, k = 50: 104 nats per face below
    # float32 all in bfloat16, 78 with this layer in float32; a bfloat16 run of it went to NaN).
    float32_params = True
    # A floor on the log-scale: at s = e⁻⁷ a bin (width 2/255) spans ±4.3 scales, so one bin holds at
    # most 2σ(4.3) − 1 ≈ 0.973 of the mass (about 0.03 nats): a sharp pixel is rewarded only so far,
    # and log p stays finite. Below the floor the log-scale has no gradient (tf.maximum).
    min_log_scale = -7.0

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
    def bin_centres(intensities: np.ndarray) -> np.ndarray:
        """[0, 1] intensities → 8-bit bin centres on [-1, 1]: what the likelihood models, in every use."""
        levels = np.round(np.clip(intensities, 0.0, 1.0) * 255.0)
        return (levels / 127.5 - 1.0).astype(np.float32)

    training_inputs = bin_centres

    @staticmethod
    def in_step(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """8-bit images are already what the likelihood models: nothing is drawn."""
        return images

    @staticmethod
    def evaluation_inputs(intensities: np.ndarray, seed: int) -> np.ndarray:
        return LogisticLikelihood.bin_centres(intensities)

    serving_inputs = bin_centres

    @staticmethod
    def intensities(inputs: np.ndarray) -> np.ndarray:
        """Bin centres on [-1, 1] → [0, 1] intensities."""
        return ((inputs + 1.0) / 2.0).astype(np.float32)


def make_likelihood(name: str) -> BernoulliLikelihood | LogisticLikelihood:
    return {"bernoulli": BernoulliLikelihood, "logistic": LogisticLikelihood}[name]()
