"""Model bundles: a self-describing directory holding everything needed to use a trained model.

config.json              architecture, image shape, likelihood, training data and schedule
weights.safetensors      every variable by its Keras path (no pickle)
report.json              the `iwae evaluate` report (optional until evaluated)
attributes.safetensors   latent attribute vectors (optional), described in attributes.json
decoder.onnx             the decoder as ONNX, for decoding in the browser (optional; model/browser_decoder.py)
latent_gaussian.safetensors  a Gaussian fitted to the training encodings, to sample from (optional;
                         model/latent_gaussian.py)
README.md                the model card (optional)
MANIFEST.sha256          sha256 of every file above; loading refuses a bundle that disagrees
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from model.attributes import AttributeVector
from model.browser_decoder import DECODER_FILE, export_decoder
from model.config import Config, config_from_dict
from model.iwae import IWAE, build
from model.latent_gaussian import LatentGaussian

log = logging.getLogger(__name__)

MANIFEST = "MANIFEST.sha256"
WEIGHTS = "weights.safetensors"
LATENT_GAUSSIAN = "latent_gaussian.safetensors"
VERSION_DIGITS = 12
FORMAT_VERSION = 1


class BundleError(ValueError):
    """A bundle is missing, incomplete, corrupted or does not match its model."""


@dataclass
class Bundle:
    name: str
    path: Path
    config: Config
    model: IWAE
    report: dict = field(default_factory=dict)
    attributes: dict[str, AttributeVector] = field(default_factory=dict)
    decoder: Path | None = None  # decoder.onnx, when the bundle has one
    latent_gaussian: LatentGaussian | None = None  # what to sample from instead of the prior, when fitted
    # The weights' fingerprint, the first VERSION_DIGITS hex digits of their sha256: a latent means
    # something only to the weights that made it, so whatever keeps one can say which they were.
    version: str = ""
    digests: dict[str, str] = field(default_factory=dict)  # file name → sha256, as its manifest lists them


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_manifest(directory: Path) -> None:
    files = sorted(p.name for p in directory.iterdir() if p.is_file() and p.name != MANIFEST)
    lines = [f"{_sha256(directory / name)}  {name}\n" for name in files]
    (directory / MANIFEST).write_text("".join(lines))


def verify_manifest(directory: Path) -> dict[str, str]:
    """Checks every file the manifest lists against its sha256 and returns them (name → sha256); raises
    BundleError naming the first file that is missing or altered, and any file the manifest does not know."""
    manifest = directory / MANIFEST
    if not manifest.exists():
        raise BundleError(f"{directory} is not a model bundle: {MANIFEST} is missing")
    listed = {}
    for line in manifest.read_text().splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    for name, digest in listed.items():
        path = directory / name
        if not path.is_file():
            raise BundleError(f"bundle {directory.name}: {name} is listed in {MANIFEST} but missing")
        if _sha256(path) != digest:
            raise BundleError(
                f"bundle {directory.name}: {name} does not match its sha256 in {MANIFEST} (corrupted or edited)"
            )
    extra = sorted(p.name for p in directory.iterdir() if p.is_file() and p.name not in listed and p.name != MANIFEST)
    if extra:
        raise BundleError(f"bundle {directory.name}: files not in {MANIFEST}: {', '.join(extra)}")
    return listed


def model_weights(model: IWAE) -> dict[str, np.ndarray]:
    weights = {v.path: np.asarray(v.numpy()) for v in model.variables}
    if len(weights) != len(model.variables):
        raise BundleError("two model variables share a path; weights cannot be saved by name")
    return weights


def _save_tensors(tensors: dict[str, np.ndarray], path: Path) -> None:
    """safetensors writes owner-only (0600) files; a bundle is read by whoever serves it (a container's
    own user, a colleague's checkout), so its tensors get the mode its other files have."""
    save_file(tensors, str(path))
    path.chmod(0o644)


def save_bundle(model: IWAE, config: Config, directory: str | Path, card: str | None = None) -> Path:
    """Writes config, weights and the manifest. A report, attribute vectors, the encodings' Gaussian or an
    ONNX decoder already in the directory described the previous weights, so they are removed: run
    `iwae evaluate --save`, `iwae attributes [--sample-from-encodings]` and `iwae decoder` again. The
    model card (README.md) is replaced by `card` when given and otherwise kept, with a warning: it
    carries the data's terms, which must not vanish, but its figures may now be stale."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in ("report.json", "attributes.safetensors", "attributes.json", DECODER_FILE, LATENT_GAUSSIAN):
        (directory / stale).unlink(missing_ok=True)
    description = {"format_version": FORMAT_VERSION, "name": directory.name, **config.to_dict()}
    (directory / "config.json").write_text(json.dumps(description, indent=2) + "\n")
    _save_tensors(model_weights(model), directory / WEIGHTS)
    if card is not None:
        (directory / "README.md").write_text(card)
    elif (directory / "README.md").exists():
        log.warning("kept the model card %s: check that it still describes these weights", directory / "README.md")
    write_manifest(directory)
    return directory


def save_report(directory: str | Path, report: dict) -> None:
    directory = Path(directory)
    verify_manifest(directory)
    (directory / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    write_manifest(directory)


def save_attributes(directory: str | Path, attributes: dict[str, AttributeVector]) -> None:
    directory = Path(directory)
    verify_manifest(directory)
    _save_tensors(
        {name: a.vector.astype(np.float32) for name, a in attributes.items()}, directory / "attributes.safetensors"
    )
    meta = {name: a.describe() for name, a in attributes.items()}
    (directory / "attributes.json").write_text(json.dumps(meta, indent=2) + "\n")
    write_manifest(directory)


def save_latent_gaussian(directory: str | Path, gaussian: LatentGaussian) -> None:
    directory = Path(directory)
    verify_manifest(directory)
    _save_tensors({"mean": gaussian.mean, "scale_tril": gaussian.scale_tril}, directory / LATENT_GAUSSIAN)
    write_manifest(directory)


def save_decoder(directory: str | Path, model: IWAE) -> Path:
    """Exports the bundle's model's decoder to <directory>/decoder.onnx, in the manifest."""
    directory = Path(directory)
    verify_manifest(directory)
    path = export_decoder(model, directory / DECODER_FILE)
    write_manifest(directory)
    return path


def assign_weights(model: IWAE, stored: dict[str, np.ndarray], name: str) -> None:
    """Every variable of the model from the stored tensors, which must match them in names and shapes."""
    expected = {v.path: v for v in model.variables}
    if set(stored) != set(expected):
        missing, unknown = sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected))
        raise BundleError(
            f"bundle {name}: weights do not match the config (missing {missing[:3]}, unknown {unknown[:3]})"
        )
    for path, variable in expected.items():
        if tuple(stored[path].shape) != tuple(variable.shape):
            raise BundleError(f"bundle {name}: {path} has shape {stored[path].shape}, expected {variable.shape}")
        variable.assign(stored[path])


def _load_attributes(directory: Path) -> dict[str, AttributeVector]:
    if not (directory / "attributes.safetensors").exists():
        return {}
    vectors = load_file(str(directory / "attributes.safetensors"))
    meta = json.loads((directory / "attributes.json").read_text())
    return {name: AttributeVector.from_description(name, vectors[name], meta[name]) for name in meta}


def _load_latent_gaussian(directory: Path) -> LatentGaussian | None:
    if not (directory / LATENT_GAUSSIAN).exists():
        return None
    tensors = load_file(str(directory / LATENT_GAUSSIAN))
    return LatentGaussian(tensors["mean"], tensors["scale_tril"])


def verified_weights(directory: str | Path) -> tuple[Config, dict[str, np.ndarray], dict[str, str]]:
    """A bundle's config, its stored weights and the sha256 of every file, once its manifest and format
    check out (BundleError otherwise)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BundleError(f"no bundle at {directory}")
    digests = verify_manifest(directory)
    description = json.loads((directory / "config.json").read_text())
    if description.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"bundle {directory.name}: unsupported format_version {description.get('format_version')}")
    config = config_from_dict({"model": description["model"], "train": description["train"]})
    return config, load_file(str(directory / WEIGHTS)), digests


def load_bundle(directory: str | Path) -> Bundle:
    """Loads and verifies a bundle; needs nothing outside the directory."""
    directory = Path(directory)
    config, weights, digests = verified_weights(directory)
    model = build(IWAE(config.model))
    assign_weights(model, weights, directory.name)
    report_path = directory / "report.json"
    decoder = directory / DECODER_FILE
    return Bundle(
        name=directory.name,
        path=directory,
        config=config,
        model=model,
        report=json.loads(report_path.read_text()) if report_path.exists() else {},
        attributes=_load_attributes(directory),
        decoder=decoder if decoder.exists() else None,
        latent_gaussian=_load_latent_gaussian(directory),
        version=digests[WEIGHTS][:VERSION_DIGITS],
        digests=digests,
    )
