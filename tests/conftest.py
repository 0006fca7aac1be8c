"""Shared fixtures: the data directory and a tiny synthetic image set."""

from __future__ import annotations

import os

import numpy as np
import pytest
import synthetic

from model.config import ModelConfig
from model.data import data_dir

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _holding(file: str):
    """The real data directory, or a skip when `file` is not in it on this machine."""
    directory = data_dir()
    if not (directory / file).exists():
        pytest.skip(f"{file} not found in {directory} (set IWAE_DATA_DIR)")
    return directory


@pytest.fixture(scope="session")
def real_data_dir():
    """The real data directory holding MNIST, or a skip."""
    return _holding("mnist.npz")


@pytest.fixture(scope="session")
def real_faces_dir():
    """The real data directory holding the CelebA faces, or a skip."""
    return _holding("celeba_64_10k.npz")


@pytest.fixture
def tiny_images() -> np.ndarray:
    """64 synthetic 8×8 grey images in [0, 1] (synthetic.tiny_images)."""
    return synthetic.tiny_images()


@pytest.fixture
def tiny_conv_config() -> ModelConfig:
    """The faces architecture in miniature: two stride-2 convolutions, 8 latents, 16×16 colour images
    under the discretised logistic."""
    return ModelConfig(
        image_shape=(16, 16, 3),
        likelihood="logistic",
        network="conv",
        latent_sizes=(8,),
        hidden_sizes=((),),
        conv_filters=(8, 16),
    )
