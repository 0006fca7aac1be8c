"""Intensities → model inputs and back: the three Bernoulli variants, the one 8-bit variant."""

import numpy as np
import tensorflow as tf

from model.likelihoods import BernoulliLikelihood, LogisticLikelihood

GREYS = np.linspace(0.0, 1.0, 2001, dtype=np.float32).reshape(1, -1, 1, 1)


def test_bernoulli_training_binarises_anew_each_step_evaluation_once_by_seed_serving_by_threshold():
    bernoulli = BernoulliLikelihood()
    images = tf.constant(bernoulli.training_inputs(GREYS))
    first, second = (bernoulli.in_step(images, tf.constant([0, s], tf.int64)).numpy() for s in (1, 2))
    assert set(np.unique(first)) == {0.0, 1.0} and not np.array_equal(first, second)  # a new draw per step
    assert abs(first.mean() - GREYS.mean()) < 0.05  # ... with each pixel's intensity as its probability
    evaluation = bernoulli.evaluation_inputs(GREYS, seed=3)
    np.testing.assert_array_equal(evaluation, bernoulli.evaluation_inputs(GREYS, seed=3))
    assert not np.array_equal(evaluation, bernoulli.evaluation_inputs(GREYS, seed=4))
    served = bernoulli.serving_inputs(GREYS)
    np.testing.assert_array_equal(served, (GREYS > 0.5).astype(np.float32))
    np.testing.assert_array_equal(bernoulli.intensities(served), served)


def test_logistic_inputs_are_8_bit_bin_centres_in_every_use_and_map_back():
    logistic = LogisticLikelihood()
    centres = logistic.serving_inputs(GREYS)
    levels = (centres + 1.0) * 127.5
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-4)  # on the 256 bin centres
    assert centres.min() == -1.0 and centres.max() == 1.0
    for variant in (logistic.training_inputs(GREYS), logistic.evaluation_inputs(GREYS, seed=0)):
        np.testing.assert_array_equal(variant, centres)
    in_step = logistic.in_step(tf.constant(centres), tf.constant([0, 0], tf.int64))
    np.testing.assert_array_equal(in_step.numpy(), centres)
    np.testing.assert_allclose(logistic.intensities(centres), np.round(GREYS * 255) / 255, atol=1e-6)
