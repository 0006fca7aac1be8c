"""Tiny synthetic data for unit tests (importable from scripts the tests run in a subprocess)."""

import numpy as np


def tiny_images() -> np.ndarray:
    """64 synthetic 8×8 grey images in [0, 1]: a bright bar at one of four places, blurred edges."""
    rng = np.random.default_rng(0)
    images = np.full((64, 8, 8, 1), 0.05, np.float32)
    for i in range(64):
        row = 2 * (i % 4)
        images[i, row : row + 2, 1:7, 0] = 0.95
    return np.clip(images + rng.uniform(-0.04, 0.04, images.shape), 0, 1).astype(np.float32)
