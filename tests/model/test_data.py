"""model/data.py's CelebA splits on two tiny synthetic archives laid out like the real ones."""

import io

import numpy as np
from PIL import Image

from model.data import CELEBA_TEST_SIZE, load_celeba, load_celeba_softer


def write_archive(path, shades: np.ndarray, sources: list[str] | None = None) -> None:
    """One flat-grey 64×64 JPEG per shade (0–255), attribute 0 = (shade is even), like celeba_64_*.npz."""
    blobs = []
    for shade in shades:
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), (int(shade),) * 3).save(buffer, "JPEG", quality=95)
        blobs.append(np.frombuffer(buffer.getvalue(), np.uint8))
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in blobs])])
    attrs = np.where(shades[:, None] % 2 == 0, 1, -1).astype(np.int8)
    extra = {} if sources is None else {"source": np.array(sources)}
    np.savez(
        path, jpeg_bytes=np.concatenate(blobs), offsets=offsets, attrs=attrs, attr_names=np.array(["Even"]), **extra
    )


def test_the_softer_faces_are_the_squeezed_ones_that_the_sharp_training_split_leaves_out(tmp_path):
    first = np.arange(CELEBA_TEST_SIZE + 10) % 250
    write_archive(tmp_path / "celeba_64_10k.npz", first)
    write_archive(tmp_path / "celeba_64_extra.npz", np.array([10, 60, 110, 160]), ["full_res", "squeezed_64"] * 2)

    softer = load_celeba_softer(tmp_path)
    np.testing.assert_allclose(softer.images[:, 0, 0, 0] * 255, [60, 160], atol=2)  # JPEG rounding
    assert softer.label_names == ("Even",) and (softer.labels[:, 0] == 1).all()
    sharp = load_celeba("train", tmp_path, squeezed=False)
    assert len(sharp.images) == 10 + 2 and len(load_celeba("train", tmp_path).images) == 10 + 4
    assert len(load_celeba("test", tmp_path).images) == CELEBA_TEST_SIZE
