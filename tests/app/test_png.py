"""Intensities → PNG data URLs, losslessly; strips side by side; the files are what the PNG standard says."""

import io
import struct
import zlib

import numpy as np
import pytest
from app_fixtures import decode_data_url
from PIL import Image

from app.png import images_and_strip, png_bytes, png_data_url, png_data_urls, strip


def test_png_data_urls_round_trip_and_strips_join_side_by_side():
    rng = np.random.default_rng(0)
    batch = rng.random((3, 5, 4, 1)).astype(np.float32)
    decoded = decode_data_url(png_data_url(batch[0]))
    np.testing.assert_array_equal(decoded, np.round(batch[0, ..., 0] * 255).astype(np.uint8))
    assert strip(batch).shape == (5, 12, 1)
    colour = rng.random((2, 6, 6, 3))
    decoded = decode_data_url(png_data_urls(colour)[1])
    np.testing.assert_array_equal(decoded, np.round(colour[1] * 255).astype(np.uint8))


def test_one_image_is_its_own_strip_and_more_are_joined():
    batch = np.random.default_rng(1).random((3, 5, 4, 1)).astype(np.float32)
    urls, joined = images_and_strip(batch)
    assert urls == png_data_urls(batch) and decode_data_url(joined).shape == (5, 12)
    np.testing.assert_array_equal(decode_data_url(joined)[:, 4:8], decode_data_url(urls[1]))
    (one,), same = images_and_strip(batch[:1])
    assert same == one


def test_out_of_range_and_missing_values_become_the_nearest_pixel():
    image = np.array([[[-0.5], [1.7]], [[np.nan], [0.5]]], np.float32)
    np.testing.assert_array_equal(decode_data_url(png_data_url(image)), [[0, 255], [0, 128]])


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, each CRC checked."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        out.append((kind, data))
        at += 12 + length
    return out


@pytest.mark.parametrize("shape", [(7, 5), (4, 9, 3)])
def test_the_file_follows_the_png_standard_and_pillow_reads_back_every_byte(shape):
    # every value, and rows that jump from 255 to 0 and back: the Up filter's differences wrap around
    pixels = (np.arange(np.prod(shape)) * 97 % 256).astype(np.uint8).reshape(shape)
    pixels[1::2] = 255 - pixels[1::2]
    png = png_bytes(pixels)
    (ihdr, header), (idat, _), (iend, end) = chunks(png)
    assert (ihdr, idat, iend, end) == (b"IHDR", b"IDAT", b"IEND", b"")
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", header)
    assert (height, width, depth, colour) == (shape[0], shape[1], 8, 0 if len(shape) == 2 else 2)
    image = Image.open(io.BytesIO(png))
    assert image.mode == ("L" if len(shape) == 2 else "RGB")
    np.testing.assert_array_equal(np.asarray(image), pixels)


def test_only_8_bit_grey_or_colour_pixels_are_written():
    with pytest.raises(ValueError, match="uint8"):
        png_bytes(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match=r"\(2, 2, 4\)"):
        png_bytes(np.zeros((2, 2, 4), np.uint8))
    with pytest.raises(ValueError, match=r"\(0, 5\)"):  # the standard forbids an empty image
        png_bytes(np.zeros((0, 5), np.uint8))
