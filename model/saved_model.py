"""A bundle as a TensorFlow SavedModel, for TensorFlow Serving.

TF Serving serves tensors, not a demo: it suits a fleet that already runs it, or clients that batch
their own latents. Each bundle becomes <dir>/<name>/<version>/ (TF Serving's versioned layout) with
three signatures:

    encode            images (N, H, W, C) float32, as the model reads them (digits: 0/1 pixels;
                      faces: 8-bit bin centres on [-1, 1]) → mean, std (N, d) of q at the latent layer
    decode            latent (N, d) float32 → image (N, H, W, C) float32 intensities in [0, 1]
    serving_default   decode

They run the same IWAE.encode / IWAE.decode as the FastAPI service (app/compiled.py); what the service
adds around them (upload preparation, attribute vectors, PNGs, log-likelihoods, batching and limits)
stays in the service.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from model.iwae import IWAE


class _Signatures(tf.Module):
    """The model's variables and its two serving functions, tracked for tf.saved_model.save."""

    def __init__(self, model: IWAE):
        super().__init__(name=model.name)
        self.model = model
        config = model.config
        images = tf.TensorSpec([None, *config.image_shape], tf.float32, name="images")
        latent = tf.TensorSpec([None, config.latent_size], tf.float32, name="latent")
        self.encode = tf.function(self._encode, input_signature=[images])
        self.decode = tf.function(self._decode, input_signature=[latent])

    def _encode(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        mean, std = self.model.encode(images)
        return {"mean": mean, "std": std}

    def _decode(self, latent: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"image": self.model.decode(latent)}


def export_saved_model(model: IWAE, directory: str | Path, name: str, version: int = 1) -> Path:
    """Writes <directory>/<name>/<version>/ and returns that path."""
    path = Path(directory) / name / str(version)
    module = _Signatures(model)
    signatures = {"encode": module.encode, "decode": module.decode, "serving_default": module.decode}
    tf.saved_model.save(module, str(path), signatures=signatures)
    return path
