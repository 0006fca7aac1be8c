"""bench/face_fidelity.py: its measures on hand-made arrays, and the whole report on a tiny untrained
faces bundle with a stub feature extractor (no real data, no trained classifier)."""

from pathlib import Path

import numpy as np
import pytest
from bench_scripts import load_bench_script
from PIL import Image

from model.bundle import load_bundle, save_bundle, save_latent_gaussian, save_report
from model.config import Config, ModelConfig, TrainConfig
from model.iwae import IWAE, build
from model.latent_gaussian import LatentGaussian

ff = load_bench_script("face_fidelity")


def test_psnr_is_infinite_for_equal_images_and_20_db_for_a_tenth_off():
    images = np.full((2, 4, 4, 3), 0.5)
    assert ff.psnr(images, images).min() > 100
    np.testing.assert_allclose(ff.psnr(images + 0.1, images), [20.0, 20.0])


def test_blurring_lowers_psnr_more_the_wider_the_blur():
    rng = np.random.default_rng(0)
    faces = rng.random((3, 16, 16, 3)).astype(np.float32)
    one, two = (ff.psnr(ff.blurred(faces, s), faces).mean() for s in (1.0, 2.0))
    assert two < one < 100


def test_frechet_distance_of_shifted_gaussians_is_the_squared_shift():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((20_000, 3))
    assert ff.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert ff.frechet_distance(a, a + [2.0, 0.0, 1.0]) == pytest.approx(5.0, abs=1e-6)
    assert ff.frechet_distance(a, 2 * a) == pytest.approx(3.0, rel=0.05)  # trace(1 + 4 − 2·2) per axis


def test_the_cascade_finds_no_face_in_noise_or_a_flat_grey():
    rng = np.random.default_rng(2)
    images = np.concatenate([rng.random((3, 64, 64, 3)), np.full((1, 64, 64, 3), 0.5)])
    assert not ff.face_found(images.astype(np.float32)).any()


def tiny_faces_bundle(root: Path) -> Path:
    """An untrained 64×64 faces bundle with a report and a Gaussian of (made-up) encodings."""
    import keras

    keras.utils.set_random_seed(0)
    config = Config(
        ModelConfig(image_shape=(64, 64, 3), likelihood="logistic", latent_sizes=(3,), hidden_sizes=((8,),)),
        TrainConfig(dataset="celeba"),
    )
    directory = save_bundle(build(IWAE(config.model)), config, root / "faces")
    save_report(directory, {"bits_per_dim": 6.5, "k": 50})
    save_latent_gaussian(directory, LatentGaussian(np.full(3, 4.0, np.float32), np.eye(3, dtype=np.float32)))
    return directory


def brightness(images: np.ndarray) -> np.ndarray:
    """A stub "classifier feature": each image's mean colour."""
    return images.mean(axis=(1, 2))


def test_the_report_on_a_tiny_bundle_falls_back_to_the_coolest_temperature_without_faces_and_saves_it(tmp_path):
    directory = tiny_faces_bundle(tmp_path)
    faces = np.random.default_rng(3).random((20, 64, 64, 3)).astype(np.float32)

    text, chosen, mean_psnr = ff.run(load_bundle(directory), faces, brightness, [0.5, 1.0], 16, 0, tmp_path)
    assert chosen == 0.5 and 0 < mean_psnr < 100  # noise: no face at any temperature, so the coolest
    assert "| reconstructions (decoded posterior mean) |" in text and f"**{chosen:g}**" in text
    assert "| temperature | from the prior N(0, I) | from the Gaussian of the training encodings |" in text
    assert "/sample draws from the Gaussian of the training encodings" in text
    assert (tmp_path / "faces-fidelity.md").read_text() == text
    with Image.open(tmp_path / "faces-samples.png") as grid:
        assert grid.size == (8 * 64 + 7 * 2, 2 * 64 + 2)

    ff.save_measurements(load_bundle(directory), chosen, mean_psnr)
    saved = load_bundle(directory).report  # the manifest still verifies
    assert saved == {"bits_per_dim": 6.5, "k": 50, "sample_temperature": chosen, "reconstruction_psnr_db": mean_psnr}


def test_the_default_temperature_is_the_highest_at_which_the_served_sampler_still_draws_faces(tmp_path, monkeypatch):
    directory = tiny_faces_bundle(tmp_path)
    faces = np.random.default_rng(3).random((20, 64, 64, 3)).astype(np.float32)
    # the fraction of faces found, call by call: the prior's three temperatures, then the served
    # sampler's (the Gaussian of the encodings), not monotone in the temperature; then the real faces
    # and the reconstructions the report shows beside them
    fractions = iter([1.0, 1.0, 1.0, 1.0, 0.25, 0.75])
    monkeypatch.setattr(ff, "face_found", lambda samples: np.arange(len(samples)) < next(fractions, 1.0) * len(samples))

    _, chosen, _ = ff.run(load_bundle(directory), faces, brightness, [0.5, 1.0, 1.5], 16, 0, None)
    assert chosen == 1.5  # found in 75 % (≥ FACE_FLOOR) of its samples, though not at 1.0
