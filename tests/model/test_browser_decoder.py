"""The ONNX decoder a browser runs: it computes what the service's /decode computes, and lives in the
bundle under its manifest."""

import dataclasses

import numpy as np
import pytest

from model.browser_decoder import DECODER_FILE, INPUT_NAME
from model.bundle import load_bundle, save_bundle, save_decoder
from model.config import Config, ModelConfig, TrainConfig
from model.iwae import IWAE, build

MODELS = {
    "digits, latent h1 of two layers": ModelConfig(
        image_shape=(28, 28, 1), latent_sizes=(6, 3), hidden_sizes=((16, 16), (8,)), latent_layer=0
    ),
    "digits, latent the top": ModelConfig(image_shape=(28, 28, 1), latent_sizes=(6, 3), hidden_sizes=((16,), (8,))),
    "faces, convolutional": ModelConfig(
        image_shape=(64, 64, 3),
        likelihood="logistic",
        network="conv",
        latent_sizes=(5,),
        hidden_sizes=((),),
        conv_filters=(4, 8, 8, 16),
    ),
}
# The same faces network stopped at 8 × 8, its latent a grid of 2 channels there.
MODELS["faces, convolutional on a latent grid"] = dataclasses.replace(
    MODELS["faces, convolutional"], latent_sizes=(128,), conv_filters=(4, 8, 8), latent_grid=8
)


@pytest.mark.parametrize("config", MODELS.values(), ids=MODELS.keys())
def test_the_onnx_decoder_decodes_like_the_model(tmp_path, config):
    import onnxruntime

    directory = save_bundle(build(IWAE(config)), Config(config, TrainConfig()), tmp_path / "bundle")
    save_decoder(directory, load_bundle(directory).model)
    bundle = load_bundle(directory)  # the manifest covers the decoder
    assert bundle.decoder == directory / DECODER_FILE
    session = onnxruntime.InferenceSession(str(bundle.decoder), providers=["CPUExecutionProvider"])
    for n in (1, 7):  # any batch size
        latents = np.random.default_rng(n).standard_normal((n, config.latent_size)).astype(np.float32) * 2
        (images,) = session.run(None, {INPUT_NAME: latents})
        assert images.shape == (n, *config.image_shape)
        np.testing.assert_allclose(images, bundle.model.decode(latents).numpy(), atol=1e-5)


def test_new_weights_remove_the_decoder_of_the_old_ones(tmp_path):
    config = MODELS["digits, latent the top"]
    model = build(IWAE(config))
    directory = save_bundle(model, Config(config, TrainConfig()), tmp_path / "bundle")
    save_decoder(directory, model)
    save_bundle(model, Config(config, TrainConfig()), directory)
    assert not (directory / DECODER_FILE).exists() and load_bundle(directory).decoder is None
