"""The shipped digits model with real MNIST digits: a digit drawn large, off-centre and black-on-white
on a big canvas encodes close to the MNIST original it was drawn from."""

from __future__ import annotations

import numpy as np
import pytest
from app_fixtures import mnist_test_digits, paint_large

from app.config import ROOT
from app.engine import Engine
from app.prepare import digit_intensities

N_DIGITS = 20


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Engine:
    bundle = ROOT / "model" / "bundles" / "digits"
    only_digits = tmp_path_factory.mktemp("shipped")
    (only_digits / "digits").symlink_to(bundle, target_is_directory=True)
    engine = Engine(only_digits)
    engine.load(warm_up=False)
    assert engine.names == ["digits"], f"the shipped digits bundle does not load: {engine.failures}"
    return engine


@pytest.fixture(scope="module")
def mnist_test() -> np.ndarray:
    return mnist_test_digits(N_DIGITS)


@pytest.mark.real_data
def test_a_painted_digit_encodes_nearest_to_its_own_original(shipped, mnist_test):
    digits = shipped.model("digits")
    originals = digits.likelihood.serving_inputs((mnist_test / 255.0)[..., None].astype(np.float32))
    places = [(40 + 15 * i, 30 + 11 * i) for i in range(N_DIGITS)]  # a different off-centre place for each
    drawn = np.stack([digit_intensities(paint_large(d, at))[0] for d, at in zip(mnist_test, places, strict=True)])
    drawn = drawn[..., None]
    original_latents, _ = digits.compiled.encode(originals)
    drawn_latents, _ = digits.compiled.encode(digits.likelihood.serving_inputs(drawn))
    distances = np.linalg.norm(drawn_latents[:, None] - original_latents[None], axis=-1)  # (drawn, original)
    nearest = distances.argmin(axis=1)
    assert (nearest == np.arange(N_DIGITS)).mean() >= 0.9, nearest
    assert np.median(np.diag(distances)) < np.median(distances[~np.eye(N_DIGITS, dtype=bool)]) / 2
