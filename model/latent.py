"""Latent arithmetic as small pure functions on numpy arrays: paths, edits and sweeps."""

from __future__ import annotations

import numpy as np


def lerp(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """Straight line from start to end (d,) in `steps` points → (steps, d), both ends included."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return ((1 - t) * start + t * end).astype(np.float32)


def slerp(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """Spherical path (White 2016): stays at the radius where a Gaussian prior has its mass, which a
    straight line through the origin region leaves. Falls back to lerp for (anti)parallel ends."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    norms = np.linalg.norm(start) * np.linalg.norm(end)
    if norms == 0:
        return lerp(start, end, steps)
    cos = np.clip(np.dot(start, end) / norms, -1.0, 1.0)
    omega = np.arccos(cos)
    if np.sin(omega) < 1e-6:
        return lerp(start, end, steps)
    path = (np.sin((1 - t) * omega) * start + np.sin(t * omega) * end) / np.sin(omega)
    path[0], path[-1] = start, end  # exact ends despite rounding
    return path.astype(np.float32)


def apply_edits(latent: np.ndarray, vectors: list[np.ndarray], scales: list[float]) -> np.ndarray:
    """latent + Σ scale·vector, (d,) → (d,)."""
    edited = np.asarray(latent, np.float64).copy()
    for vector, scale in zip(vectors, scales, strict=True):
        edited += scale * np.asarray(vector, np.float64)
    return edited.astype(np.float32)


def sweep(
    latent: np.ndarray, vector: np.ndarray, start: float, stop: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """One attribute's scale moving from start to stop: (scales (steps,), latents (steps, d))."""
    scales = np.linspace(start, stop, steps).astype(np.float32)
    return scales, (latent[None, :] + scales[:, None] * vector[None, :]).astype(np.float32)
