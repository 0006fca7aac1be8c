"""Image preprocessing as pure functions: MNIST-style digits, CelebA-style faces, safe decoding, PNGs."""

from __future__ import annotations

import io

import numpy as np
import pytest
from app_fixtures import digit_drawing, encode_image, mnist_test_digits, paint_large, png_header_only
from PIL import Image, ImageDraw

from app import prepare
from app.exceptions import BrokenImage, ImageTooLarge, UnsupportedImage
from app.png import to_uint8
from model.data import data_dir, decode_jpegs

MAX_PIXELS = 40_000_000


# ---- digits ----


@pytest.mark.real_data
def test_a_large_off_centre_black_on_white_digit_becomes_its_mnist_original():
    digits = mnist_test_digits(30)
    differences = []
    for digit in digits:
        processed, warning = prepare.digit_intensities(paint_large(digit))
        assert warning is None and processed.shape == (28, 28)
        differences.append(np.abs(processed - digit / 255.0).mean())
    assert np.mean(differences) < 0.04, differences
    assert np.max(differences) < 0.1, differences


def test_light_and_dark_backgrounds_give_the_same_digit():
    drawing = digit_drawing()
    on_white, _ = prepare.digit_intensities(Image.fromarray(drawing))
    on_black, _ = prepare.digit_intensities(Image.fromarray(255 - drawing))
    np.testing.assert_allclose(on_white, on_black, atol=1e-5)
    assert on_white.max() > 0.9 and on_white[0].max() == 0  # ink on a black background, like MNIST


def test_the_digit_is_cropped_scaled_to_20_px_and_centred_by_mass():
    processed, _ = prepare.digit_intensities(Image.fromarray(digit_drawing(900, 700)))
    rows, cols = np.flatnonzero(processed.max(1) > 0.05), np.flatnonzero(processed.max(0) > 0.05)
    assert max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) in (19, 20, 21)
    mass = processed.sum()
    centre = (processed.sum(1) @ np.arange(28) / mass, processed.sum(0) @ np.arange(28) / mass)
    np.testing.assert_allclose(centre, (14.0, 14.0), atol=0.6)


def test_strokes_on_a_transparent_background_keep_their_ink():
    drawing = digit_drawing()
    rgba = np.zeros((*drawing.shape, 4), np.uint8)  # black ink, transparent elsewhere
    rgba[..., 3] = 255 - drawing
    expected, _ = prepare.digit_intensities(Image.fromarray(drawing))
    processed, _ = prepare.digit_intensities(Image.fromarray(rgba, "RGBA"))
    np.testing.assert_allclose(processed, expected, atol=0.02)


def test_a_thin_pen_on_a_big_canvas_is_thickened_to_mnist_strokes():
    canvas = Image.new("RGB", (800, 800), "white")
    ImageDraw.Draw(canvas).line([(330, 150), (400, 100), (400, 700)], fill="black", width=3)
    processed, _ = prepare.digit_intensities(canvas)
    assert 30 <= (processed > 0.5).sum() <= 120  # a "1" of MNIST has ~40-80 inked pixels


def test_a_photo_of_a_digit_on_grey_paper_with_noise():
    rng = np.random.default_rng(0)
    paper = 0.6 + 0.05 * rng.standard_normal((480, 640))
    drawing = digit_drawing(640, 480) / 255.0
    photo = np.clip(paper * drawing + 0.15 * (1 - drawing), 0, 1)
    processed, warning = prepare.digit_intensities(Image.fromarray((photo * 255).astype(np.uint8)))
    clean, _ = prepare.digit_intensities(Image.fromarray(digit_drawing(640, 480)))
    assert warning is None
    assert np.abs(processed - clean).mean() < 0.05


def test_a_blank_canvas_gives_an_empty_digit_and_a_warning():
    processed, warning = prepare.digit_intensities(Image.new("L", (300, 300), 255))
    assert processed.shape == (28, 28) and processed.max() == 0
    assert "no digit" in warning


# ---- faces ----


def test_the_face_square_is_centred_above_the_box_and_kept_inside_the_image():
    left, top, side = prepare.face_box(1000, 800, (400, 300, 200, 200))
    assert side == round(prepare.FACE_CROP_SCALE * 200)
    assert left + side / 2 == pytest.approx(500, abs=1)
    assert top + side / 2 == pytest.approx(400 - prepare.FACE_CROP_RAISE * 200, abs=1)
    left, top, side = prepare.face_box(300, 200, (0, 0, 180, 180))  # too big and at the corner
    assert (left, top, side) == (0, 0, 200)
    assert prepare.face_box(300, 200, None) == (50, 0, 200)  # no face: the centre square


def celeba_faces(n: int) -> np.ndarray:
    path = data_dir() / "celeba_64_10k.npz"
    if not path.exists():
        pytest.skip(f"{path} not found (set IWAE_DATA_DIR)")
    with np.load(path) as f:
        pixels = decode_jpegs(f["jpeg_bytes"], f["offsets"], range(n))
    return to_uint8(pixels)


@pytest.mark.real_data
def test_a_face_in_a_larger_photo_is_framed_like_the_celeba_crops():
    if not prepare.face_detection_available():
        pytest.skip("this OpenCV has no Haar cascade (opencv-python-headless >= 5): pin <5")
    errors = []
    for face in celeba_faces(12):
        photo = Image.new("RGB", (900, 700), (90, 110, 100))
        photo.paste(Image.fromarray(face).resize((300, 300), Image.Resampling.BICUBIC), (480, 90))
        framed, warning = prepare.face_intensities(photo, (64, 64))
        if warning is None:
            errors.append(np.abs(framed - face / 255.0).mean())
    assert len(errors) >= 9, "the Haar cascade should find most CelebA faces"
    assert np.median(errors) < 0.12, errors  # a different face differs by 0.27


def test_no_face_gives_the_centre_square_and_a_warning():
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 255, (200, 300, 3), dtype=np.uint8))
    framed, warning = prepare.face_intensities(noise, (64, 64))
    assert framed.shape == (64, 64, 3) and framed.dtype == np.float32
    assert "no face found" in warning
    centre = np.asarray(noise.crop((50, 0, 250, 200)).resize((64, 64), Image.Resampling.LANCZOS)) / 255.0
    np.testing.assert_allclose(framed, centre, atol=1e-6)


# ---- decoding ----


@pytest.mark.parametrize("format", ["PNG", "JPEG", "WEBP", "GIF", "BMP"])
def test_every_accepted_format_decodes(format):
    data = encode_image(digit_drawing(120, 90), format)
    image = prepare.open_image(data, MAX_PIXELS)
    assert image.size == (120, 90)
    processed, _ = prepare.digit_intensities(image)
    assert processed.max() > 0.9


def test_an_animated_gif_gives_its_first_frame():
    frames = [Image.new("L", (40, 30), 0), Image.new("L", (40, 30), 255)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    image = prepare.open_image(buffer.getvalue(), MAX_PIXELS)
    assert np.asarray(image.convert("L")).max() == 0


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (60, 40), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    assert prepare.open_image(buffer.getvalue(), MAX_PIXELS).size == (40, 60)


def test_sixteen_bit_greyscale_is_scaled_by_its_range():
    grey = np.full((30, 30), 65535, np.uint16)
    grey[10:20, 12:18] = 0
    image = prepare.open_image(encode_image(grey), MAX_PIXELS)
    processed, warning = prepare.digit_intensities(image)
    assert warning is None and processed.max() > 0.9


@pytest.mark.parametrize("data", [b"", b"hello, not an image", b"%PDF-1.4\n"])
def test_what_is_not_an_image_is_unsupported(data):
    with pytest.raises(UnsupportedImage):
        prepare.open_image(data, MAX_PIXELS)


def test_formats_outside_the_list_are_unsupported():
    with pytest.raises(UnsupportedImage, match="PNG, JPEG, WebP, GIF or BMP"):
        prepare.open_image(encode_image(digit_drawing(40, 40), "TIFF"), MAX_PIXELS)


def noise_image(format: str) -> bytes:
    rng = np.random.default_rng(1)
    return encode_image(rng.integers(0, 255, (120, 120, 3), dtype=np.uint8), format)


@pytest.mark.parametrize("format", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_image_is_broken(format):
    data = noise_image(format)
    with pytest.raises(BrokenImage, match="truncated or corrupted"):
        prepare.open_image(data[: len(data) // 2], MAX_PIXELS)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow warns past 89 MP; we refuse
@pytest.mark.parametrize("side", [10_000, 100_000])  # 100 megapixels (over our limit), 10 gigapixels (over Pillow's)
def test_too_many_pixels_are_refused_before_decoding(side):
    with pytest.raises(ImageTooLarge, match="pixels"):
        prepare.open_image(png_header_only(side, side), MAX_PIXELS)


def test_the_pixel_limit_is_a_parameter():
    data = encode_image(digit_drawing(200, 100))
    assert prepare.open_image(data, 20_000).size == (200, 100)
    with pytest.raises(ImageTooLarge):
        prepare.open_image(data, 19_999)


def test_an_upload_holds_its_decoded_pixels_from_the_budget_a_big_jpeg_only_its_reduced_scale():
    from app.limits import PixelBudget

    class Recording(PixelBudget):
        def __init__(self):
            super().__init__(64_000_000)
            self.asked = []

        def reserve(self, pixels):
            self.asked.append(pixels)
            return super().reserve(pixels)

    budget = Recording()
    big = Image.new("RGB", (4000, 3000), "white")
    ImageDraw.Draw(big).line([(2000, 500), (2000, 2500)], fill="black", width=200)
    # JPEG decodes at the smallest scale that keeps WORKING_SIDE: here 1/2
    for fmt, expected in (("PNG", 4000 * 3000), ("JPEG", 2000 * 1500)):
        buffer = io.BytesIO()
        big.save(buffer, fmt)
        prepare.upload_intensities(buffer.getvalue(), (28, 28, 1), "mnist", MAX_PIXELS, budget)
        assert budget.asked[-1] == expected and budget.in_use == 0
