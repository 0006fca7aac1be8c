"""Face fidelity: how sharp the faces model's reconstructions are, and how face-like its prior samples
are at each temperature (from which the page's default temperature is chosen).

    python bench/face_fidelity.py --bundle model/bundles/faces [--n 1000] [--save] [--out docs/fidelity]

Reconstructions: the held-out test faces (the last 1,000 of celeba_64_10k.npz) encoded to the posterior
mean and decoded, as /encode does; PSNR = 10·log10(1 / MSE) per face against the model's input
(intensities in [0, 1]), averaged over faces. Beside it, the same faces blurred by Gaussians of
σ = 1 and 2 px: how much detail a given PSNR keeps.

Samples: n draws at each temperature T from the prior (the top layer from N(0, T² I)) and, when the
bundle has one, from the Gaussian fitted to the training encodings (mean + T × its spread:
model/latent_gaussian.py; what /sample then uses), decoded and judged two ways:
- the fraction in which OpenCV's frontal-face Haar cascade (the service's upload cropper) finds a face,
  upscaled to 128 px: the layout of a face (eyes, nose, mouth where a face has them). It finds one in
  about 95 % of real test faces and in no noise image;
- the Fréchet distance to the real test faces in the features of bench/attribute_fidelity.py's face
  classifier (its last convolution, averaged over positions; trained on real faces only), as FID
  computes it with a CelebA-trained network: lower is closer to the spread of real faces. Cooling the
  prior makes samples more face-like and less varied, so this distance is usually smallest at T = 1.
The default temperature is the highest at which the cascade finds a face in at least half the samples
(the most variety that still mostly looks like faces; the lowest measured when none does). --save
writes it, with the PSNR, to
the bundle's report.json (`sample_temperature`, `reconstruction_psnr_db`): /models reports it and the
page starts its temperature slider there. Run it after `iwae evaluate --save`, which rewrites the report.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attribute_fidelity import (  # noqa: E402  (a sibling script, not a package)
    REPO,
    decode_all,
    load_or_train_classifier,
    markdown_table,
    picture_strip,
    strip_png,
)

DEFAULT_TEMPERATURES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
BLUR_SIGMAS = (1.0, 2.0)
DETECTOR_SIZE = 128  # the cascade's smallest window is 24 px: 64-px faces are too small for it to be sure
GRID = 8  # samples per temperature in the picture
FACE_FLOOR = 0.5  # the default temperature's least fraction of samples in which the cascade finds a face


def psnr(images: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Per-image PSNR in dB of (N, H, W, C) intensities in [0, 1]."""
    mse = np.mean((images.astype(np.float64) - references) ** 2, axis=(1, 2, 3))
    return 10 * np.log10(1.0 / np.maximum(mse, 1e-12))


def blurred(images: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return np.stack([cv2.GaussianBlur(image, (0, 0), sigma) for image in images.astype(np.float32)])


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, D): as FID computes it."""
    from scipy.linalg import sqrtm

    mean_a, mean_b = a.mean(0), b.mean(0)
    # A tiny ridge keeps the product invertible when a set is degenerate (an untrained model's samples).
    ridge = 1e-6 * np.eye(a.shape[1])
    cov_a, cov_b = np.cov(a, rowvar=False) + ridge, np.cov(b, rowvar=False) + ridge
    root = sqrtm(cov_a @ cov_b)
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * np.real(root)))


def face_found(images: np.ndarray) -> np.ndarray:
    """Whether the service's Haar cascade finds a frontal face in each (N, 64, 64, 3) image."""
    import cv2

    from app.prepare import luminance

    detector = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    found = []
    for image in images:
        grey = cv2.resize(np.round(luminance(image) * 255).astype(np.uint8), (DETECTOR_SIZE, DETECTOR_SIZE))
        faces = detector.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=3, minSize=(DETECTOR_SIZE // 3,) * 2)
        found.append(len(faces) > 0)
    return np.array(found)


def feature_extractor(classifier):
    """The classifier's last convolutional block, averaged over its 4×4 positions: (N, 64, 64, 3) → (N, 128)."""
    import keras

    last_block = [layer for layer in classifier.layers if isinstance(layer, keras.layers.ReLU)][-1]
    block = keras.Model(classifier.inputs, last_block.output)
    return lambda x: block.predict(x, batch_size=500, verbose=0).mean(axis=(1, 2))


def prior_latents(model, n: int, temperature: float, seed: int) -> np.ndarray:
    """n prior draws at `temperature` at the latent layer, as /sample draws them for a model without a
    fitted Gaussian (ServedModel.sample)."""
    import tensorflow as tf

    return model.from_prior(tf.constant(model.draw_prior(n, temperature, seed))).numpy()


def samplers(bundle) -> dict[str, Callable[[int, float, int], np.ndarray]]:
    """What to sample latents from, by name; the last is what the service's /sample uses."""
    found = {"the prior N(0, I)": lambda n, t, seed: prior_latents(bundle.model, n, t, seed)}
    if bundle.latent_gaussian is not None:
        found["the Gaussian of the training encodings"] = bundle.latent_gaussian.draw
    return found


def reconstruction_rows(model, test_images: np.ndarray) -> tuple[np.ndarray, float, list[list[str]]]:
    """The test faces' reconstructions, their mean PSNR, and the table rows with the blur yardsticks."""
    from model.attributes import encode_all

    began = time.time()
    reconstructions = decode_all(model, encode_all(model, test_images))
    mean_psnr = float(psnr(reconstructions, test_images).mean())
    rows = [["reconstructions (decoded posterior mean)", f"**{mean_psnr:.2f}**"]]
    rows += [
        [f"the input blurred, σ = {s:g} px", f"{psnr(blurred(test_images, s), test_images).mean():.2f}"]
        for s in BLUR_SIGMAS
    ]
    print(f"reconstruction PSNR {mean_psnr:.2f} dB ({time.time() - began:.0f} s)", flush=True)
    return reconstructions, mean_psnr, rows


def sample_rows(bundle, real_features, features, temperatures, n: int, seed: int):
    """Each sampler at each temperature: (the served sampler's name, its chosen temperature, table rows
    "faces found / distance" per sampler, the served sampler's first GRID samples per temperature)."""
    sources = samplers(bundle)
    served = list(sources)[-1]
    cells: dict[float, list[str]] = {t: [] for t in temperatures}
    found, grids = {}, []
    for name, draw in sources.items():
        for t in temperatures:
            samples = decode_all(bundle.model, draw(n, t, seed))
            distance, found[name, t] = frechet_distance(features(samples), real_features), face_found(samples).mean()
            cells[t].append(f"{found[name, t]:.1%} / {distance:.2f}")
            if name == served:
                grids.append(samples[:GRID])
            print(f"{name}, T = {t:g}: Haar {found[name, t]:.1%}, Fréchet {distance:.2f}", flush=True)
    chosen = max((t for t in temperatures if found[served, t] >= FACE_FLOOR), default=min(temperatures))
    return served, chosen, [[f"{t:g}", *cells[t]] for t in temperatures], list(sources), grids


def run(bundle, test_images: np.ndarray, features, temperatures: list[float], n: int, seed: int, out: Path | None):
    """Measures reconstructions and samples; returns (markdown report, chosen temperature, mean PSNR)."""
    model = bundle.model
    reconstructions, mean_psnr, rows = reconstruction_rows(model, test_images)
    real_features = features(test_images)
    served, chosen, table, sources, grids = sample_rows(bundle, real_features, features, temperatures, n, seed)
    references = [
        ("real test faces", f"{face_found(test_images).mean():.1%} / 0"),
        (
            "reconstructions",
            f"{face_found(reconstructions).mean():.1%} / "
            f"{frechet_distance(features(reconstructions), real_features):.2f}",
        ),
    ]
    table += [[label, *([value] * len(sources))] for label, value in references]

    lines = [
        f"# Face fidelity: `{bundle.name}`",
        "",
        f"Bundle `{bundle.path}` (latent {model.config.latent_size}, test NLL "
        f"{bundle.report.get('bits_per_dim', float('nan')):.2f} bits/dim at k = {bundle.report.get('k', '?')}), "
        f"{len(test_images):,} held-out test faces. Command: `python bench/face_fidelity.py --bundle {bundle.path}`",
        "",
        "Reconstruction PSNR against the model's input (mean over faces):",
        "",
        markdown_table(["images", "PSNR (dB)"], rows),
        "",
        f"Samples ({n:,} per temperature, seed {seed}), each cell: how often OpenCV's Haar cascade finds a face / "
        "the Fréchet distance to the real test faces in the face classifier's features (lower is closer). "
        f"/sample draws from {served}; its default temperature (the highest at which the cascade finds a "
        f"face in at least {FACE_FLOOR:.0%}): **{chosen:g}**.",
        "",
        markdown_table(["temperature", *(f"from {name}" for name in sources)], table),
        "",
    ]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        file = f"{bundle.name}-samples.png"
        (out / file).write_bytes(strip_png(picture_strip(np.stack(grids))))
        lines += [
            f"Samples from {served}. Rows: temperatures {', '.join(f'{t:g}' for t in temperatures)}; "
            f"{GRID} draws each, the same draws scaled.",
            "",
            f"![samples]({file})",
            "",
        ]
        (out / f"{bundle.name}-fidelity.md").write_text("\n".join(lines))
    return "\n".join(lines), chosen, mean_psnr


def save_measurements(bundle, temperature: float, mean_psnr: float) -> None:
    """The chosen temperature and the PSNR, added to the bundle's report (its manifest updated)."""
    from model.bundle import save_report

    save_report(bundle.path, {**bundle.report, "sample_temperature": temperature, "reconstruction_psnr_db": mean_psnr})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", default=str(REPO / "model" / "bundles" / "faces"), help="a faces bundle")
    parser.add_argument("--n", type=int, default=1000, help="prior samples per temperature")
    parser.add_argument("--temperatures", type=float, nargs="+", default=list(DEFAULT_TEMPERATURES))
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "fidelity")
    parser.add_argument("--cache", type=Path, default=REPO / "runs" / "classifiers", help="classifier weights")
    parser.add_argument("--save", action="store_true", help="write the chosen temperature and PSNR to the bundle")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from model.bundle import load_bundle
    from model.data import load_dataset

    bundle = load_bundle(args.bundle)
    if bundle.config.train.dataset != "celeba":
        parser.error(f"{args.bundle} is a {bundle.config.train.dataset} model; this benchmark is for faces")
    test = load_dataset("celeba", "test")
    features = feature_extractor(load_or_train_classifier("celeba", args.cache, args.seed))
    text, chosen, mean_psnr = run(bundle, test.images, features, args.temperatures, args.n, args.seed, args.out)
    print(text)
    if args.save:
        save_measurements(bundle, chosen, mean_psnr)
        print(f"saved sample_temperature = {chosen:g} to {bundle.path / 'report.json'}")


if __name__ == "__main__":
    main()
