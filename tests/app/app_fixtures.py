"""Service test helpers: tiny untrained bundles (fast to build, the real ones' shapes and kinds) and images."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import struct
import urllib.request
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from model.attributes import AttributeVector, Judged
from model.bundle import save_attributes, save_bundle, save_decoder, save_latent_gaussian, save_report
from model.config import Config, ModelConfig, TrainConfig
from model.iwae import IWAE, build
from model.latent_gaussian import LatentGaussian

DIGITS_LATENT = 4  # h1, the digits' latent layer, as in the shipped bundle
DIGITS_TOP = 3
FACES_LATENT = 3
# The tiny faces' training encodings, as if fitted: far from the prior, nearly still.
FACES_ENCODINGS = LatentGaussian(np.full(FACES_LATENT, 8.0, np.float32), 0.01 * np.eye(FACES_LATENT, dtype=np.float32))


def _attributes(names: list[str], size: int) -> dict[str, AttributeVector]:
    rng = np.random.default_rng(len(names))
    return {
        name: AttributeVector(name, rng.standard_normal(size).astype(np.float32), "mean_difference", 10 + i, 90 - i)
        for i, name in enumerate(names)
    }


# What bench/attribute_fidelity.py --save would have kept for the tiny faces' vectors: one that does its job
# at ×2, one that turns at most 40 % of the faces before the others move too far.
FACES_JUDGED = {
    "Smiling": Judged(2.0, 0.94, 0.048, "mean |ΔP| of the other attributes", 0.9, 0.05, 200, "meets_goal"),
    "Eyeglasses": Judged(1.5, 0.4, 0.05, "mean |ΔP| of the other attributes", 0.9, 0.05, 200, "stopped_by_drift"),
}


def _judged(vectors: dict[str, AttributeVector]) -> dict[str, AttributeVector]:
    return {name: dataclasses.replace(v, judged=FACES_JUDGED.get(name)) for name, v in vectors.items()}


def make_bundles(root: Path) -> Path:
    """root/digits (28×28×1 Bernoulli, two stochastic layers, its latent h1, 3 attributes, an ONNX
    decoder) and root/faces (64×64×3 logistic, 2 attributes, no decoder)."""
    import keras

    keras.utils.set_random_seed(0)
    digits = Config(
        ModelConfig(
            image_shape=(28, 28, 1),
            latent_sizes=(DIGITS_LATENT, DIGITS_TOP),
            hidden_sizes=((16,), (8,)),
            latent_layer=0,
        ),
        TrainConfig(dataset="mnist"),
    )
    digits_model = build(IWAE(digits.model))
    directory = save_bundle(digits_model, digits, root / "digits")
    save_report(
        directory,
        {"test_nll": 543.2, "k": 50, "bounds": {"1": 560.0, "5": 550.0}, "active_units": 3, "sample_temperature": 0.7},
    )
    save_attributes(directory, _attributes(["0", "1", "7"], DIGITS_LATENT))
    save_decoder(directory, digits_model)  # the page decodes digits itself; faces on the server

    faces = Config(
        ModelConfig(image_shape=(64, 64, 3), likelihood="logistic", latent_sizes=(FACES_LATENT,), hidden_sizes=((8,),)),
        TrainConfig(dataset="celeba"),
    )
    directory = save_bundle(build(IWAE(faces.model)), faces, root / "faces")
    save_attributes(directory, _judged(_attributes(["Smiling", "Eyeglasses"], FACES_LATENT)))
    save_latent_gaussian(directory, FACES_ENCODINGS)  # /sample draws from it, not from N(0, I)

    return root


def with_a_broken_bundle(bundles: Path, root: Path, name: str = "broken") -> Path:
    """root holding the bundles of `bundles` (linked) and root/<name>: a copy of digits whose weights
    were altered, which loading refuses."""
    import shutil

    for bundle in bundles.iterdir():
        (root / bundle.name).symlink_to(bundle, target_is_directory=True)
    broken = Path(shutil.copytree(bundles / "digits", root / name))
    weights = bytearray((broken / "weights.safetensors").read_bytes())
    weights[-1] ^= 0xFF
    (broken / "weights.safetensors").write_bytes(bytes(weights))
    return root


def encode_image(array: np.ndarray, format: str = "PNG", **options) -> bytes:
    """uint8 (H, W) or (H, W, C) → file bytes in the format."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=format, **options)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height pixels, with almost no data: a decompression bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def digit_drawing(width: int = 300, height: int = 240) -> np.ndarray:
    """A black "7" on white paper, uint8 (H, W)."""
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    corners = [(width * 0.3, height * 0.2), (width * 0.7, height * 0.2), (width * 0.45, height * 0.85)]
    draw.line(corners, fill=0, width=14)
    return np.asarray(image)


def mnist_test_digits(n: int) -> np.ndarray:
    """The first n real MNIST test digits (n, 28, 28) uint8; the test is skipped where the data is missing."""
    import pytest

    from model.data import data_dir

    path = data_dir() / "mnist.npz"
    if not path.exists():
        pytest.skip(f"{path} not found (set IWAE_DATA_DIR)")
    with np.load(path) as f:
        return f["x_test"][:n]


def paint_large(digit: np.ndarray, where: tuple[int, int] = (330, 40)) -> Image.Image:
    """An MNIST digit (28, 28) uint8 scaled 8× black-on-white onto a 600×500 white canvas at `where`
    (its top-left corner): drawn as a person draws on the page, large and off-centre."""
    big = Image.fromarray(255 - digit).resize((224, 224), Image.Resampling.BILINEAR)
    canvas = Image.new("L", (600, 500), 255)
    canvas.paste(big, where)
    return canvas


def decode_data_url(url: str) -> np.ndarray:
    """A PNG data URL → uint8 array."""
    assert url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def encode_with_bounds(url: str, png: bytes) -> int:
    """POST /encode with k = 5000 and the bound chart: a request that takes a while."""
    boundary = "drain-test-boundary"
    fields = {"model": "digits", "k": "5000", "bounds": "true"}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="d.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + png
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{url}/encode", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert "log_likelihood" in json.loads(response.read())
        return response.status
