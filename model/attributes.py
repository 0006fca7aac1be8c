"""Latent attribute vectors: directions in the prior's space that add a property to an image.

The plain vector is the mean encoding of the examples with the property minus that of those without
("add zero" = mean of the 0s minus mean of the other digits). The bias-corrected variant (White,
"Sampling Generative Networks", 2016) balances the other labels: a least-squares fit of the encodings
on all labels at once, so an attribute's coefficient is its effect with the others held fixed and
"Smiling" does not drag "Male" along just because the smiling faces are more often women's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AttributeVector:
    name: str
    vector: np.ndarray  # (d,) in the top latent space
    method: str  # "mean_difference", "balanced" or "custom"
    n_positive: int
    n_negative: int

    def describe(self) -> dict:
        return {"method": self.method, "n_positive": self.n_positive, "n_negative": self.n_negative}

    @classmethod
    def from_description(cls, name: str, vector: np.ndarray, meta: dict) -> AttributeVector:
        return cls(name, vector, meta["method"], int(meta["n_positive"]), int(meta["n_negative"]))


def mean_difference(
    latents: np.ndarray, positive: np.ndarray, name: str, method: str = "mean_difference"
) -> AttributeVector:
    """mean(latents[positive]) − mean(latents[~positive]); latents (N, d), positive (N,) bool."""
    positive = np.asarray(positive, bool)
    if positive.all() or not positive.any():
        raise ValueError(f"attribute {name!r} needs examples both with and without it")
    vector = latents[positive].mean(axis=0) - latents[~positive].mean(axis=0)
    return AttributeVector(name, vector.astype(np.float32), method, int(positive.sum()), int((~positive).sum()))


def class_vectors(latents: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...]) -> dict[str, AttributeVector]:
    """One vector per class of integer labels (N,): class c versus all the others."""
    return {name: mean_difference(latents, labels == c, name) for c, name in enumerate(class_names)}


def binary_attribute_vectors(
    latents: np.ndarray, attrs: np.ndarray, names: tuple[str, ...]
) -> dict[str, AttributeVector]:
    """One mean-difference vector per column of ±1 (or 0/1) labels attrs (N, A)."""
    return {name: mean_difference(latents, attrs[:, a] > 0, name) for a, name in enumerate(names)}


def balanced_attribute_vectors(
    latents: np.ndarray, attrs: np.ndarray, names: tuple[str, ...]
) -> dict[str, AttributeVector]:
    """Bias-corrected vectors: fit latents ≈ b + Σ_a β_a·s_a with s_a = ±1/2 and return β_a, the
    difference between with and without attribute a at fixed values of every other attribute."""
    signs = np.where(attrs > 0, 0.5, -0.5)  # ±1/2 so β_a is a with-minus-without difference
    design = np.concatenate([np.ones((len(signs), 1)), signs], axis=1)  # (N, 1 + A)
    coefficients, *_ = np.linalg.lstsq(design, latents, rcond=None)  # (1 + A, d)
    return {
        name: AttributeVector(
            name,
            coefficients[1 + a].astype(np.float32),
            "balanced",
            int((attrs[:, a] > 0).sum()),
            int((attrs[:, a] <= 0).sum()),
        )
        for a, name in enumerate(names)
    }


def encode_all(model, intensities: np.ndarray, batch: int = 1000) -> np.ndarray:
    """Posterior means (N, d) at the model's latent layer of images (N, H, W, C) in [0, 1], fed as the
    service feeds an upload (serving_inputs: digits thresholded at one half), so that vectors are
    fitted, and edits measured, on the latents users get."""
    import tensorflow as tf

    x = model.likelihood.serving_inputs(intensities)
    return np.concatenate([model.encode(tf.constant(x[i : i + batch]))[0].numpy() for i in range(0, len(x), batch)])


def attributes_for_latents(
    latents: np.ndarray, labels: np.ndarray, names: tuple[str, ...]
) -> dict[str, AttributeVector]:
    """Attribute vectors from encodings (N, d): integer class labels (N,) give one vector per class;
    ±1 label rows (N, A) give a mean-difference vector per attribute plus its balanced variant,
    named "<attribute> (balanced)"."""
    if labels.ndim == 1:
        return class_vectors(latents, labels, names)
    vectors = binary_attribute_vectors(latents, labels, names)
    for name, vector in balanced_attribute_vectors(latents, labels, names).items():
        vectors[f"{name} (balanced)"] = AttributeVector(
            f"{name} (balanced)", vector.vector, vector.method, vector.n_positive, vector.n_negative
        )
    return vectors
