"""Intensities → PNG data URLs: what every image of an answer becomes, encoded once, losslessly.

The PNGs are written here, not by Pillow: a PNG is a signature and three chunks (IHDR: size and
colour type; IDAT: the zlib-compressed rows, each led by its filter byte; IEND), and Pillow's writer
spent 59 µs of Python around each 28×28 digit's few µs of zlib: half the event loop's time on a
16-frame digits sweep went to PNGs. Written with numpy and zlib, a digit costs 22 µs instead of 43 and
a 64×64 face 183 µs instead of 313, from floats to data URL (python bench/png_cost.py), and a 16-frame
sweep with its strip 0.7 ms instead of 1.7. Pillow still reads them back in the tests, and decodes
every upload.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GREY, RGB = 0, 2  # IHDR colour types
# Row filters. A smooth face compresses a quarter smaller as differences from the row above (Up); a
# digit's near-binary strokes compress best as they are (None): 282 bytes of zlib data against 335,
# over 64 prior samples of each.
NONE, UP = 0, 2
# zlib level 1, not the usual 6: a 64×64 face encodes in a fraction of the time for a few % more bytes;
# digits cost the same either way (python bench/png_cost.py).
PNG_COMPRESS_LEVEL = 1


def to_uint8(intensities: np.ndarray) -> np.ndarray:
    """[0, 1] floats (…, H, W, C) → uint8 (…, H, W) for grey, (…, H, W, 3) for colour; (H, W) stays grey.
    A batch converts in one step: image by image, numpy's per-call cost was as much as the PNG's."""
    clipped = np.fmin(np.fmax(intensities, 0.0), 1.0)  # fmax/fmin drop a NaN for the bound: NaN → 0
    pixels = np.rint(clipped * 255).astype(np.uint8)
    return pixels[..., 0] if pixels.ndim >= 3 and pixels.shape[-1] == 1 else pixels


def _chunk(kind: bytes, data: bytes) -> bytes:
    """Length, type, data, and the CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(pixels: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """uint8 pixels (H, W) grey or (H, W, 3) RGB → a PNG file, 8 bits per sample; colour rows Up-filtered."""
    shaped = pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)
    if pixels.dtype != np.uint8 or not shaped or 0 in pixels.shape[:2]:
        raise ValueError(f"expected uint8 pixels (H, W) or (H, W, 3), H, W ≥ 1, got {pixels.dtype} {pixels.shape}")
    height, width = pixels.shape[:2]
    rows = pixels.reshape(height, -1)
    grey = pixels.ndim == 2
    filtered = np.empty((height, rows.shape[1] + 1), np.uint8)
    filtered[:, 0] = NONE if grey else UP
    filtered[0, 1:] = rows[0]  # unfiltered, or less the zeros above the first row
    if grey:
        filtered[1:, 1:] = rows[1:]
    else:
        np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # uint8 wraps modulo 256, as Up is defined
    header = struct.pack(">IIBBBBB", width, height, 8, GREY if grey else RGB, 0, 0, 0)
    idat = zlib.compress(filtered.tobytes(), compress_level)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _data_url(pixels: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(pixels, compress_level)).decode("ascii")


def png_data_url(intensities: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> str:
    """One image (H, W[, C]) in [0, 1] → "data:image/png;base64,…" (encoded once, losslessly)."""
    return _data_url(to_uint8(intensities), compress_level)


def strip(images: np.ndarray) -> np.ndarray:
    """Images (N, H, W[, C]) side by side → (H, N·W[, C])."""
    return np.concatenate(list(images), axis=1)


def images_and_strip(images: np.ndarray) -> tuple[list[str], str]:
    """Each image of (N, H, W, C) as a PNG data URL, and the strip of them; one image is its own strip,
    encoded once (a third of a lone /decode's time on the event loop went to PNGs)."""
    pixels = to_uint8(images)
    urls = [_data_url(image) for image in pixels]
    return urls, urls[0] if len(pixels) == 1 else _data_url(strip(pixels))


def png_data_urls(images: np.ndarray) -> list[str]:
    """Each image of (N, H, W, C) as a PNG data URL."""
    return [_data_url(image) for image in to_uint8(images)]
