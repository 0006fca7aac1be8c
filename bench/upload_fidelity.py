"""Upload fidelity: do digits uploaded the way people photograph them come back as the digit?

    python bench/upload_fidelity.py --bundle model/bundles/digits [--n 10000] [--seed 0] [--out docs/fidelity]

Each held-out test digit is rendered as a person would send it: dark ink on light, unevenly lit paper,
enlarged to 100–400 px, placed off-centre on a larger sheet with sensor noise, and saved as a JPEG of
quality 40–90. The bytes then take the service's whole upload path (app.prepare.upload_intensities,
then the likelihood's serving inputs), are encoded to the posterior mean at the model's latent layer
and decoded: what `/encode` returns as the reconstruction. The judge is bench/attribute_fidelity.py's
classifier, trained on real training digits only. Prints, and with --out writes
<out>/<bundle>-uploads.md:

- the classifier on the real test digits, on the uploads after preprocessing (what the model sees)
  and on the reconstructions of those uploads;
- the same on the clean test digits' reconstructions, for comparison;
- a picture strip: rendered uploads (shrunk), what the model sees, the reconstruction.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attribute_fidelity import (  # noqa: E402  (a sibling script, not a package)
    REPO,
    decode_all,
    load_or_train_classifier,
    markdown_table,
    picture_strip,
    strip_png,
)

STRIP_ROWS = 8


def render_upload(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """An MNIST digit (28, 28) in [0, 1] (white ink on black) → JPEG bytes of it written in dark ink
    on a light, unevenly lit sheet, photographed: enlarged, off-centre, noisy, compressed."""
    side = int(rng.integers(100, 401))  # the digit's 28-px frame becomes side × side
    ink = np.asarray(
        Image.fromarray((digit * 255).astype(np.uint8)).resize((side, side), Image.Resampling.BICUBIC), np.float32
    )
    ink = np.clip(ink / 255.0, 0.0, 1.0)
    height = int(side * rng.uniform(1.2, 2.2))
    width = int(side * rng.uniform(1.2, 2.2))
    top, left = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
    sheet = np.zeros((height, width), np.float32)
    sheet[top : top + side, left : left + side] = ink
    # paper: a tinted light grey with a lighting gradient across the sheet
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    direction = rng.uniform(-1, 1, 2)
    light = 1.0 + 0.12 * (direction[0] * rows / height + direction[1] * cols / width - 0.5 * direction.sum())
    paper = np.array(rng.uniform(185, 245)) * np.array([1.0, rng.uniform(0.97, 1.0), rng.uniform(0.9, 1.0)])
    ink_colour = rng.uniform(10, 80, 3)
    picture = (1 - sheet[..., None]) * paper + sheet[..., None] * ink_colour  # (H, W, 3)
    picture = picture * light[..., None] + rng.normal(0, rng.uniform(2, 7), picture.shape)
    image = Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.5:  # a slightly unfocused camera
        image = image.filter(ImageFilter.GaussianBlur(side / 150))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(rng.integers(40, 91)))
    return buffer.getvalue()


def model_inputs(bundle, upload: bytes) -> np.ndarray:
    """Upload bytes → the model's inputs (H, W, C), as the service prepares an upload (ServedModel.prepare,
    with the service's default pixel limit)."""
    from app.limits import Limits
    from app.prepare import upload_intensities

    shape, dataset = bundle.config.model.image_shape, bundle.config.train.dataset
    intensities, _ = upload_intensities(upload, shape, dataset, Limits.max_image_pixels)
    return bundle.model.likelihood.serving_inputs(intensities)


def reconstruct(model, intensities: np.ndarray) -> np.ndarray:
    """Images (N, H, W, C) in [0, 1] → the decoded posterior means of what the service would feed the
    model: the reconstruction /encode returns. Inputs already prepared pass unchanged (the digits'
    thresholding at one half leaves binary images as they are)."""
    from model.attributes import encode_all

    return decode_all(model, encode_all(model, intensities))


def run(bundle, test, classify, n: int, seed: int = 0, out: Path | None = None, command: str = "") -> str:
    """Renders n test digits as uploads and measures the classifier on each stage; the markdown report."""
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(test.labels), min(n, len(test.labels)), replace=False))
    labels = test.labels[chosen]
    model = bundle.model
    began = time.time()
    uploads = [render_upload(test.images[i, ..., 0], rng) for i in chosen]
    seen = np.stack([model_inputs(bundle, upload) for upload in uploads])
    print(f"rendered and prepared {len(uploads):,} uploads in {time.time() - began:.0f} s", flush=True)
    stages = {
        "real test digits": test.images[chosen],
        "reconstructions of the clean test digits": reconstruct(
            model, model.likelihood.serving_inputs(test.images[chosen])
        ),
        "uploads after the service's preprocessing (what the model sees)": seen,
        "reconstructions of the uploads (what /encode returns)": reconstruct(model, seen),
    }
    accuracy = {name: float((classify(images).argmax(-1) == labels).mean()) for name, images in stages.items()}
    for name, value in accuracy.items():
        print(f"{name}: {value:.1%}", flush=True)
    table = markdown_table(
        ["images", "kept their class"],
        [[f"{name} ({len(labels):,})", f"{value:.1%}"] for name, value in accuracy.items()],
    )
    lines = [
        f"# Upload fidelity: `{bundle.name}`",
        "",
        f"Bundle `{bundle.path}`, {len(labels):,} held-out test digits rendered as photographed uploads "
        "(dark ink on light, unevenly lit paper, 100–400 px, off-centre, noise, JPEG quality 40–90), "
        "then the service's preprocessing, encoding (posterior mean) and decoding. Judged by the classifier "
        "of bench/attribute_fidelity.py, trained on real training digits only.",
        *([f"Command: `{command}`"] if command else []),
        "",
        table,
        "",
    ]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        file = f"{bundle.name}-uploads.png"
        shown = np.stack(
            [
                np.asarray(Image.open(io.BytesIO(u)).convert("L").resize((28, 28)), np.float32) / 255.0
                for u in uploads[:STRIP_ROWS]
            ]
        )[..., None]
        strip = np.stack(
            [
                shown,
                stages["uploads after the service's preprocessing (what the model sees)"][:STRIP_ROWS],
                stages["reconstructions of the uploads (what /encode returns)"][:STRIP_ROWS],
            ],
            axis=1,
        )
        (out / file).write_bytes(strip_png(picture_strip(strip, upscale=3)))
        lines += [
            "Rows: uploads; columns: the upload (shrunk to 28 px), what the model sees, the reconstruction.",
            "",
            f"![uploads]({file})",
            "",
        ]
        (out / f"{bundle.name}-uploads.md").write_text("\n".join(lines))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, help="a digits bundle directory, e.g. model/bundles/digits")
    parser.add_argument("--n", type=int, default=10_000, help="held-out test digits to render")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "fidelity")
    parser.add_argument("--cache", type=Path, default=REPO / "runs" / "classifiers", help="classifier weights")
    args = parser.parse_args(argv)

    from model.bundle import load_bundle
    from model.data import load_dataset

    bundle = load_bundle(args.bundle)
    if bundle.config.train.dataset != "mnist":
        parser.error(f"{args.bundle} is a {bundle.config.train.dataset} model: upload fidelity is measured on digits")
    classifier = load_or_train_classifier("mnist", args.cache, args.seed)
    command = " ".join(["python bench/upload_fidelity.py", *(argv if argv is not None else sys.argv[1:])])
    report = run(
        bundle,
        load_dataset("mnist", "test"),
        lambda x: classifier.predict(x, batch_size=500, verbose=0),
        args.n,
        args.seed,
        args.out,
        command,
    )
    print(report)


if __name__ == "__main__":
    main()
