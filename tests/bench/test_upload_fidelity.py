"""bench/upload_fidelity.py: a rendered upload survives the service's preprocessing as the same digit,
and the whole report on a tiny untrained bundle judged by a stub classifier (no real data)."""

import io
from types import SimpleNamespace

import numpy as np
from bench_scripts import load_bench_script
from PIL import Image, ImageDraw

from model.bundle import load_bundle, save_bundle
from model.config import Config, ModelConfig, TrainConfig
from model.data import Dataset
from model.iwae import IWAE, build

uf = load_bench_script("upload_fidelity")


def seven() -> np.ndarray:
    """A "7" drawn like an MNIST digit: white strokes on black, 28×28 in [0, 1], centred."""
    image = Image.new("L", (28, 28), 0)
    ImageDraw.Draw(image).line([(8, 6), (20, 6), (12, 22)], fill=255, width=3)
    return np.asarray(image, np.float32) / 255.0


def test_a_rendered_upload_is_a_dark_on_light_jpeg_larger_than_the_digit():
    upload = uf.render_upload(seven(), np.random.default_rng(0))
    with Image.open(io.BytesIO(upload)) as image:
        assert image.format == "JPEG" and image.mode == "RGB" and min(image.size) >= 100
        grey = np.asarray(image.convert("L"), np.float32)
    assert np.median(grey) > 150 and grey.min() < 100  # light paper, dark ink


def test_the_service_preprocessing_turns_rendered_uploads_back_into_the_digit():
    config = Config(ModelConfig(image_shape=(28, 28, 1), latent_sizes=(4,), hidden_sizes=((8,),)), TrainConfig("mnist"))
    bundle = SimpleNamespace(config=config, model=build(IWAE(config.model)))  # what model_inputs reads of a Bundle
    rng = np.random.default_rng(1)
    digit, clean = seven(), io.BytesIO()
    Image.fromarray((seven() * 255).astype(np.uint8)).save(clean, "PNG")
    reference = uf.model_inputs(bundle, clean.getvalue())[..., 0]  # the clean digit, as the service frames it
    for _ in range(5):  # sizes, positions, lighting and JPEG qualities differ
        seen = uf.model_inputs(bundle, uf.render_upload(digit, rng))[..., 0]
        assert seen.shape == (28, 28) and set(np.unique(seen)) <= {0.0, 1.0}
        overlap = (seen * reference).sum() / np.maximum(seen, reference).sum()  # intersection over union
        assert overlap > 0.6


def test_the_report_on_a_tiny_bundle(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    config = Config(
        ModelConfig(image_shape=(28, 28, 1), latent_sizes=(6, 4), hidden_sizes=((16,), (8,)), latent_layer=0),
        TrainConfig(dataset="mnist"),
    )
    directory = save_bundle(build(IWAE(config.model)), config, tmp_path / "digits")
    digits = np.stack([seven()] * 6)[..., None]
    test = Dataset(digits, np.array([7, 7, 7, 1, 1, 1]), tuple("0123456789"))

    def classify(images):  # "7" when the image has ink in the upper right, "1" otherwise
        return np.eye(10)[np.where(images[:, 4:9, 14:22].mean(axis=(1, 2, 3)) > 0.2, 7, 1)]

    report = uf.run(load_bundle(directory), test, classify, n=6, out=tmp_path)
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1].rstrip(" |") for line in report.splitlines()[6:10]}
    assert rows["real test digits (6)"] == "50.0%"  # half are labelled 1 but show a 7
    assert rows["uploads after the service's preprocessing (what the model sees) (6)"] == "50.0%"
    with Image.open(tmp_path / "digits-uploads.png") as strip:
        assert strip.size == (3 * 84 + 2 * 2, 6 * 84 + 5 * 2)
    assert "![uploads](digits-uploads.png)" in (tmp_path / "digits-uploads.md").read_text()
