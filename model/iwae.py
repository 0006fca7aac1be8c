"""The Importance Weighted Autoencoder (Burda, Grosse & Salakhutdinov, 2015, section 3).

Generative model p(x, h) = p(h_L) p(h_{L-1}|h_L) … p(h1|h2) p(x|h1) with a standard normal prior
and Gaussian conditionals; recognition model q(h|x) = q(h1|x) q(h2|h1) … q(h_L|h_{L-1}). For k samples
h_i ~ q(h|x) the unnormalised importance weights are w_i = p(x, h_i) / q(h_i|x)  (eq. 2), and

    L_k(x) = E[ log (1/k) Σ_i w_i ]                                          (eq. 8)

is a lower bound on log p(x) that rises with k (Theorem 1). Its gradient is Σ_i w̃_i ∇ log w_i with
normalised weights w̃_i = w_i / Σ_j w_j (eq. 14); differentiating logsumexp gives exactly that, with
w̃ entering as constants, so the bound is optimised directly. Samples are sample-axis first:
(k, B, …). Randomness is stateless, keyed by an explicit seed, so a run is reproducible and resumable.

The networks may compute in bfloat16 (`precision="bfloat16"`, for training); every density, log-weight
and bound below is float32 whatever the networks use.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from model.config import ModelConfig
from model.distributions import (
    gaussian_log_prob,
    reparameterized_gaussian_log_prob,
    standard_normal_log_prob,
    stateless_standard_normal,
)
from model.likelihoods import make_likelihood
from model.networks import (
    ConvEncoder,
    ConvGaussianLayer,
    ConvObservation,
    GaussianLayer,
    MLPEncoderInput,
    MLPObservation,
)


def iwae_bound(log_w: tf.Tensor) -> tf.Tensor:
    """log (1/k) Σ_i w_i per data point, from log-weights (k, B) → (B,). eq. (8), computed stably."""
    k = tf.cast(tf.shape(log_w)[0], log_w.dtype)
    return tf.reduce_logsumexp(log_w, axis=0) - tf.math.log(k)


def vae_bound(log_w: tf.Tensor) -> tf.Tensor:
    """(1/k) Σ_i log w_i per data point (k, B) → (B,): the VAE's k-sample ELBO estimate (eq. 3)."""
    return tf.reduce_mean(log_w, axis=0)


OBJECTIVES = {"iwae": iwae_bound, "vae": vae_bound}

# Network compute precision → Keras dtype policy: bfloat16 products and convolutions, float32 variables.
PRECISIONS = {"float32": "float32", "bfloat16": "mixed_bfloat16"}


class IWAE(keras.Model):
    """Recognition network q(h|x), generative network p(x, h), and the log-weights that tie them."""

    def __init__(
        self,
        config: ModelConfig,
        output_bias: np.ndarray | None = None,
        precision: str = "float32",
        name: str = "iwae",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)  # the model's own arithmetic (log-weights, bounds) is float32
        self.config = config
        self.likelihood = make_likelihood(config.likelihood)
        act, bn = config.activation, config.batch_norm
        sizes, hidden = config.latent_sizes, config.hidden_sizes
        per_channel = self.likelihood.params_per_channel
        net = PRECISIONS[precision]  # the networks' dtype policy
        out = "float32" if self.likelihood.float32_params else net  # the likelihood parameters' layer
        if config.network == "mlp":
            self.encoder_input = MLPEncoderInput(name="flatten_x")
            self.inference = [
                GaussianLayer(hidden[l], sizes[l], act, bn, name=f"q_h{l + 1}", dtype=net) for l in range(len(sizes))
            ]
            self.observation = MLPObservation(
                tuple(reversed(hidden[0])),
                config.image_shape,
                per_channel,
                act,
                bn,
                output_bias,
                out,
                name="p_x",
                dtype=net,
            )
        else:
            grid = config.latent_grid
            self.encoder_input = ConvEncoder(config.conv_filters, bn, flatten=not grid, name="conv_encoder", dtype=net)
            self.inference = [
                ConvGaussianLayer(config.latent_shape[-1], name="q_h1", dtype=net)
                if grid
                else GaussianLayer((), sizes[0], act, bn, name="q_h1", dtype=net)
            ]
            self.observation = ConvObservation(
                config.conv_filters,
                config.image_shape,
                per_channel,
                bn,
                output_bias,
                out,
                latent_grid=grid,
                name="p_x",
                dtype=net,
            )
        # generative[l] is p(h_{l+1} | h_{l+2}) (1-based names), mirroring q(h_{l+2} | h_{l+1}).
        self.generative = [
            GaussianLayer(tuple(reversed(hidden[l + 1])), sizes[l], act, bn, name=f"p_h{l + 1}", dtype=net)
            for l in range(len(sizes) - 1)
        ]

    @property
    def n_layers(self) -> int:
        return len(self.config.latent_sizes)

    def draw_noise(self, k: int, batch: int | tf.Tensor, seed: tf.Tensor) -> list[tf.Tensor]:
        """The standard normal draws ε_l (k, B, d_l) that reparameterise k posterior samples per image."""
        sizes = list(self.config.latent_sizes)
        return tf.split(stateless_standard_normal([k, batch, sum(sizes)], seed), sizes, axis=-1)  # one draw

    def sample_posterior(
        self, x: tf.Tensor, k: int, seed: tf.Tensor, training: bool = False, noise: list[tf.Tensor] | None = None
    ) -> tuple[list[tf.Tensor], tf.Tensor, list[tuple[tf.Tensor, tf.Tensor]]]:
        """Draws h_i ~ q(h|x), i = 1…k. Returns the samples per layer [(k, B, d_l)], log q(h_i|x)
        (k, B), and each layer's (mean, std). `noise` replaces draw_noise(k, B, seed) (a replica of a
        distributed step takes its rows of the whole batch's draws)."""
        if noise is None:
            noise = self.draw_noise(k, tf.shape(x)[0], seed)
        inputs = self.encoder_input(x, training=training)  # (B, features)
        samples, params, log_q = [], [], 0.0
        for layer, epsilon in zip(self.inference, noise, strict=True):
            mean, std = layer(inputs, training=training)  # (B, d) for h1, (k, B, d) above it
            h = mean + std * epsilon  # reparameterised sample, (k, B, d)
            log_q += reparameterized_gaussian_log_prob(epsilon, std)  # log q(h_l | h_{l-1}), (k, B)
            samples.append(h)
            params.append((mean, std))
            inputs = h
        return samples, log_q, params

    def log_joint(self, x: tf.Tensor, samples: list[tf.Tensor], training: bool = False) -> tf.Tensor:
        """log p(x, h) for samples [(k, B, d_l)] → (k, B)."""
        log_p = standard_normal_log_prob(samples[-1])
        for l, layer in enumerate(self.generative):
            mean, std = layer(samples[l + 1], training=training)
            log_p += gaussian_log_prob(samples[l], mean, std)
        observation = self.observation(samples[0], training=training)  # (k, B, H, W, C·params)
        return log_p + self.likelihood.log_prob(x, observation)

    def log_weights(
        self, x: tf.Tensor, k: int, seed: tf.Tensor, training: bool = False, noise: list[tf.Tensor] | None = None
    ) -> tf.Tensor:
        """log w_i = log p(x, h_i) − log q(h_i|x) for k samples per image: x (B, H, W, C) → (k, B). eq. (2)"""
        samples, log_q, _ = self.sample_posterior(x, k, seed, training=training, noise=noise)
        return self.log_joint(x, samples, training=training) - log_q

    def call(self, x: tf.Tensor, training: bool = False) -> tf.Tensor:
        """One-sample log-weights (1, B); used to build the variables."""
        return self.log_weights(x, 1, tf.constant([0, 0], tf.int32), training=training)

    # ---- the deterministic views the demo uses: posterior means in, mean images out ----
    # The model's latent is the layer config.latent_layer (the top by default): encode stops there,
    # decode starts there, and a prior sample is carried down to it.

    def encode(self, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Mean and std of q(h_l | ·) at the latent layer l for images x (B, H, W, C), following the
        means of the layers below: the point that represents x. → (B, d_l), (B, d_l)"""
        inputs = self.encoder_input(x, training=False)
        for layer in self.inference[: self.config.latent_index + 1]:
            mean, std = layer(inputs, training=False)
            inputs = mean
        return mean, std

    def descend(self, h: tf.Tensor, start: int, stop: int) -> tf.Tensor:
        """Follows the means of p(h_l | h_{l+1}) from layer `start` down to layer `stop` (0-based,
        h1 is 0): (..., d_start) → (..., d_stop)."""
        for l in reversed(range(stop, start)):
            h, _ = self.generative[l](h, training=False)
        return h

    def draw_prior(self, n: int, temperature: float = 1.0, seed: int = 0) -> np.ndarray:
        """n draws (n, d_L) float32 from the top layer's prior N(0, temperature² I); the same seed, the
        same draws (what /sample decodes after from_prior carries them down)."""
        noise = np.random.default_rng(seed).standard_normal((n, self.config.latent_sizes[-1]))
        return (noise * temperature).astype(np.float32)

    def from_prior(self, top: tf.Tensor) -> tf.Tensor:
        """Prior draws of the top layer (B, d_L) carried down to the latent layer → (B, d_l)."""
        return self.descend(top, self.n_layers - 1, self.config.latent_index)

    def decode_h1(self, h1: tf.Tensor) -> tf.Tensor:
        """Mean image of p(x | h1): (..., d_1) → (..., H, W, C) intensities in [0, 1]."""
        return self.likelihood.mean(self.observation(h1, training=False))

    def decode(self, z: tf.Tensor) -> tf.Tensor:
        """Mean image for latents z (B, d_l) at the latent layer, following the means of the layers below."""
        return self.decode_h1(self.descend(z, self.config.latent_index, 0))


def build(model: IWAE) -> IWAE:
    """Creates the model's variables with one call on a dummy batch."""
    model(tf.zeros((1, *model.config.image_shape)), training=False)
    return model
