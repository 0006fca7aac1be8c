"""Uploaded bytes → intensities, as pure functions: read an upload within its byte limit, decode it
safely, and make it look like the training data (an MNIST digit or an aligned CelebA face).

Arrays are float32 intensities in [0, 1]: (H, W) grey or (H, W, C). Nothing here touches TensorFlow;
the likelihood turns intensities into model inputs (model/likelihoods.py), app/png.py turns them
into PNGs.
"""

from __future__ import annotations

import io
import logging
import threading
from contextlib import nullcontext
from functools import cache
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from app.exceptions import BrokenImage, ImageTooLarge, UnsupportedImage
from app.limits import PixelBudget, readable_size

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
WORKING_SIDE = 1024  # larger uploads are shrunk to this before any per-pixel work: the models see 28 or 64 px

# MNIST (LeCun et al.): the digit's bounding box scaled to 20 px on its longer side, pasted into 28×28
# with its centre of mass on pixel (14, 14) (measured on the test set: 13.99 ± 0.29, 14.00 ± 0.29).
MNIST_SIZE, MNIST_BOX, MNIST_CENTRE = 28, 20, 14.0
MNIST_STROKE = 2.5  # typical stroke width in px at that scale; thinner pen strokes are thickened to it
INK_FLOOR = 0.2  # ink below this fraction of the full contrast is paper noise, not digit
NO_DIGIT = "no digit found: the image is blank or has almost no contrast"

# CelebA 64×64 (shared/data/README.md): a 148-px centred square of the aligned 178×218 photo. On 277
# of them OpenCV's Haar detector boxes the face so that this square is 1.42 ± 0.20 box widths wide and
# its centre lies 0.15 ± 0.08 box heights above the box centre; a photo is cut the same way.
FACE_CROP_SCALE = 1.42
FACE_CROP_RAISE = 0.15


# ---- reading and decoding ----


def read_upload(file: BinaryIO, filename: str | None, max_bytes: int) -> bytes:
    """The file's bytes, or ImageTooLarge when it holds more than max_bytes."""
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageTooLarge(
            f"{filename or 'the upload'} is larger than {readable_size(max_bytes)}: send a smaller image"
        )
    return data


def _signature(data: bytes) -> str | None:
    """The accepted format whose magic bytes start data, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data.startswith(b"BM"):
        return "BMP"
    return None


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decodes PNG/JPEG/WebP/GIF (first frame)/BMP bytes with EXIF orientation applied. The header's
    width × height is checked against max_pixels before any pixel is decompressed."""
    return _decoded(_opened(data, max_pixels))


def _opened(data: bytes, max_pixels: int) -> Image.Image:
    """The image's header read and checked against max_pixels; a JPEG set to decode at a reduced scale
    (1/2, 1/4 or 1/8) when it is big, so its size is then what decoding will hold. No pixels yet."""
    if not data:
        raise UnsupportedImage("the uploaded file is empty; send a PNG, JPEG, WebP, GIF or BMP image")
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as error:  # Pillow's own guard, beyond 2× its MAX_IMAGE_PIXELS
        raise ImageTooLarge(f"the image has too many pixels (at most {max_pixels:,} accepted)") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        if _signature(data):  # an accepted format's magic bytes, but the header is cut short or damaged
            raise BrokenImage(
                f"the {_signature(data)} image is truncated or corrupted; upload the whole file"
            ) from error
        raise UnsupportedImage("the file is not a PNG, JPEG, WebP, GIF or BMP image") from error
    if image.width * image.height > max_pixels:
        raise ImageTooLarge(
            f"the image is {image.width}×{image.height} = {image.width * image.height:,} pixels; "
            f"at most {max_pixels:,} are accepted: scale it down"
        )
    if image.format == "JPEG":
        image.draft(None, (WORKING_SIDE, WORKING_SIDE))
    return image


def _decoded(image: Image.Image) -> Image.Image:
    """An opened image's pixels (the first frame for GIF and animated WebP), turned upright by its EXIF
    orientation in place: a copy would double what a large upload holds."""
    try:
        image.load()
    except Exception as error:  # Pillow's decoders raise OSError, SyntaxError, ValueError, EOFError, zlib.error…
        raise BrokenImage(
            f"the {image.format} image is truncated or corrupted ({error}); upload the whole file"
        ) from error
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:  # a damaged EXIF block: keep the pixels as stored
        log.info("ignoring unreadable EXIF orientation")
    return image


def _as_array(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """RGB intensities (H, W, 3) and the alpha channel (H, W) (None when opaque), all in [0, 1]."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit or float grey: scale by its range
        grey = np.asarray(image, np.float32)
        grey = grey / (65535.0 if grey.max() > 255 else 255.0)
        return np.repeat(np.clip(grey, 0, 1)[..., None], 3, axis=2), None
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    rgba = np.asarray(image.convert("RGBA" if has_alpha else "RGB"), np.float32) / 255.0
    if not has_alpha or rgba[..., 3].min() >= 1.0:
        return rgba[..., :3], None
    return rgba[..., :3], rgba[..., 3]


def _shrink(image: Image.Image, side: int = WORKING_SIDE) -> Image.Image:
    """The image with its longer side at most `side` px (area-averaged), else unchanged."""
    if max(image.size) <= side:
        return image
    scale = side / max(image.size)
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.BOX)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma (what PIL's "L" mode uses): (H, W, 3) → (H, W)."""
    return rgb @ np.array([0.299, 0.587, 0.114], np.float32)


# ---- digits: the way MNIST was made ----


def _composite_for_ink(rgb: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """Grey (H, W) with transparent areas filled by the colour that contrasts with the opaque strokes,
    so black-on-transparent and white-on-transparent drawings both keep their ink."""
    grey = luminance(rgb)
    if alpha is None:
        return grey
    weight = alpha.sum()
    ink_level = float((grey * alpha).sum() / weight) if weight > 0 else 0.0
    background = 1.0 if ink_level < 0.5 else 0.0
    return grey * alpha + background * (1 - alpha)


def _keep_strokes(ink: np.ndarray) -> np.ndarray:
    """Ink (H, W) in [0, 1] with paper noise and specks removed: values under INK_FLOOR dropped, and only
    the strokes near connected blobs of at least 5% of the largest one kept."""
    import cv2

    ink = np.where(ink < INK_FLOOR, 0.0, ink).astype(np.float32)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0.5).astype(np.uint8), connectivity=8)
    if count <= 1:
        return ink
    areas = stats[1:, cv2.CC_STAT_AREA]
    strokes = np.isin(labels, 1 + np.flatnonzero(areas >= 0.05 * areas.max())).astype(np.uint8)
    margin = max(3, max(ink.shape) // 100) | 1  # keep the soft edges around the kept strokes
    near = cv2.dilate(strokes, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (margin, margin)))
    return ink * near


def _stroke_width(mask: np.ndarray) -> float:
    """Mean width of thin strokes from a binary mask: 2·area / perimeter."""
    area = mask.sum()
    padded = np.pad(mask, 1)
    interior = padded[1:-1, 1:-1] & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    perimeter = (mask & ~interior).sum()
    return float(2 * area / max(perimeter, 1))


def digit_intensities(image: Image.Image) -> tuple[np.ndarray, str | None]:
    """A digit written on any canvas or photographed → (28, 28) float32 ink in [0, 1] as MNIST has it:
    greyscale, inverted when the background is light, contrast stretched, cropped to the ink, the
    longer side scaled to 20 px keeping the aspect, pasted with its centre of mass at (14, 14).
    Returns (intensities, warning or None)."""
    import cv2

    rgb, alpha = _as_array(_shrink(image))
    grey = _composite_for_ink(rgb, alpha)
    if max(grey.shape) >= 200:  # photo grain and JPEG noise are finer than any stroke at this size
        grey = cv2.GaussianBlur(grey, (0, 0), max(grey.shape) / 400)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(border))
    ink = 1.0 - grey if paper > 0.5 else grey
    paper = 1.0 - paper if paper > 0.5 else paper
    peak = float(ink.max())
    if peak - paper < 0.1:
        return np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32), NO_DIGIT
    ink = _keep_strokes(np.clip((ink - paper) / (peak - paper), 0.0, 1.0))
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # crop to the ink's bounding box
    longer = max(ink.shape)
    wanted = MNIST_STROKE * longer / MNIST_BOX  # stroke width in source pixels that becomes 2.5 px
    width = _stroke_width(ink > 0.5)
    if width < 0.6 * wanted and longer > 2 * MNIST_BOX:  # a fine pen on a big canvas: thicken it
        size = max(3, int(round(wanted - width)) | 1)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        ink = cv2.dilate(np.pad(ink, size), kernel)
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        longer = max(ink.shape)
    scale = MNIST_BOX / longer
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))  # (w, h)
    box = np.asarray(Image.fromarray(ink.astype(np.float32), mode="F").resize(size, Image.Resampling.LANCZOS))
    box = np.clip(box, 0.0, 1.0)
    mass = box.sum()
    centre_row = float((box.sum(axis=1) * np.arange(box.shape[0])).sum() / mass)
    centre_col = float((box.sum(axis=0) * np.arange(box.shape[1])).sum() / mass)
    top, left = round(MNIST_CENTRE - centre_row), round(MNIST_CENTRE - centre_col)
    return _paste(box, top, left, MNIST_SIZE), None


def _paste(patch: np.ndarray, top: int, left: int, size: int) -> np.ndarray:
    """patch placed with its corner at (top, left) on a size×size black canvas, clipped at the edges."""
    canvas = np.zeros((size, size), np.float32)
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + patch.shape[0], size), min(left + patch.shape[1], size)
    if r1 > r0 and c1 > c0:
        canvas[r0:r1, c0:c1] = patch[r0 - top : r1 - top, c0 - left : c1 - left]
    return canvas


# ---- faces: the way the CelebA crops were made ----

_detector_lock = threading.Lock()  # one CascadeClassifier, not documented as thread-safe


@cache
def _face_detector():
    """OpenCV's bundled frontal-face Haar cascade, or None when this OpenCV has none (OpenCV ≥ 5 moved it out)."""
    import cv2

    if not hasattr(cv2, "CascadeClassifier"):
        log.warning(
            "OpenCV %s has no CascadeClassifier: faces are centre-cropped (install opencv-python-headless<5)",
            cv2.__version__,
        )
        return None
    detector = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    return None if detector.empty() else detector


def face_detection_available() -> bool:
    return _face_detector() is not None


def detect_face(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """The largest frontal face in (H, W, 3) intensities as (x, y, w, h) pixels, or None."""
    detector = _face_detector()
    if detector is None:
        return None
    grey = np.round(luminance(rgb) * 255).astype(np.uint8)
    side = min(grey.shape)
    with _detector_lock:
        faces = detector.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(max(24, side // 10),) * 2)
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda box: box[2] * box[3])
    return int(x), int(y), int(w), int(h)


def face_box(width: int, height: int, face: tuple[int, int, int, int] | None) -> tuple[int, int, int]:
    """The square (left, top, side) to cut: CelebA's framing around a detected face, else the centre
    square; shrunk and shifted to lie inside the image."""
    if face is None:
        side, centre_x, centre_y = min(width, height), width / 2, height / 2
    else:
        x, y, w, h = face
        side = round(FACE_CROP_SCALE * w)
        centre_x, centre_y = x + w / 2, y + h / 2 - FACE_CROP_RAISE * h
    side = max(1, min(side, width, height))
    left = int(np.clip(round(centre_x - side / 2), 0, width - side))
    top = int(np.clip(round(centre_y - side / 2), 0, height - side))
    return left, top, side


def face_intensities(image: Image.Image, size: tuple[int, int]) -> tuple[np.ndarray, str | None]:
    """A photo → (H, W, 3) float32 in [0, 1] framed like an aligned CelebA face, size = (H, W).
    Without a detectable face: the centre square and a warning."""
    image = _shrink(image)
    rgb, alpha = _as_array(image)
    if alpha is not None:
        rgb = rgb * alpha[..., None] + (1 - alpha[..., None])  # transparent → white
    face = detect_face(rgb)
    left, top, side = face_box(rgb.shape[1], rgb.shape[0], face)
    crop = Image.fromarray(np.round(rgb[top : top + side, left : left + side] * 255).astype(np.uint8))
    out = np.asarray(crop.resize((size[1], size[0]), Image.Resampling.LANCZOS), np.float32) / 255.0
    warning = (
        None if face is not None else "no face found: used the centre of the image; a frontal, upright face works best"
    )
    return out, warning


def model_intensities(
    image: Image.Image, image_shape: tuple[int, int, int], dataset: str
) -> tuple[np.ndarray, str | None]:
    """The preprocessing a model's training data had: "mnist" digits or "celeba" faces; anything else
    is resized whole. → ((H, W, C) float32 in [0, 1], warning or None)."""
    height, width, channels = image_shape
    if dataset == "mnist" and (height, width, channels) == (MNIST_SIZE, MNIST_SIZE, 1):
        digit, warning = digit_intensities(image)
        return digit[..., None], warning
    if dataset == "celeba" and channels == 3:
        return face_intensities(image, (height, width))
    rgb, _ = _as_array(image.resize((width, height), Image.Resampling.LANCZOS))
    return (luminance(rgb)[..., None] if channels == 1 else rgb).astype(np.float32), None


def upload_intensities(
    data: bytes,
    image_shape: tuple[int, int, int],
    dataset: str,
    max_pixels: int,
    budget: PixelBudget | None = None,
) -> tuple[np.ndarray, str | None]:
    """Upload bytes → intensities (H, W, C) prepared like the model's training data, and a warning:
    the whole path an upload takes before the model's likelihood turns it into inputs. With a budget,
    its pixels are held from it while they are decoded and prepared (503 when it stays full)."""
    image = _opened(data, max_pixels)
    with budget.reserve(image.width * image.height) if budget is not None else nullcontext():
        return model_intensities(_decoded(image), image_shape, dataset)
