"""The SavedModel for TensorFlow Serving: reloaded, its signatures compute what the model does."""

import numpy as np
import tensorflow as tf

from model.bundle import save_bundle
from model.cli import main
from model.config import Config, ModelConfig, TrainConfig
from model.iwae import IWAE, build
from model.saved_model import export_saved_model


def test_reloaded_signatures_encode_and_decode_like_the_model(tmp_path):
    config = ModelConfig(image_shape=(28, 28, 1), latent_sizes=(6, 3), hidden_sizes=((16,), (8,)), latent_layer=0)
    model = build(IWAE(config))
    path = export_saved_model(model, tmp_path / "serving", "digits")
    assert path == tmp_path / "serving" / "digits" / "1" and (path / "saved_model.pb").exists()
    loaded = tf.saved_model.load(str(path))
    assert set(loaded.signatures) == {"encode", "decode", "serving_default"}
    x = np.random.default_rng(0).integers(0, 2, (5, 28, 28, 1)).astype(np.float32)
    encoded = loaded.signatures["encode"](images=tf.constant(x))
    mean, std = model.encode(x)
    np.testing.assert_allclose(encoded["mean"], mean, atol=1e-6)
    np.testing.assert_allclose(encoded["std"], std, atol=1e-6)
    decoded = loaded.signatures["serving_default"](latent=mean)["image"]
    np.testing.assert_allclose(decoded, model.decode(mean), atol=1e-6)
    assert decoded.shape == (5, 28, 28, 1)


def test_iwae_export_saved_model_writes_every_bundle(tmp_path, capsys):
    for name, latent in (("a", (4,)), ("b", (5,))):
        config = Config(ModelConfig(image_shape=(4, 4, 1), latent_sizes=latent, hidden_sizes=((8,),)), TrainConfig())
        save_bundle(build(IWAE(config.model)), config, tmp_path / "bundles" / name)
    main(
        ["export", "--saved-model", str(tmp_path / "out"), "--bundles-dir", str(tmp_path / "bundles"), "--version", "3"]
    )
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").glob("*/*")) == ["a/3", "b/3"]
    assert "wrote" in capsys.readouterr().out
