"""Configuration of a model and of its training run: one dataclass each, read from a TOML file.

A config file has a [model] and a [train] table; unknown keys fail loudly so that a typo never
silently trains the default. A file that says `base = "other.toml"` (a path relative to itself) is
that file with its own keys on top, key by key within each table: a variant (the VAE baseline, a warm
restart) states only how it differs from the config it varies.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of an IWAE (section 5 of the paper for MNIST)."""

    image_shape: tuple[int, int, int] = (28, 28, 1)  # (H, W, C) of the images the model sees
    likelihood: str = "bernoulli"  # "bernoulli" for binary digits, "logistic" for 8-bit colour
    network: str = "mlp"  # "mlp" (the paper's) or "conv" (64×64 faces)
    latent_sizes: tuple[int, ...] = (50,)  # one entry per stochastic layer, bottom (h1) first
    hidden_sizes: tuple[tuple[int, ...], ...] = ((200, 200),)  # deterministic units per stochastic layer
    activation: str = "tanh"  # the paper's choice
    batch_norm: bool = False  # after every hidden layer; the seed credits it with much of its result
    conv_filters: tuple[int, ...] = (32, 64, 128, 256)  # stride-2 convolutions for network="conv"
    # network="conv" only. 0: the latent is a vector, from a dense layer over the last feature map.
    # g > 0: the latent is a g × g grid of latent_size / g² channels (3×3 convolutions in and out),
    # still handed out flat; each cell describes its own patch of the image, so detail is kept.
    latent_grid: int = 0
    # The stochastic layer whose posterior mean is the model's latent, the space /encode returns and
    # attribute vectors live in: an index into latent_sizes, -1 the top (the prior's space), 0 the
    # bottom h1. The top of the two-layer digits model keeps a few active units and loses the digit
    # for about one test digit in nine; h1 keeps its 100 (README, "What the latent keeps").
    latent_layer: int = -1

    def __post_init__(self) -> None:
        if self.likelihood not in ("bernoulli", "logistic"):
            raise ValueError(f"likelihood must be 'bernoulli' or 'logistic', not {self.likelihood!r}")
        if self.network not in ("mlp", "conv"):
            raise ValueError(f"network must be 'mlp' or 'conv', not {self.network!r}")
        if len(self.latent_sizes) != len(self.hidden_sizes):
            raise ValueError("latent_sizes and hidden_sizes need one entry per stochastic layer")
        if self.network == "conv" and len(self.latent_sizes) != 1:
            raise ValueError("the convolutional model has one stochastic layer")
        if self.latent_grid:
            self._check_latent_grid()
        if not -len(self.latent_sizes) <= self.latent_layer < len(self.latent_sizes):
            raise ValueError(f"latent_layer {self.latent_layer} names no layer of latent_sizes {self.latent_sizes}")

    def _check_latent_grid(self) -> None:
        grid, size = self.latent_grid, self.latent_sizes[0]
        if self.network != "conv":
            raise ValueError("latent_grid is for network 'conv'")
        if self.image_shape[0] // 2 ** len(self.conv_filters) != grid or self.image_shape[0] != self.image_shape[1]:
            raise ValueError(
                f"{len(self.conv_filters)} stride-2 convolutions do not take {self.image_shape} to {grid}×{grid}"
            )
        if size % (grid * grid):
            raise ValueError(f"latent size {size} is not a whole number of channels on a {grid}×{grid} grid")

    @property
    def latent_index(self) -> int:
        """latent_layer as a 0-based index from the bottom (h1 is 0)."""
        return self.latent_layer % len(self.latent_sizes)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        """How the flat latent is laid out: (g, g, channels) on a latent grid, else (latent_size,)."""
        if self.latent_grid:
            return (self.latent_grid, self.latent_grid, self.latent_size // self.latent_grid**2)
        return (self.latent_size,)

    @property
    def latent_size(self) -> int:
        """Size of the model's latent (latent_layer), where latent arithmetic happens."""
        return self.latent_sizes[self.latent_layer]


@dataclass(frozen=True)
class TrainConfig:
    """How a model is trained: objective, number of importance samples, the staged Adam schedule."""

    dataset: str = "mnist"  # "mnist" or "celeba"
    objective: str = "iwae"  # "iwae": log (1/k) Σ w_i; "vae": (1/k) Σ log w_i
    # "standard": the bound's own gradient (eq. 14); "dreg": the doubly reparameterised gradient for the
    # recognition network (model/dreg.py; Tucker et al. 2018), for objective "iwae" only.
    gradient: str = "standard"
    k: int = 50  # importance samples per data point during training
    batch_size: int = 100
    # The paper's schedule: stage i lasts 3^i epochs at learning rate 1e-3·10^(-i/7), i = 0…7
    # (3,280 epochs). Stage i lasts round(epoch_scale · stage_growth^i) epochs (at least one), so
    # growth 3, scale 1 is the paper's, and growth 1 gives equal stages for a shorter run.
    stages: int = 8
    stage_growth: float = 3.0
    epoch_scale: float = 1.0
    learning_rate: float = 1e-3
    # Stages (epochs, learning rate) run after the ladder: a warm restart. Progress per epoch grows
    # with the rate while the noise it leaves is annealed away in a few epochs, so when the ladder's
    # small rates stop paying, a long stretch at a larger rate and a short ladder down gains more.
    extra_stages: tuple[tuple[int, float], ...] = ()
    adam_epsilon: float = 1e-4  # the paper's ε
    seed: int = 0
    jit_compile: bool = False  # XLA: slower for both shipped models on CPUs measured so far (bench/)
    # "bfloat16" runs the networks' products and convolutions in bfloat16 (float32 variables, optimizer
    # state, densities and bound); "float32" everywhere. Evaluation and serving are always float32.
    precision: str = "float32"
    # tf.distribute strategy (model/devices.py): "none" (one device), "mirrored" (this machine's GPUs),
    # "multi_worker" (several machines, from TF_CONFIG). The batch is split evenly across replicas.
    strategy: str = "none"
    max_train_images: int = 0  # 0 = all; a cap for quick experiments
    squeezed_faces: bool = True  # CelebA: also train on the softer "squeezed_64" images

    def __post_init__(self) -> None:
        if self.objective not in ("iwae", "vae"):
            raise ValueError(f"objective must be 'iwae' or 'vae', not {self.objective!r}")
        if self.gradient not in ("standard", "dreg"):
            raise ValueError(f"gradient must be 'standard' or 'dreg', not {self.gradient!r}")
        if self.gradient == "dreg" and self.objective != "iwae":
            raise ValueError("gradient 'dreg' is the IWAE bound's estimator: it needs objective 'iwae'")
        if self.precision not in ("float32", "bfloat16"):
            raise ValueError(f"precision must be 'float32' or 'bfloat16', not {self.precision!r}")
        if self.strategy not in ("none", "mirrored", "multi_worker"):
            raise ValueError(f"strategy must be 'none', 'mirrored' or 'multi_worker', not {self.strategy!r}")
        if self.k < 1 or self.batch_size < 1:
            raise ValueError("k and batch_size must be positive")
        if any(len(stage) != 2 or stage[0] < 1 or stage[1] <= 0 for stage in self.extra_stages):
            raise ValueError("extra_stages are [epochs, learning rate] pairs with both positive")

    def stage_epochs(self) -> list[int]:
        """Epochs of each stage of the schedule: the ladder's, then the extra stages'."""
        ladder = [max(1, round(self.stage_growth**i * self.epoch_scale)) for i in range(self.stages)]
        return ladder + [int(epochs) for epochs, _ in self.extra_stages]

    def stage_learning_rates(self) -> list[float]:
        ladder = [self.learning_rate * 10 ** (-i / 7) for i in range(self.stages)]
        return ladder + [float(rate) for _, rate in self.extra_stages]

    @property
    def total_epochs(self) -> int:
        return sum(self.stage_epochs())

    def learning_rate_at(self, epoch: int) -> float:
        """Learning rate of a 0-based epoch; after the last stage it stays at the last rate."""
        end = 0
        for epochs, rate in zip(self.stage_epochs(), self.stage_learning_rates(), strict=True):
            end += epochs
            if epoch < end:
                return rate
        return self.stage_learning_rates()[-1]


@dataclass(frozen=True)
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _build(cls: type, values: dict[str, Any]) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {', '.join(unknown)}")
    converted = {}
    for name, value in values.items():
        default = getattr(cls(), name)
        if isinstance(default, tuple):  # TOML arrays arrive as lists; the dataclasses are frozen
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        converted[name] = value
    return cls(**converted)


def config_from_dict(values: dict[str, Any]) -> Config:
    unknown = sorted(set(values) - {"model", "train"})
    if unknown:
        raise ValueError(f"unknown config sections: {', '.join(unknown)}")
    return Config(
        model=_build(ModelConfig, values.get("model", {})),
        train=_build(TrainConfig, values.get("train", {})),
    )


def load_config(path: str | Path) -> Config:
    return config_from_dict(_read_with_bases(Path(path), ()))


def _read_with_bases(path: Path, inheriting: tuple[Path, ...]) -> dict[str, Any]:
    """The file's tables laid over its base's (and that base's over its own, …)."""
    with open(path, "rb") as f:
        values = tomllib.load(f)
    base = values.pop("base", None)
    if base is None:
        return values
    base_path, chain = (path.parent / base).resolve(), (*inheriting, path.resolve())
    if base_path in chain:
        raise ValueError(f"{path}: base {base!r} leads back to a file that inherits from it")
    merged = _read_with_bases(base_path, chain)
    for section, table in values.items():
        if not isinstance(table, dict):
            raise ValueError(f"{path}: {section!r} must be a table such as [train], not a value")
        merged[section] = {**merged.get(section, {}), **table}
    return merged
