"""The decoder as an ONNX graph, so a browser can decode latents itself (ONNX Runtime Web).

A slider drag decodes a new image every frame; in the page that costs no round trip. The graph is
converted by tf2onnx from exactly the function the service runs for /decode (IWAE.decode: the latent
layer's means followed down to h1, then the likelihood's mean image), with a free batch axis:
latent (N, d) float32 → image (N, H, W, C) float32 intensities in [0, 1]. tf2onnx is needed only to
export (`pip install -e ".[export]"`), never to serve.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from model.iwae import IWAE

DECODER_FILE = "decoder.onnx"
OPSET = 17  # ONNX Runtime Web 1.30 runs opsets up to 21; 17 has every op the decoders use
INPUT_NAME, OUTPUT_NAME = "latent", "image"


def export_decoder(model: IWAE, path: str | Path) -> Path:
    """Writes the model's decoder to `path` as ONNX and returns the path."""
    import tf2onnx

    spec = tf.TensorSpec([None, model.config.latent_size], tf.float32, name=INPUT_NAME)

    @tf.function(input_signature=[spec])
    def decode(latent: tf.Tensor) -> dict[str, tf.Tensor]:
        return {OUTPUT_NAME: model.decode(latent)}

    path = Path(path)
    tf2onnx.convert.from_function(decode, input_signature=[spec], opset=OPSET, output_path=str(path))
    return path
