"""Attribute vectors on synthetic encodings whose true directions are known."""

import numpy as np
import pytest
import tensorflow as tf
from scipy.optimize import check_grad

from model.attributes import (
    attributes_for_latents,
    balanced_attribute_vectors,
    binary_attribute_vectors,
    encode_all,
    independent_attribute_vectors,
    independent_of_others,
    logistic_probes,
    mean_difference,
    softmax_regression,
    steered_class_vectors,
    steering_objective,
)
from model.config import ModelConfig
from model.iwae import IWAE, build


def three_clusters(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class 0 at the origin, classes 1 and 2 up and to either side: the mean difference for class 0,
    (0, −2), carries both of the others only to the boundary with their own class."""
    centres = np.array([[0.0, 0.0], [2.0, 2.0], [-2.0, 2.0]])
    labels = np.arange(n) % 3
    return centres[labels] + np.random.default_rng(seed).normal(0, 0.3, (n, 2)), labels, centres


def nearest_centre(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return ((points[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)


def test_mean_difference_is_with_minus_without():
    latents = np.array([[0, 0], [2, 0], [0, 4], [0, 8]], np.float32)
    vector = mean_difference(latents, np.array([True, True, False, False]), "zero")
    np.testing.assert_allclose(vector.vector, [1, -6])
    assert (vector.n_positive, vector.n_negative) == (2, 2)


def test_steered_class_vector_carries_the_other_classes_across_where_the_mean_difference_stops():
    latents, labels, centres = three_clusters()
    others = latents[labels != 0]
    plain = mean_difference(latents, labels == 0, "0").vector
    steered = steered_class_vectors(latents, labels, ("0", "1", "2"), ridge=0.1)  # a ridge for these 2-d toy latents
    assert steered["0"].method == "steered" and (steered["0"].n_positive, steered["0"].n_negative) == (200, 400)
    reached_plain = (nearest_centre(others + plain, centres) == 0).mean()
    reached_steered = (nearest_centre(others + steered["0"].vector, centres) == 0).mean()
    assert reached_plain < 0.7 and reached_steered > 0.95
    # it steers along the data's own direction, further: straight down, not sideways
    assert steered["0"].vector[1] < plain[1] < 0 and abs(steered["0"].vector[0]) < 0.1


def test_softmax_regression_separates_the_classes_and_the_steering_gradient_is_exact():
    latents, labels, _ = three_clusters(90)
    weights, biases = softmax_regression(latents, labels, 3, ridge=0.1)
    assert (np.argmax(latents @ weights + biases, 1) == labels).mean() > 0.95
    # the steering objective's gradient, checked against finite differences at a few points
    objective, delta = steering_objective(latents, labels, 0, (weights, biases), scale=1.0, pull=1e-3)
    np.testing.assert_allclose(delta, latents[labels == 0].mean(0) - latents[labels != 0].mean(0))
    for v in np.random.default_rng(3).normal(0, 1, (3, 2)):
        assert check_grad(lambda u: objective(u)[0], lambda u: objective(u)[1], v) < 1e-5


def test_attribute_without_both_groups_is_an_error():
    with pytest.raises(ValueError, match="both with and without"):
        mean_difference(np.zeros((3, 2)), np.ones(3, bool), "all")


def test_balanced_vectors_remove_a_confounded_attribute():
    """Smiling is truly direction e0 and Male e1, but most smilers are not male. The plain mean
    difference for Smiling leaks −e1; the balanced one does not."""
    rng = np.random.default_rng(0)
    n = 20000
    male = rng.random(n) < 0.5
    smiling = rng.random(n) < np.where(male, 0.2, 0.8)
    latents = np.stack([2.0 * smiling, 3.0 * male, np.zeros(n)], 1) + rng.normal(0, 0.3, (n, 3))
    attrs = np.where(np.stack([smiling, male], 1), 1, -1).astype(np.int8)
    plain = binary_attribute_vectors(latents, attrs, ("Smiling", "Male"))["Smiling"].vector
    balanced = balanced_attribute_vectors(latents, attrs, ("Smiling", "Male"))["Smiling"].vector
    assert plain[1] < -1.0  # confounded: smiling "removes" maleness
    np.testing.assert_allclose(balanced, [2.0, 0.0, 0.0], atol=0.05)


def two_read_outs(n: int = 20000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Latents in 3-d where label 0 is read along (1, 1, 0) and label 1 along (0, 1, 0): their
    read-outs share the second axis, so a vector that adds label 0 moves label 1's read-out too."""
    rng = np.random.default_rng(seed)
    latents = rng.normal(0, 1, (n, 3))
    logits = np.stack([2 * (latents[:, 0] + latents[:, 1]), 2 * latents[:, 1]], 1)
    return latents, np.where(rng.random((n, 2)) < 1 / (1 + np.exp(-logits)), 1, -1).astype(np.int8)


def test_logistic_probes_recover_the_read_out_directions_in_the_latents_own_units():
    latents, attrs = two_read_outs()
    weights, biases = logistic_probes(latents * 5 + 7, attrs)  # in the latents' own units, any offset
    np.testing.assert_allclose(weights * 5, [[2, 0], [2, 2], [0, 0]], atol=0.15)
    np.testing.assert_allclose(biases + 7 * weights.sum(0), [0, 0], atol=0.1)


def test_an_independent_vector_leaves_the_other_read_outs_where_they_were():
    own, other = np.array([1.0, 1.0, 0.0]), np.array([[0.0], [1.0], [0.0]])
    vector = independent_of_others(np.array([1.0, 1.0, 0.5]), own, other)
    assert abs(vector @ other[:, 0]) < 1e-12  # label 1's read-out does not move
    assert vector @ own == pytest.approx(2.0)  # label 0's moves as far as the balanced vector's did
    np.testing.assert_allclose(vector, [2.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="too little"):  # own read-out lies in the others' span
        independent_of_others(np.array([1.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0]), other)
    # a read-out of zeros (a label never present) or a repeated one adds no direction to remove
    ones, e1 = np.ones(4), np.array([[0.0], [1.0], [0.0], [0.0]])
    for degenerate in (np.hstack([e1, np.zeros((4, 1))]), np.hstack([e1, 2 * e1])):
        np.testing.assert_allclose(independent_of_others(ones, ones, degenerate), [4 / 3, 0, 4 / 3, 4 / 3])

    latents, attrs = two_read_outs()
    balanced = balanced_attribute_vectors(latents, attrs, ("a", "b"))
    independent = independent_attribute_vectors(latents, attrs, ("a", "b"), balanced)["a"]
    weights, _ = logistic_probes(latents, attrs)
    assert abs(balanced["a"].vector @ weights[:, 1]) > 0.5  # the balanced vector moves b's read-out
    assert abs(independent.vector @ weights[:, 1]) < 1e-6 and independent.method == "independent"
    assert independent.vector @ weights[:, 0] == pytest.approx(balanced["a"].vector @ weights[:, 0])


def test_a_latent_too_small_for_every_other_read_out_keeps_the_plain_and_balanced_vectors():
    rng = np.random.default_rng(4)
    latents = rng.normal(0, 1, (400, 2))  # three labels: the two others span the whole plane
    labels = np.where(rng.random((400, 3)) < 0.5, 1, -1)
    vectors = attributes_for_latents(latents, labels, ("a", "b", "c"))
    assert {"a", "a (balanced)", "c", "c (balanced)"} <= set(vectors)
    assert not any(name.endswith("(independent)") for name in vectors)


def test_attributes_for_encoded_data_with_class_and_binary_labels():
    tf.keras.utils.set_random_seed(0)  # the latents, and so whether each independent vector can be made
    model = build(IWAE(ModelConfig(image_shape=(4, 4, 1), latent_sizes=(3,), hidden_sizes=((8,),))))
    latents = encode_all(model, np.random.default_rng(1).random((40, 4, 4, 1)).astype(np.float32))
    by_class = attributes_for_latents(latents, np.arange(40) % 4, ("a", "b", "c", "d"))
    assert sorted(by_class) == ["a", "b", "c", "d"] and by_class["a"].vector.shape == (3,)
    labels = np.where(latents[:, :2] > np.median(latents[:, :2], axis=0), 1, -1)  # read off two latent axes
    binary = attributes_for_latents(latents, labels, ("x", "y"))
    assert sorted(binary) == ["x", "x (balanced)", "x (independent)", "y", "y (balanced)", "y (independent)"]
    assert binary["y (balanced)"].method == "balanced" and binary["y (independent)"].method == "independent"
    assert tf.reduce_all(tf.math.is_finite(binary["x"].vector))


def test_a_fit_that_stops_before_converging_is_used_with_a_warning(monkeypatch, caplog):
    import scipy.optimize

    def one_step(objective, start, **options):  # L-BFGS giving up after its first evaluation
        from scipy.optimize import OptimizeResult

        return OptimizeResult(x=start + 1.0, success=False, message="ABNORMAL: line search failed")

    monkeypatch.setattr(scipy.optimize, "minimize", one_step)  # model/attributes.py imports it when it fits
    latents, labels, _ = three_clusters(90)
    weights, biases = softmax_regression(latents, labels, 3)
    assert np.all(weights == 1.0) and np.all(biases == 1.0)  # the point it stopped at, not an exception
    assert "the softmax regression stopped before converging: ABNORMAL" in caplog.text
    steered_class_vectors(latents, labels, ("a", "b", "c"))
    assert "steering toward 'b' stopped before converging" in caplog.text
