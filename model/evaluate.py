"""Evaluation: the k-sample importance-sampling estimate of the test log-likelihood (section 5).

log p(x) ≈ log (1/k) Σ_i w_i with k = 5000 (the paper's protocol), computed batched in chunks of
samples and combined with a max-subtracted log-mean-exp; also the bounds L_1, L_5, L_50 (averaged
over the disjoint groups of the same samples) and the number of active units per stochastic layer
(Cov_x(E_q[u]) > 0.01, section 5.2).
"""

from __future__ import annotations

import math
import time

import numpy as np
import tensorflow as tf
from scipy.special import logsumexp
from tqdm import tqdm

from model.iwae import IWAE

ACTIVE_UNIT_THRESHOLD = 1e-2


def test_inputs(model: IWAE, intensities: np.ndarray, seed: int) -> np.ndarray:
    """The fixed test inputs: one seeded binarisation for Bernoulli models, 8-bit bins otherwise."""
    return model.likelihood.evaluation_inputs(intensities, seed)


def log_weights_for(draw, x: np.ndarray, k: int, seed: int, chunk: int, batch: int) -> np.ndarray:
    """log w for k samples per image of x (B ≤ batch, H, W, C), drawn `chunk` at a time by `draw`
    on batches padded to `batch` images → (k, B)."""
    rows = len(x)
    if rows < batch:  # the last batch is padded to the full size: one shape, one compiled graph
        x = np.concatenate([x, np.repeat(x[-1:], batch - rows, axis=0)])
    pieces = [draw(tf.constant(x), tf.constant([seed, i], tf.int64)).numpy() for i in range(math.ceil(k / chunk))]
    return np.concatenate(pieces, axis=0)[:k, :rows].astype(np.float64)


def log_mean_exp(log_w: np.ndarray, axis: int = 0) -> np.ndarray:
    """log (1/k) Σ exp(log_w) along an axis of k values (scipy's stable logsumexp, weighted by 1/k):
    the evaluation's combiner, eq. (8) for one draw of samples."""
    return logsumexp(log_w, axis=axis, b=1.0 / log_w.shape[axis])


def grouped_bound(log_w: np.ndarray, k: int) -> np.ndarray:
    """L_k per image from (K, B) log-weights: the mean over K // k disjoint groups of k samples."""
    groups = log_w[: (len(log_w) // k) * k].reshape(len(log_w) // k, k, -1)
    return log_mean_exp(groups, axis=1).mean(axis=0)


def active_units(model: IWAE, x: np.ndarray, seed: int, samples: int = 20, batch: int = 500) -> list[int]:
    """Per stochastic layer, units whose posterior mean E_q[u] varies over the data by more than 0.01.
    Above the first layer E_q[u] = E_{h below}[mean(h below)], averaged over `samples` draws."""
    means: list[list[np.ndarray]] = [[] for _ in range(model.n_layers)]
    for start in range(0, len(x), batch):
        _, _, params = model.sample_posterior(
            tf.constant(x[start : start + batch]), samples, tf.constant([seed, start])
        )
        for layer, (mean, _) in enumerate(params):
            mean = mean.numpy()
            means[layer].append(mean if mean.ndim == 2 else mean.mean(axis=0))
    return [int((np.concatenate(m).var(axis=0) > ACTIVE_UNIT_THRESHOLD).sum()) for m in means]


def evaluate(
    model: IWAE,
    intensities: np.ndarray,
    k: int = 5000,
    seed: int = 0,
    batch: int = 20,
    chunk: int = 1000,
    progress: bool = True,
    training_k: int | None = None,
) -> dict:
    """The report of `iwae evaluate`: test_nll (nats, positive), bounds at k = 1, 5, 50 and the k the
    model was trained with, active units. Deterministic for a given seed: binarisation and importance
    samples are keyed by (seed, batch, chunk)."""
    began = time.time()
    x = test_inputs(model, intensities, seed)
    chunk = min(chunk, k)
    ks = sorted(q for q in {1, 5, 50, training_k or 1} if q <= k)
    log_likelihoods, bounds = [], {q: [] for q in ks}

    @tf.function
    def draw(images: tf.Tensor, s: tf.Tensor) -> tf.Tensor:
        return model.log_weights(images, chunk, s, training=False)

    for b, start in enumerate(tqdm(range(0, len(x), batch), desc=f"k={k}", disable=not progress, mininterval=5)):
        log_w = log_weights_for(draw, x[start : start + batch], k, seed * 1_000_003 + b, chunk, batch)  # (k, B)
        log_likelihoods.append(log_mean_exp(log_w, axis=0))
        for q in ks:
            bounds[q].append(grouped_bound(log_w, q))
    log_likelihood = np.concatenate(log_likelihoods)
    dims = int(np.prod(model.config.image_shape))
    test_nll = float(-log_likelihood.mean())
    negative_bounds = {str(q): float(-np.concatenate(v).mean()) for q, v in bounds.items()}
    units = active_units(model, x, seed)
    report = {
        "test_nll": test_nll,
        "units": "nats",
        "bits_per_dim": test_nll / (dims * math.log(2)),
        "k": k,
        "n_test": int(len(x)),
        "bounds": negative_bounds,
        "bounds_note": "−L_k in nats (upper bounds on the NLL), averaged over disjoint groups of the k samples",
        "bounds_bits_per_dim": {q: v / (dims * math.log(2)) for q, v in negative_bounds.items()},
        "training_k": training_k,
        "active_units": int(sum(units)),
        "active_units_per_layer": units,
        "seed": seed,
        "seconds": round(time.time() - began, 1),
    }
    return report
