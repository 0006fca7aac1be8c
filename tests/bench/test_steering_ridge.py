"""bench/steering_ridge.py on ten clusters whose "images" are the latents themselves: the split keeps
the held-out digits out of the fit, and equidistant clusters give vectors that all meet the goal."""

import numpy as np
import tensorflow as tf
from bench_scripts import load_bench_script

sr = load_bench_script("steering_ridge")


def test_the_held_out_digits_are_apart_from_the_fit():
    fit, held = sr.held_out_split(100, 20)
    assert len(held) == 20 and len(fit) == 80 and not set(fit) & set(held)
    assert sorted([*fit, *held]) == list(range(100))


class LatentsAsImages:
    """A stand-in model whose decoder shows the latent as a 1×d image."""

    def decode(self, latents: tf.Tensor) -> tf.Tensor:
        return latents[:, None, :, None]


def test_every_vector_is_measured_on_the_other_classes_and_meets_the_goal_on_clear_clusters():
    rng = np.random.default_rng(0)
    centres = 4 * np.eye(10)  # equidistant classes: the regression's regions are the nearest centre's
    labels = np.arange(3000) % 10
    latents = (centres[labels] + rng.normal(0, 0.3, (3000, 10))).astype(np.float32)

    def classify(images: np.ndarray) -> np.ndarray:  # the nearest centre, one-hot
        points = images.reshape(len(images), -1)
        return np.eye(10)[((points[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)]

    fit, held = sr.held_out_split(len(latents), 500)
    scales = [0.0, 1.0, 2.0]
    rows = sr.measure_ridge(LatentsAsImages(), latents, labels, fit, held, 0.1, classify, scales, per_class=40)
    assert [row.name for row in rows] == [str(d) for d in range(10)] and all(row.n == 40 for row in rows)
    assert all(row.hit[0] == 0 for row in rows)  # none of the edited digits is its target unedited
    assert all(sr.goal_scale(row, scales, classes=True) is not None for row in rows)
