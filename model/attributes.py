"""Latent attribute vectors: directions in the model's latent space that add a property to an image.

The plain vector is the mean encoding of the examples with the property minus that of those without
("Smiling" = mean of the smiling faces minus mean of the others). The bias-corrected variant (White,
"Sampling Generative Networks", 2016) balances the other labels: a least-squares fit of the encodings
on all labels at once, so an attribute's coefficient is its effect with the others held fixed and
"Smiling" does not drag "Male" along just because the smiling faces are more often women's. The
independent variant goes one step further, to what a reader of the image sees: a logistic regression per
label reads each attribute off the latent, and the balanced vector loses its components along the other
39 read-outs' normals, so that moving along it leaves every other attribute's read-out where it was
(the conditional edit of Shen et al., "Interpreting the Latent Space of GANs for Semantic Face Editing",
2020, made against every other attribute at once).

Digit classes get steered vectors instead: a mean difference points from the average other digit to the
average target digit, which leaves the digits that start far off that line (a 0 told to become a 5, a 2
an 8) short of the target at any scale. A softmax regression of the labels on the latents says where
each class begins; the steered vector is the one that, added at a chosen scale, carries the other
classes' latents across that boundary, pulled toward the mean difference so it stays the data's own
direction and not a shortcut the regression alone would take.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax

log = logging.getLogger(__name__)


# What a judged vector's drift counts (Judged.drift_measure): for attributes, how far the classifier's
# probabilities for the others move; for classes, how many images become a third class.
ATTRIBUTE_DRIFT = "mean |ΔP| of the other attributes"
CLASS_DRIFT = "fraction turned into a third class"
DRIFT_MEASURES = (ATTRIBUTE_DRIFT, CLASS_DRIFT)

# How a vector's judged figures came out (Judged.outcome), in the order a reader would hope for them.
OUTCOMES = (
    "meets_goal",  # at `scale`, the smallest that does: enough turned, little enough drift
    "stopped_by_drift",  # the most turned within the drift allowed; a larger scale measured drifts more
    "short_at_largest_scale",  # every scale measured stays within the drift allowed, none turns enough
    "drifts_from_first_scale",  # already the smallest scale measured drifts more than allowed
)


@dataclass(frozen=True)
class Judged:
    """How a vector did when an independent classifier judged its edits (bench/attribute_fidelity.py):
    `n` held-out images without the attribute, moved by `scale` × the vector and decoded; `turned` is the
    fraction the classifier then calls positive and `drift` how far the rest moved (`drift_measure` says
    how). The goal asks for `turned_needed` with at most `drift_allowed`; `outcome` (one of OUTCOMES) says
    whether `scale` meets it or, if not, what stopped the vector."""

    scale: float
    turned: float
    drift: float
    drift_measure: str
    turned_needed: float
    drift_allowed: float
    n: int
    outcome: str

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}: one of {', '.join(OUTCOMES)}")
        if self.drift_measure not in DRIFT_MEASURES:
            raise ValueError(f"unknown drift measure {self.drift_measure!r}: one of {', '.join(DRIFT_MEASURES)}")
        if not np.isfinite([self.scale, self.turned, self.drift]).all() or self.n < 1:
            raise ValueError(f"judged figures must be finite and come from at least one image: {self}")

    @classmethod
    def from_description(cls, meta: dict) -> Judged:
        return cls(
            float(meta["scale"]),
            float(meta["turned"]),
            float(meta["drift"]),
            str(meta["drift_measure"]),
            float(meta["turned_needed"]),
            float(meta["drift_allowed"]),
            int(meta["n"]),
            str(meta["outcome"]),
        )


@dataclass(frozen=True)
class AttributeVector:
    name: str
    vector: np.ndarray  # (d,) at the model's latent layer
    method: str  # "mean_difference", "balanced", "independent", "steered" or "custom"
    n_positive: int
    n_negative: int
    judged: Judged | None = None  # what a classifier made of its edits, once measured

    def describe(self) -> dict:
        about = {"method": self.method, "n_positive": self.n_positive, "n_negative": self.n_negative}
        return about if self.judged is None else {**about, "judged": dataclasses.asdict(self.judged)}

    @classmethod
    def from_description(cls, name: str, vector: np.ndarray, meta: dict) -> AttributeVector:
        judged = Judged.from_description(meta["judged"]) if "judged" in meta else None
        return cls(name, vector, meta["method"], int(meta["n_positive"]), int(meta["n_negative"]), judged)


def mean_difference(
    latents: np.ndarray, positive: np.ndarray, name: str, method: str = "mean_difference"
) -> AttributeVector:
    """mean(latents[positive]) − mean(latents[~positive]); latents (N, d), positive (N,) bool."""
    positive = np.asarray(positive, bool)
    if positive.all() or not positive.any():
        raise ValueError(f"attribute {name!r} needs examples both with and without it")
    vector = latents[positive].mean(axis=0) - latents[~positive].mean(axis=0)
    return AttributeVector(name, vector.astype(np.float32), method, int(positive.sum()), int((~positive).sum()))


def _minimise(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray, what: str) -> np.ndarray:
    """L-BFGS from `start` on an objective that returns (loss, gradient). A fit that stops before converging
    is still used (it is the best point found), with a warning naming `what`."""
    # Imported here, not at the top: the server imports this module to read the shipped vectors, and
    # scipy.optimize's 0.2 s would be on the way to its first ready answer (it fits nothing).
    from scipy.optimize import minimize

    fit = minimize(objective, start, jac=True, method="L-BFGS-B")
    if not fit.success:
        log.warning("%s stopped before converging: %s", what, fit.message)
    return fit.x


def _linear_read_out(
    x: np.ndarray,
    cross_entropy: Callable[[np.ndarray], tuple[float, np.ndarray]],
    n_outputs: int,
    ridge: float,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (d, K) and biases (K,) minimising cross_entropy(x @ W + b) + ridge/2·‖W‖², by L-BFGS from
    zero; cross_entropy(logits) returns the mean loss and its gradient in the logits."""
    d = x.shape[1]

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, biases = theta[: d * n_outputs].reshape(d, n_outputs), theta[d * n_outputs :]
        loss, residual = cross_entropy(x @ weights + biases)
        gradient = np.concatenate([(x.T @ residual + ridge * weights).ravel(), residual.sum(0)])
        return loss + 0.5 * ridge * (weights**2).sum(), gradient

    theta = _minimise(loss_and_gradient, np.zeros((d + 1) * n_outputs), what)
    return theta[: d * n_outputs].reshape(d, n_outputs), theta[d * n_outputs :]


def softmax_regression(
    latents: np.ndarray, labels: np.ndarray, n_classes: int, ridge: float = 1e-4
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression of integer labels (N,) on latents (N, d), fitted by L-BFGS:
    mean cross-entropy + ridge/2·‖W‖². → weights (d, K), biases (K,)."""
    n = len(latents)
    onehot = np.eye(n_classes)[labels]

    def cross_entropy(logits: np.ndarray) -> tuple[float, np.ndarray]:
        residual = (softmax(logits, axis=1) - onehot) / n  # d(mean CE)/d(logits)
        return -(onehot * log_softmax(logits, axis=1)).sum() / n, residual

    return _linear_read_out(latents.astype(np.float64), cross_entropy, n_classes, ridge, "the softmax regression")


def steering_objective(
    latents: np.ndarray,
    labels: np.ndarray,
    target: int,
    regression: tuple[np.ndarray, np.ndarray],
    scale: float,
    pull: float,
) -> tuple[Callable[[np.ndarray], tuple[float, np.ndarray]], np.ndarray]:
    """v ↦ (loss, gradient) of mean over the latents z not of class `target` of
    −log softmax(W(z + scale·v) + b)[target] + pull·‖v − Δ‖², and Δ, the class's mean difference."""
    weights, biases = regression
    others = latents[labels != target].astype(np.float64)
    start_logits = others @ weights + biases  # the logits at v = 0; moving by v adds scale·(v @ weights)
    delta = latents[labels == target].mean(0) - others.mean(0)

    def loss_and_gradient(v: np.ndarray) -> tuple[float, np.ndarray]:
        logits = start_logits + scale * (v @ weights)
        loss = -log_softmax(logits, axis=1)[:, target].mean() + pull * ((v - delta) ** 2).sum()
        residual = softmax(logits, axis=1).mean(0)
        residual[target] -= 1.0  # mean over the others of d(cross-entropy)/d(logits)
        return loss, scale * (weights @ residual) + 2 * pull * (v - delta)

    return loss_and_gradient, delta


# The ridge chosen on 5,000 training digits held out from the vectors' fit, by the measure of
# bench/attribute_fidelity.py (the test digits untouched; python bench/steering_ridge.py); the scale and
# the pull set by hand. A firmly regularised regression is less sure of itself near the boundary, so
# the vector it steers goes further past it. For the 712-epoch model
# ridge 0.1 made all ten vectors turn ≥ 95 % of the other digits by ×3 (with 1e-4, the regression's best
# accuracy, "5" stopped at 92–93 %); for the 952-epoch model, judged by the stronger v2 classifier, 0.1
# left "9" at 87 % and 0.03–3 were erratic ("9" from 30 % to 96 % at ×3), while 10 made every vector
# work by ×2, nine of them by ×1. Steering at scale 1 makes ×1 on the slider "becomes the digit".
STEER_SCALE = 1.0
STEER_PULL = 1e-3
STEER_RIDGE = 10.0


def steered_class_vectors(
    latents: np.ndarray,
    labels: np.ndarray,
    class_names: tuple[str, ...],
    scale: float = STEER_SCALE,
    pull: float = STEER_PULL,
    ridge: float = STEER_RIDGE,
) -> dict[str, AttributeVector]:
    """One steered vector per class of integer labels (N,): the v that minimises steering_objective, so
    that at `scale` the regression reads the other classes as the target, kept near the data's own
    direction Δ. Convex in v; L-BFGS from Δ."""
    regression = softmax_regression(latents, labels, len(class_names), ridge)

    def steered(target: int) -> np.ndarray:
        objective, delta = steering_objective(latents, labels, target, regression, scale, pull)
        return _minimise(objective, delta, f"steering toward {class_names[target]!r}").astype(np.float32)

    return {
        name: AttributeVector(name, steered(c), "steered", int((labels == c).sum()), int((labels != c).sum()))
        for c, name in enumerate(class_names)
    }


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


# The read-outs' ridge on standardised latents: light, so that a read-out's normal is the data's direction
# and not the penalty's, yet enough to keep the fit finite where a label is separable.
PROBE_RIDGE = 1e-3


def logistic_probes(
    latents: np.ndarray, attrs: np.ndarray, ridge: float = PROBE_RIDGE
) -> tuple[np.ndarray, np.ndarray]:
    """One logistic regression per column of ±1 labels attrs (N, A) on latents (N, d), all fitted in one
    L-BFGS run (their losses add up and do not interact): mean cross-entropy + ridge/2·‖W‖² on the
    standardised latents. → weights (d, A) and biases (A,) for the latents as given."""
    n = len(latents)
    centre, spread = latents.mean(0), latents.std(0) + 1e-6
    x = ((latents - centre) / spread).astype(np.float64)
    present = (attrs > 0).astype(np.float64)
    sign = 2 * present - 1

    def cross_entropy(logits: np.ndarray) -> tuple[float, np.ndarray]:
        residual = (expit(logits) - present) / n  # d(mean CE)/d(logits)
        return -log_expit(sign * logits).sum() / n, residual

    weights, biases = _linear_read_out(x, cross_entropy, attrs.shape[1], ridge, "the logistic read-outs")
    weights = weights / spread[:, None]  # back to the latents' own units
    return weights, biases - centre @ weights


# An independent vector is refused when it would have to be stretched more than this to move its own
# read-out as far as the balanced vector does: the other read-outs would have left so little of it that
# the edit would be mostly length. The shipped faces' 40 needed 1.0–3.0×.
MOST_STRETCH = 10.0


def independent_of_others(
    vector: np.ndarray, own: np.ndarray, others: np.ndarray, most_stretch: float = MOST_STRETCH
) -> np.ndarray:
    """`vector` (d,) less its projection on the span of the other read-outs' normals `others` (d, m),
    rescaled to move its own read-out `own` (d,) as far as `vector` did. The span is taken from the
    singular vectors, so zero or collinear read-outs do not count as directions. ValueError when the
    rescaling would exceed `most_stretch`."""
    left, singular, _ = np.linalg.svd(others, full_matrices=False)
    basis = left[:, singular > 1e-10 * singular.max(initial=0.0)]
    free = vector - basis @ (basis.T @ vector)
    wanted, kept = own @ vector, own @ free
    if abs(kept) * most_stretch <= abs(wanted):
        raise ValueError("the other read-outs leave too little of this one to move it: too few latent dimensions?")
    return free * wanted / kept


def independent_attribute_vectors(
    latents: np.ndarray, attrs: np.ndarray, names: tuple[str, ...], balanced: dict[str, AttributeVector]
) -> dict[str, AttributeVector]:
    """Each balanced vector made independent of the other attributes' logistic read-outs of the latent:
    adding it changes none of their logits (exactly, as they are linear; a classifier of the decoded image
    sees the others move only as far as those read-outs fail to capture it). An attribute whose vector
    independent_of_others refuses is left out, with a warning."""
    weights, _ = logistic_probes(latents, attrs)
    vectors = {}
    for a, name in enumerate(names):
        base = balanced[name]
        try:
            vector = independent_of_others(base.vector.astype(np.float64), weights[:, a], np.delete(weights, a, axis=1))
        except ValueError as error:  # a latent too small for all the others: the other two variants remain
            log.warning("no independent vector for %s: %s", name, error)
            continue
        vectors[name] = AttributeVector(
            name, vector.astype(np.float32), "independent", base.n_positive, base.n_negative
        )
    return vectors


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
    """Attribute vectors from encodings (N, d): integer class labels (N,) give one steered vector per class;
    ±1 label rows (N, A) give a mean-difference vector per attribute plus its balanced and independent
    variants, named "<attribute> (balanced)" and "<attribute> (independent)"."""
    if labels.ndim == 1:
        return steered_class_vectors(latents, labels, names)
    vectors = binary_attribute_vectors(latents, labels, names)
    balanced = balanced_attribute_vectors(latents, labels, names)
    for variant in (balanced, independent_attribute_vectors(latents, labels, names, balanced)):
        for name, vector in variant.items():
            named = f"{name} ({vector.method})"
            vectors[named] = AttributeVector(named, vector.vector, vector.method, vector.n_positive, vector.n_negative)
    return vectors
