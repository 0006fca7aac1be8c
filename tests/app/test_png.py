"""Intensities → PNG data URLs, losslessly; strips side by side."""

import numpy as np
from app_fixtures import decode_data_url

from app.png import images_and_strip, png_data_url, png_data_urls, strip


def test_png_data_urls_round_trip_and_strips_join_side_by_side():
    rng = np.random.default_rng(0)
    batch = rng.random((3, 5, 4, 1)).astype(np.float32)
    decoded = decode_data_url(png_data_url(batch[0]))
    np.testing.assert_array_equal(decoded, np.round(batch[0, ..., 0] * 255).astype(np.uint8))
    assert strip(batch).shape == (5, 12, 1)
    colour = decode_data_url(png_data_urls(rng.random((2, 6, 6, 3)))[1])
    assert colour.shape == (6, 6, 3)


def test_one_image_is_its_own_strip_and_more_are_joined():
    batch = np.random.default_rng(1).random((3, 5, 4, 1)).astype(np.float32)
    urls, joined = images_and_strip(batch)
    assert urls == png_data_urls(batch) and decode_data_url(joined).shape == (5, 12)
    (one,), same = images_and_strip(batch[:1])
    assert same == one
