"""The doubly reparameterised gradient (DReG; Tucker, Lawson, Gu & Maddison, 2018) of the IWAE bound.

The bound's own gradient for the recognition network, Σ_i w̃_i ∇_φ log w_i, holds a score term
(∂ log q / ∂φ at fixed samples) whose signal-to-noise ratio falls as k grows (Rainforth et al., 2018).
Reparameterising that term once more removes it (Tucker et al., eq. 7):

    ∇_φ L_k = E[ Σ_i w̃_i² · (∂ log w_i / ∂h_i) · (∂h_i / ∂φ) ]

where ∂ log w_i / ∂h_i sees q's parameters as constants: only the paths through the samples. With
several stochastic layers, q(h2|h1)'s parameters depend on the sample h1, and that dependence is a
path too; only φ's direct part is dropped. The generative network keeps Σ_i w̃_i ∇_θ log w_i.

Both come from one backward pass through the surrogate (per data point)

    S = Σ_i sg(w̃_i) · [ log p(x, h_i) − log q_path(h_i) ]

in which every sample is read through an identity whose gradient is multiplied by w̃_i: the generative
network's gradient carries w̃_i once, every path into the recognition network w̃_i twice. log q_path
has only the paths' gradient: q(h1|x) with its mean and std held constant; a higher layer's density
at the live samples minus the same density at held samples, so that the direct gradients to φ
cancel. S is for differentiating, not for reading; the bound returned beside it is the usual L_k.
"""

from __future__ import annotations

import tensorflow as tf

from model.distributions import gaussian_log_prob
from model.iwae import IWAE, iwae_bound


def weighted_in_backward(samples: list[tf.Tensor]) -> tuple[list[tf.Tensor], dict[str, tf.Tensor]]:
    """Identities on samples [(k, B, d)] whose gradients are multiplied by per-sample weights (k, B)
    that are only known after the forward pass (they are the normalised weights of the log-weights
    computed from these very samples): put them in the returned dict under "weights" before the
    backward pass runs."""
    later: dict[str, tf.Tensor] = {}

    def weighted(h: tf.Tensor) -> tf.Tensor:
        @tf.custom_gradient
        def identity(h: tf.Tensor):
            return tf.identity(h), lambda upstream: upstream * later["weights"][..., None]

        return identity(h)

    return [weighted(h) for h in samples], later


def dreg_bound_and_surrogate(
    model: IWAE, x: tf.Tensor, k: int, seed: tf.Tensor, training: bool = False, noise: list[tf.Tensor] | None = None
) -> tuple[tf.Tensor, tf.Tensor]:
    """The IWAE bound L_k per data point (B,) and the surrogate S (B,) whose gradient is DReG's for the
    recognition network and the bound's own for the generative network (see the module's text)."""
    samples, log_q, params = model.sample_posterior(x, k, seed, training=training, noise=noise)
    read, later = weighted_in_backward(samples)
    log_p = model.log_joint(x, read, training=training)  # the value of log p(x, h_i), (k, B)
    log_w = log_p - log_q
    weights = tf.stop_gradient(tf.nn.softmax(log_w, axis=0))  # w̃_i, (k, B)
    later["weights"] = weights
    mean, std = params[0]
    log_q_path = gaussian_log_prob(read[0], tf.stop_gradient(mean), tf.stop_gradient(std))
    for l in range(1, model.n_layers):
        live_mean, live_std = model.inference[l](read[l - 1], training=training)
        held_mean, held_std = model.inference[l](tf.stop_gradient(samples[l - 1]), training=training)
        log_q_path += gaussian_log_prob(read[l], live_mean, live_std)
        log_q_path -= gaussian_log_prob(tf.stop_gradient(samples[l]), held_mean, held_std)
    surrogate = tf.reduce_sum(weights * (log_p - log_q_path), axis=0)
    return iwae_bound(log_w), surrogate
