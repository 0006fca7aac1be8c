"""The deterministic networks between stochastic layers: MLPs (the paper's) and convolutions (faces).

Every network takes a Keras dtype policy: "float32", or "mixed_bfloat16" to run its matrix products
and convolutions in bfloat16 (oneDNN runs them on the CPU's bfloat16 units, about twice as fast here)
while its variables stay float32. Whatever a network hands to a density (means, standard deviations,
likelihood parameters) is cast back to float32 at its boundary, so log-densities, log-weights and the
bound are always float32; a likelihood that needs its parameters computed in float32, not just cast
(the discretised logistic), gets a float32 output layer.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def _hidden_stack(
    units: tuple[int, ...], activation: str, batch_norm: bool, name: str, dtype: str | keras.DTypePolicy
) -> keras.Sequential:
    # An empty stack (the conv model's linear heads) is the identity layer.
    layers: list[keras.layers.Layer] = [] if units else [keras.layers.Identity(name=f"{name}_identity", dtype=dtype)]
    # Every layer is named: Keras numbers unnamed layers per process, and variable paths are the keys
    # of checkpoints and bundles, so they must not depend on what else the process has built.
    for i, size in enumerate(units):
        layers.append(keras.layers.Dense(size, name=f"{name}_dense{i}", dtype=dtype))
        if batch_norm:
            layers.append(keras.layers.BatchNormalization(name=f"{name}_bn{i}", dtype=dtype))
        layers.append(keras.layers.Activation(activation, name=f"{name}_{activation}{i}", dtype=dtype))
    return _with_policy(keras.Sequential(layers, name=name), dtype)


def _with_policy(stack: keras.Sequential, dtype: str | keras.DTypePolicy) -> keras.Sequential:
    # A container's own policy decides how it casts its inputs; it must match its layers' or every
    # call would cast bfloat16 activations to float32 and straight back.
    stack.dtype_policy = dtype
    return stack


def _float32(x: tf.Tensor) -> tf.Tensor:
    """A network's output as the densities take it (a no-op in float32)."""
    return tf.cast(x, tf.float32)


def _flat_apply(layer: keras.layers.Layer, inputs: tf.Tensor, training: bool) -> tf.Tensor:
    """Applies a dense stack to (..., d) as one (N, d) matrix product: XLA and oneDNN both run a
    2-D product much faster than the batched einsum a rank-3 input turns into."""
    lead = tf.shape(inputs)[:-1]
    out = layer(tf.reshape(inputs, [-1, inputs.shape[-1]]), training=training)
    return tf.reshape(out, tf.concat([lead, [out.shape[-1]]], axis=0))


class GaussianLayer(keras.layers.Layer):
    """A stochastic layer's distribution: hidden units, then mean and std = exp(linear), as in the paper."""

    def __init__(self, hidden: tuple[int, ...], latent_size: int, activation: str, batch_norm: bool, **kwargs):
        super().__init__(**kwargs)
        policy = self.dtype_policy
        self.hidden = _hidden_stack(hidden, activation, batch_norm, name=f"{self.name}_hidden", dtype=policy)
        self.mean_layer = keras.layers.Dense(latent_size, name="mean", dtype=policy)
        self.log_std_layer = keras.layers.Dense(latent_size, name="log_std", dtype=policy)

    def call(self, inputs: tf.Tensor, training: bool = False) -> tuple[tf.Tensor, tf.Tensor]:
        """(..., d_in) → mean, std (..., latent), float32."""
        features = _flat_apply(self.hidden, inputs, training)
        mean = _float32(_flat_apply(self.mean_layer, features, training))
        return mean, tf.exp(_float32(_flat_apply(self.log_std_layer, features, training)))


class MLPObservation(keras.layers.Layer):
    """h1 → hidden units → one likelihood parameter per pixel channel (the paper's decoder top)."""

    def __init__(
        self, hidden, image_shape, params_per_channel, activation, batch_norm, output_bias, output_dtype, **kwargs
    ):
        """`output_dtype`: the policy of the layer that computes the likelihood parameters."""
        super().__init__(**kwargs)
        policy = self.dtype_policy
        self.hidden = _hidden_stack(hidden, activation, batch_norm, name="observation_hidden", dtype=policy)
        self.out_shape = (*image_shape[:2], image_shape[2] * params_per_channel)
        bias = "zeros" if output_bias is None else keras.initializers.Constant(output_bias.reshape(-1))
        self.out = keras.layers.Dense(
            int(np.prod(self.out_shape)), bias_initializer=bias, name="logits", dtype=output_dtype
        )

    def call(self, h1: tf.Tensor, training: bool = False) -> tf.Tensor:
        """(..., d_1) → likelihood parameters (..., H, W, C·params), float32."""
        params = _flat_apply(self.out, _flat_apply(self.hidden, h1, training), training)  # (..., H·W·C)
        return tf.reshape(_float32(params), tf.concat([tf.shape(h1)[:-1], self.out_shape], axis=0))


class MLPEncoderInput(keras.layers.Layer):
    """Flattens images for the MLP encoder."""

    def call(self, x: tf.Tensor) -> tf.Tensor:
        features = int(np.prod(x.shape[-3:]))  # static, so a free batch axis still gives the layers their size
        return tf.reshape(x, tf.concat([tf.shape(x)[:-3], [features]], axis=0))


class ConvEncoder(keras.layers.Layer):
    """x (B, H, W, C) → stride-2 convolutions → the last feature map, flat unless `flatten` is off
    (a ConvGaussianLayer reads the map itself); a GaussianLayer or a ConvGaussianLayer follows."""

    def __init__(self, filters: tuple[int, ...], batch_norm: bool, flatten: bool = True, **kwargs):
        super().__init__(**kwargs)
        policy = self.dtype_policy
        layers: list[keras.layers.Layer] = []
        for i, f in enumerate(filters):
            layers.append(keras.layers.Conv2D(f, 4, strides=2, padding="same", name=f"conv{i}", dtype=policy))
            if batch_norm:
                layers.append(keras.layers.BatchNormalization(name=f"conv{i}_bn", dtype=policy))
            layers.append(keras.layers.LeakyReLU(0.2, name=f"conv{i}_act", dtype=policy))
        if flatten:
            layers.append(keras.layers.Flatten(name="flatten", dtype=policy))
        self.net = _with_policy(keras.Sequential(layers, name="conv_encoder"), policy)

    def call(self, x: tf.Tensor, training: bool = False) -> tf.Tensor:
        return self.net(x, training=training)


class ConvGaussianLayer(keras.layers.Layer):
    """q(h1|x) on a grid: 3×3 convolutions of the encoder's last feature map (B, g, g, F) give the mean
    and log-std of `channels` units per cell, handed out flat (B, g·g·channels) like any latent."""

    def __init__(self, channels: int, **kwargs):
        super().__init__(**kwargs)
        policy = self.dtype_policy
        self.mean_layer = keras.layers.Conv2D(channels, 3, padding="same", name="mean", dtype=policy)
        self.log_std_layer = keras.layers.Conv2D(channels, 3, padding="same", name="log_std", dtype=policy)

    def call(self, features: tf.Tensor, training: bool = False) -> tuple[tf.Tensor, tf.Tensor]:
        """(B, g, g, F) → mean, std (B, g·g·channels), float32."""
        mean = _float32(self.mean_layer(features, training=training))
        log_std = _float32(self.log_std_layer(features, training=training))
        return _cells_flat(mean), tf.exp(_cells_flat(log_std))


def _cells_flat(grid: tf.Tensor) -> tf.Tensor:
    """(B, g, g, c) → (B, g·g·c), cell by cell (row-major), channels innermost: the order in which
    ConvObservation's Reshape lays a flat latent back onto the grid."""
    return tf.reshape(grid, [-1, int(np.prod(grid.shape[1:]))])


class ConvObservation(keras.layers.Layer):
    """h1 (..., latent) → dense (or, on a latent grid, a 3×3 convolution) → transposed convolutions up
    to (..., H, W, C·params_per_channel)."""

    def __init__(
        self, filters, image_shape, params_per_channel, batch_norm, output_bias, output_dtype, latent_grid=0, **kwargs
    ):
        """`output_dtype`: the policy of the last transposed convolution (the likelihood parameters);
        `latent_grid`: g > 0 reads h1 as a g × g grid (ModelConfig.latent_grid)."""
        super().__init__(**kwargs)
        policy = self.dtype_policy
        height, width, channels = image_shape
        start = height // 2 ** len(filters)
        self.image_shape = tuple(image_shape)
        self.out_channels = channels * params_per_channel
        if latent_grid:  # the cells straight onto the first feature map, each by its neighbourhood
            layers: list[keras.layers.Layer] = [
                keras.layers.Reshape((latent_grid, latent_grid, -1), name="unflatten", dtype=policy),
                keras.layers.Conv2D(filters[-1], 3, padding="same", name="project", dtype=policy),
            ]
        else:
            layers = [
                keras.layers.Dense(start * start * filters[-1], name="project", dtype=policy),
                keras.layers.Reshape((start, start, filters[-1]), name="unflatten", dtype=policy),
            ]
        for i, f in enumerate(reversed(filters[:-1])):
            layers.append(
                keras.layers.Conv2DTranspose(f, 4, strides=2, padding="same", name=f"deconv{i}", dtype=policy)
            )
            if batch_norm:
                layers.append(keras.layers.BatchNormalization(name=f"deconv{i}_bn", dtype=policy))
            layers.append(keras.layers.LeakyReLU(0.2, name=f"deconv{i}_act", dtype=policy))
        bias = "zeros" if output_bias is None else keras.initializers.Constant(output_bias.reshape(-1))
        layers.append(
            keras.layers.Conv2DTranspose(
                self.out_channels,
                4,
                strides=2,
                padding="same",
                bias_initializer=bias,
                name="params",
                dtype=output_dtype,
            )
        )
        self.net = _with_policy(keras.Sequential(layers, name="conv_decoder"), policy)

    def call(self, h1: tf.Tensor, training: bool = False) -> tf.Tensor:
        """(..., latent) → likelihood parameters (..., H, W, C·params), float32."""
        lead = tf.shape(h1)[:-1]
        flat = tf.reshape(h1, [-1, h1.shape[-1]])  # convolutions want one batch axis
        params = _float32(self.net(flat, training=training))
        return tf.reshape(params, tf.concat([lead, [*self.image_shape[:2], self.out_channels]], axis=0))
