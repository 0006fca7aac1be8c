"""Attribute vectors on synthetic encodings whose true directions are known."""

import numpy as np
import pytest
import tensorflow as tf

from model.attributes import (
    attributes_for_latents,
    balanced_attribute_vectors,
    binary_attribute_vectors,
    class_vectors,
    encode_all,
    mean_difference,
)
from model.config import ModelConfig
from model.iwae import IWAE, build


def test_class_vectors_are_mean_differences():
    latents = np.array([[0, 0], [2, 0], [0, 4], [0, 8]], np.float32)
    vectors = class_vectors(latents, np.array([0, 0, 1, 1]), ("zero", "one"))
    np.testing.assert_allclose(vectors["zero"].vector, [1, -6])
    np.testing.assert_allclose(vectors["one"].vector, [-1, 6])
    assert (vectors["zero"].n_positive, vectors["zero"].n_negative) == (2, 2)


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


def test_attributes_for_encoded_data_with_class_and_binary_labels():
    model = build(IWAE(ModelConfig(image_shape=(4, 4, 1), latent_sizes=(3,), hidden_sizes=((8,),))))
    latents = encode_all(model, np.random.default_rng(1).random((40, 4, 4, 1)).astype(np.float32))
    by_class = attributes_for_latents(latents, np.arange(40) % 4, ("a", "b", "c", "d"))
    assert sorted(by_class) == ["a", "b", "c", "d"] and by_class["a"].vector.shape == (3,)
    labels = np.where(np.random.default_rng(2).random((40, 2)) < 0.5, 1, -1)
    binary = attributes_for_latents(latents, labels, ("x", "y"))
    assert sorted(binary) == ["x", "x (balanced)", "y", "y (balanced)"]
    assert binary["y (balanced)"].method == "balanced"
    assert tf.reduce_all(tf.math.is_finite(binary["x"].vector))
