"""Data: MNIST with per-use dynamic binarisation, and CelebA faces with their 40 attribute labels.

Files are read from a data directory (`IWAE_DATA_DIR`, default `../shared/data`). Images come out as
float32 intensities in [0, 1] shaped (N, H, W, C); likelihoods turn them into model inputs.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
CELEBA_TEST_SIZE = 1000  # the last 1,000 faces of celeba_64_10k.npz are the test set everywhere


def data_dir(explicit: str | Path | None = None) -> Path:
    """The data directory: an explicit path, else $IWAE_DATA_DIR, else ../shared/data."""
    return Path(explicit or os.environ.get("IWAE_DATA_DIR") or DEFAULT_DATA_DIR)


@dataclass(frozen=True)
class Dataset:
    """Images (N, H, W, C) float32 in [0, 1], integer labels or ±1 attribute rows, label names."""

    images: np.ndarray
    labels: np.ndarray
    label_names: tuple[str, ...]


def load_mnist(split: str, directory: str | Path | None = None) -> Dataset:
    """MNIST `split` ("train" or "test") from mnist.npz; downloads through Keras when the file is
    missing and a network is available (for users outside this workplace)."""
    path = data_dir(directory) / "mnist.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as f:
            images, labels = f[f"x_{split}"], f[f"y_{split}"]
    else:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        images, labels = (x_train, y_train) if split == "train" else (x_test, y_test)
    images = (images.astype(np.float32) / 255.0)[..., None]
    return Dataset(images, labels.astype(np.int64), tuple(str(d) for d in range(10)))


def decode_jpegs(jpeg_bytes: np.ndarray, offsets: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Decodes the chosen images of a CelebA archive → (N, 64, 64, 3) float32 in [0, 1]."""
    out = np.empty((len(indices), 64, 64, 3), np.float32)
    for row, i in enumerate(indices):
        blob = jpeg_bytes[offsets[i] : offsets[i + 1]].tobytes()
        out[row] = np.asarray(Image.open(io.BytesIO(blob)).convert("RGB"), np.float32) / 255.0
    return out


def _celeba_file(path: Path, keep: np.ndarray | slice) -> Dataset:
    with np.load(path, allow_pickle=False) as f:
        offsets, attrs, names = f["offsets"], f["attrs"], f["attr_names"]
        indices = np.arange(len(offsets) - 1)[keep]
        images = decode_jpegs(f["jpeg_bytes"], offsets, indices)
    return Dataset(images, attrs[indices].astype(np.int8), tuple(str(n) for n in names))


def _faces_from(path: Path, source: str) -> np.ndarray:
    """Indices of the faces of an archive with a `source` column ("full_res" or "squeezed_64") that
    came from `source`."""
    with np.load(path, allow_pickle=False) as f:
        return np.flatnonzero(f["source"] == source)


def load_celeba(split: str, directory: str | Path | None = None, squeezed: bool = True) -> Dataset:
    """CelebA faces: "test" is the last 1,000 of the 10k file; "train" is the rest of it plus the
    extra file (without its softer `squeezed_64` images when squeezed=False)."""
    root = data_dir(directory)
    first = root / "celeba_64_10k.npz"
    if split == "test":
        return _celeba_file(first, slice(-CELEBA_TEST_SIZE, None))
    parts = [_celeba_file(first, slice(None, -CELEBA_TEST_SIZE))]
    extra = root / "celeba_64_extra.npz"
    if extra.exists():
        parts.append(_celeba_file(extra, slice(None) if squeezed else _faces_from(extra, "full_res")))
    return Dataset(
        np.concatenate([p.images for p in parts]), np.concatenate([p.labels for p in parts]), parts[0].label_names
    )


def load_celeba_softer(directory: str | Path | None = None) -> Dataset:
    """The 27,593 softer `squeezed_64` training faces alone (upscaled from about 53×44 source pixels):
    real faces that a judge trained on the sharp ones (squeezed=False) has never seen."""
    extra = data_dir(directory) / "celeba_64_extra.npz"
    return _celeba_file(extra, _faces_from(extra, "squeezed_64"))


def load_dataset(name: str, split: str, directory: str | Path | None = None, squeezed: bool = True) -> Dataset:
    if name == "mnist":
        return load_mnist(split, directory)
    if name == "celeba":
        return load_celeba(split, directory, squeezed)
    raise ValueError(f"unknown dataset {name!r}: expected 'mnist' or 'celeba'")
