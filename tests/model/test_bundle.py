"""Bundles round-trip bit-exactly and refuse to load when altered."""

import dataclasses
import json

import numpy as np
import pytest
import tensorflow as tf

from model.attributes import AttributeVector, Judged
from model.bundle import BundleError, load_bundle, save_attributes, save_bundle, save_latent_gaussian, save_report
from model.config import Config, ModelConfig
from model.iwae import IWAE, build
from model.latent_gaussian import LatentGaussian


@pytest.fixture
def bundle_dir(tmp_path):
    tf.keras.utils.set_random_seed(0)
    config = Config(ModelConfig(image_shape=(4, 4, 1), latent_sizes=(3, 2), hidden_sizes=((8,), (4,))))
    model = build(IWAE(config.model))
    directory = save_bundle(model, config, tmp_path / "tiny")
    save_report(directory, {"test_nll": 12.5, "k": 10})
    save_attributes(directory, {"up": AttributeVector("up", np.array([1, 0], np.float32), "custom", 3, 4)})
    return directory, model


def test_round_trip_is_bit_exact(bundle_dir):
    directory, model = bundle_dir
    bundle = load_bundle(directory)
    assert bundle.name == "tiny" and bundle.report["test_nll"] == 12.5
    assert bundle.attributes["up"].n_negative == 4
    np.testing.assert_array_equal(bundle.attributes["up"].vector, [1, 0])
    for saved, loaded in zip(model.variables, bundle.model.variables, strict=True):
        np.testing.assert_array_equal(saved.numpy(), loaded.numpy())
    x = tf.ones((2, 4, 4, 1))
    np.testing.assert_array_equal(model.encode(x)[0].numpy(), bundle.model.encode(x)[0].numpy())


def test_a_vectors_judged_figures_round_trip_and_an_unjudged_one_has_none(bundle_dir):
    directory, _ = bundle_dir
    judged = Judged(1.5, 0.94, 0.031, "mean |ΔP| of the other attributes", 0.9, 0.05, 200, "meets_goal")
    save_attributes(
        directory,
        {
            "up": AttributeVector("up", np.array([1, 0], np.float32), "balanced", 3, 4, judged),
            "down": AttributeVector("down", np.array([0, -1], np.float32), "balanced", 2, 2),
        },
    )
    attributes = load_bundle(directory).attributes
    assert attributes["up"].judged == judged and attributes["down"].judged is None
    assert "judged" not in json.loads((directory / "attributes.json").read_text())["down"]
    with pytest.raises(ValueError, match="unknown outcome"):
        dataclasses.replace(judged, outcome="fine")
    with pytest.raises(ValueError, match="finite"):  # NaN would make /models unreadable as JSON
        dataclasses.replace(judged, turned=float("nan"))


def test_the_version_names_the_weights_and_only_them(bundle_dir):
    """A bundle's version is its weights' sha256 prefix: new attributes or a new report keep it, new
    weights change it."""
    directory, model = bundle_dir
    version = load_bundle(directory).version
    assert len(version) == 12 and int(version, 16) >= 0
    save_report(directory, {"test_nll": 11.0})
    save_attributes(directory, {"down": AttributeVector("down", np.array([0, -1], np.float32), "custom", 2, 2)})
    assert load_bundle(directory).version == version
    model.variables[0].assign_add(tf.ones_like(model.variables[0]))
    save_bundle(model, load_bundle(directory).config, directory)
    assert load_bundle(directory).version != version


def test_every_file_is_readable_by_other_users(bundle_dir):
    """A container's service runs as its own user: a 0600 file would make it skip the bundle."""
    directory, _ = bundle_dir
    assert {path.name: path.stat().st_mode & 0o044 for path in directory.iterdir()} == {
        path.name: 0o044 for path in directory.iterdir()
    }


def test_tampered_weights_are_refused(bundle_dir):
    directory, _ = bundle_dir
    blob = bytearray((directory / "weights.safetensors").read_bytes())
    blob[-1] ^= 1
    (directory / "weights.safetensors").write_bytes(bytes(blob))
    with pytest.raises(BundleError, match="weights.safetensors does not match its sha256"):
        load_bundle(directory)


def test_missing_and_unlisted_files_are_refused(bundle_dir):
    directory, _ = bundle_dir
    (directory / "notes.txt").write_text("hello")
    with pytest.raises(BundleError, match="not in MANIFEST.sha256: notes.txt"):
        load_bundle(directory)
    (directory / "notes.txt").unlink()
    (directory / "report.json").unlink()
    with pytest.raises(BundleError, match="report.json is listed in MANIFEST.sha256 but missing"):
        load_bundle(directory)


def test_config_that_does_not_match_the_weights_is_refused(bundle_dir):
    from model.bundle import write_manifest

    directory, _ = bundle_dir
    config = json.loads((directory / "config.json").read_text())
    config["model"]["latent_sizes"] = [5, 2]
    (directory / "config.json").write_text(json.dumps(config))
    write_manifest(directory)  # a consistent manifest, but the weights belong to another architecture
    with pytest.raises(BundleError, match="shape"):
        load_bundle(directory)


def test_not_a_bundle(tmp_path):
    with pytest.raises(BundleError, match="no bundle"):
        load_bundle(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match="MANIFEST.sha256 is missing"):
        load_bundle(tmp_path / "empty")


def test_a_fitted_latent_gaussian_round_trips(bundle_dir):
    directory, _ = bundle_dir
    assert load_bundle(directory).latent_gaussian is None  # sampling uses the prior unless one is fitted
    fitted = LatentGaussian.fit(np.random.default_rng(0).standard_normal((50, 3)) + 7.0)
    save_latent_gaussian(directory, fitted)
    loaded = load_bundle(directory).latent_gaussian
    np.testing.assert_array_equal(loaded.mean, fitted.mean)
    np.testing.assert_array_equal(loaded.scale_tril, fitted.scale_tril)


def test_saving_new_weights_drops_stale_report_attributes_and_latent_gaussian(bundle_dir):
    directory, model = bundle_dir
    save_latent_gaussian(directory, LatentGaussian.fit(np.random.default_rng(0).standard_normal((50, 3))))
    save_bundle(model, load_bundle(directory).config, directory)
    bundle = load_bundle(directory)
    assert bundle.report == {} and bundle.attributes == {} and bundle.latent_gaussian is None


def test_a_model_card_is_replaced_when_given_and_otherwise_kept_with_a_warning(bundle_dir, caplog):
    directory, model = bundle_dir
    config = load_bundle(directory).config
    save_bundle(model, config, directory, card="# tiny\nterms of the data\n")
    save_bundle(model, config, directory)
    assert (directory / "README.md").read_text() == "# tiny\nterms of the data\n"
    assert "still describes these weights" in caplog.text
    load_bundle(directory)  # the kept card is in the manifest
    save_bundle(model, config, directory, card="# tiny, retrained\n")
    assert (directory / "README.md").read_text() == "# tiny, retrained\n"
