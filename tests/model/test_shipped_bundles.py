"""The bundles the app ships: they load, carry their reports and attributes, and meet the targets."""

from pathlib import Path

import numpy as np
import pytest

from model.bundle import load_bundle
from model.data import load_mnist
from model.evaluate import evaluate

BUNDLES = Path(__file__).parents[2] / "model" / "bundles"


PAPER_VAE_NLL = 86.76  # Burda et al. 2015, Table 1: the one-layer VAE baseline, k = 1
# The digits latent (h1) on the first 1,000 test digits, judged by the nearest training digit:
# reconstructions keep their class (measured 0.955; the top layer h2 kept about 0.87), and every steered
# vector turns ≥ 95 % of 200 other digits into its class at some scale ≤ 3 (the mean differences missed
# "5", "8", "9"), except where this pixel-space judge is harsher than docs/fidelity's trained classifier:
# it reads the thick 8s as 2s ("8" 0.90 at ×3, the classifier 1.00) and "9" peaks at 0.935 (×1; the
# classifier 0.98): past ×1.5 its strong steered vector carries digits beyond a 9 (docs/fidelity: 0.49 at ×3).
KEPT_FLOOR = 0.93
VECTOR_FLOORS = {str(d): 0.95 for d in range(10)} | {"8": 0.85, "9": 0.90}


def test_digits_bundle_meets_the_target_and_beats_the_papers_vae_baseline():
    """The shipped IWAE meets the project's 86.0-nat target on the full test set, and so beats the
    paper's VAE baseline. (The paper's own two-layer IWAE reaches 82.90 after 3,280 epochs; the
    shipped model had 712.)"""
    bundle = load_bundle(BUNDLES / "digits")
    report = bundle.report
    assert report["k"] == 5000 and report["n_test"] == 10000
    assert report["test_nll"] <= 86.0  # the project's target
    assert report["test_nll"] < PAPER_VAE_NLL
    # the bound tightens with k, and the k = 5000 estimate is tighter still
    assert report["bounds"]["1"] > report["bounds"]["5"] > report["bounds"]["50"] > report["test_nll"]
    assert sorted(bundle.attributes) == [str(d) for d in range(10)]
    assert bundle.config.train.objective == "iwae" and bundle.config.train.k == 50


def test_digits_vae_baseline_is_shipped_beside_it():
    iwae, vae = load_bundle(BUNDLES / "digits"), load_bundle(BUNDLES / "digits-vae")
    assert vae.config.train.objective == "vae"
    assert vae.config.model == iwae.config.model  # same networks, trained the same way
    assert vae.config.train.stage_epochs() == iwae.config.train.stage_epochs()
    assert vae.config.train.stage_learning_rates() == iwae.config.train.stage_learning_rates()
    assert vae.report["k"] == 5000 and vae.report["n_test"] == 10000


def test_faces_bundle_reports_bits_per_dim_and_ships_its_attributes_and_terms():
    bundle = load_bundle(BUNDLES / "faces")
    report, train = bundle.report, bundle.config.train
    assert (report["k"], report["n_test"], report["training_k"]) == (50, 1000, train.k)
    # −L_1 ≥ −L_k(train) ≥ −L_50 = the k = 50 estimate, in nats and in bits per dimension
    assert report["bounds"]["1"] > report["bounds"][str(train.k)] > report["bounds"]["50"] == report["test_nll"]
    assert report["bits_per_dim"] == pytest.approx(report["test_nll"] / (64 * 64 * 3 * np.log(2)))
    assert report["bits_per_dim"] <= 5.0  # the goal; 4.81 (the 8 × 8 grid), 5.39 (a 512-d vector), 5.67 (128-d)
    assert report["active_units"] > 1024 and bundle.config.model.latent_shape == (8, 8, 32)
    # measured by bench/face_fidelity.py --save: the goal is 27 dB (31.59; a 512-d vector 25.25, 128-d
    # 23.14), and /sample draws from the Gaussian of the training encodings, which do not fill N(0, I)
    assert report["reconstruction_psnr_db"] >= 27.0 and 0 < report["sample_temperature"] <= 1.5
    assert bundle.latent_gaussian is not None and bundle.latent_gaussian.mean.shape == (
        bundle.config.model.latent_size,
    )
    for name in ("Smiling", "Male", "Eyeglasses"):
        assert bundle.attributes[name].method == "mean_difference"
        assert bundle.attributes[f"{name} (balanced)"].method == "balanced"
        assert bundle.attributes[f"{name} (independent)"].method == "independent"
    assert len(bundle.attributes) == 120
    card = (BUNDLES / "faces" / "README.md").read_text()
    assert "non-commercial" in card and "balanced" in card
    # 0.44 M parameters: the Gaussian of the encodings (2,048² Cholesky factor, 17 MB) is most of it
    assert sum(f.stat().st_size for f in (BUNDLES / "faces").iterdir()) <= 30 * 2**20


@pytest.mark.real_data
def test_faces_reconstructions_and_bound_reproduce_on_a_slice_of_the_held_out_faces(real_faces_dir):
    """Floors of docs/fidelity/faces-fidelity.md on the first 100 held-out faces, as the service feeds
    them: the decoded posterior mean keeps the face (PSNR, goal 27 dB), and the k = 50 bound."""
    from model.data import load_celeba

    bundle = load_bundle(BUNDLES / "faces")
    faces = load_celeba("test", real_faces_dir).images[:100]
    inputs = bundle.model.likelihood.serving_inputs(faces)
    reconstructions = bundle.model.decode(bundle.model.encode(inputs)[0]).numpy()
    squared_error = np.mean((reconstructions - bundle.model.likelihood.intensities(inputs)) ** 2, axis=(1, 2, 3))
    assert np.mean(10 * np.log10(1 / squared_error)) >= 27.0
    report = evaluate(bundle.model, faces[:50], k=50, progress=False)
    assert report["bits_per_dim"] <= 5.0


@pytest.mark.real_data
def test_digits_report_reproduces_on_a_slice_of_the_test_set(real_data_dir):
    """A fresh estimate on the first 200 test images lands near the stored full-test-set number
    (the first images are easier than average, so allow a few nats below it)."""
    bundle = load_bundle(BUNDLES / "digits")
    images = load_mnist("test", real_data_dir).images[:200]
    report = evaluate(bundle.model, images, k=500, progress=False)
    assert bundle.report["test_nll"] - 8 < report["test_nll"] < bundle.report["test_nll"] + 3
    assert np.isfinite(report["bits_per_dim"])


def nearest_neighbour_classes(images: np.ndarray, train) -> np.ndarray:
    """The class of each image's nearest real training digit (Euclidean, on pixels): a judge with
    nothing to train, 96 % right on real test digits."""
    reference = train.images.reshape(len(train.images), -1)
    squared = (reference**2).sum(axis=1)
    queries = images.reshape(len(images), -1)
    return train.labels[(squared[None, :] - 2 * queries @ reference.T).argmin(axis=1)]


@pytest.mark.real_data
def test_digits_latent_keeps_the_digit_and_the_vectors_reach_their_class(real_data_dir):
    """Floors of docs/fidelity/digits.md on a slice that runs in seconds: the first 1,000 test digits,
    encoded as the service feeds them, decoded back, judged by their nearest training digit."""
    from model.attributes import encode_all

    bundle = load_bundle(BUNDLES / "digits")
    assert bundle.config.model.latent_layer == 0 and bundle.config.model.latent_size == 100  # h1
    train, test = load_mnist("train", real_data_dir), load_mnist("test", real_data_dir)
    images, labels = test.images[:1000], test.labels[:1000]
    latents = encode_all(bundle.model, images)
    reconstructions = bundle.model.decode(latents).numpy()
    assert (nearest_neighbour_classes(reconstructions, train) == labels).mean() >= KEPT_FLOOR
    for digit, floor in VECTOR_FLOORS.items():
        assert bundle.attributes[digit].method == "steered"
        others, vector = np.flatnonzero(labels != int(digit))[:200], bundle.attributes[digit].vector
        edited = [bundle.model.decode(latents[others] + scale * vector).numpy() for scale in (1, 1.5, 2, 3)]
        reached = [(nearest_neighbour_classes(images, train) == int(digit)).mean() for images in edited]
        assert max(reached) >= floor, (digit, reached)
