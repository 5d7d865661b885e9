"""A race: several competitors (optimizer + settings) on one surface from one start point.

Pure data and one function; the app, the figures and the exporter all start from a `Race`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import surfaces
from optviz.api import Trajectory, run
from optviz.optimizers import LECTURE_OPTIMIZERS, OPTIMIZERS

# One colour per competitor slot, the same in every view (colour-blind safe: Okabe-Ito + extras).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
    "#F0E442",
    "#8C564B",
    "#7F7F7F",
)
MAX_COMPETITORS = 10


@dataclass(frozen=True)
class Competitor:
    """One runner: an optimizer with its own hyperparameters (None: the optimizer's default)."""

    optimizer: str
    lr: float | None = None
    gamma: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    eps: float | None = None
    weight_decay: float | None = None
    batch_size: int | str | None = None  # None: the optimizer's own; "full" or an int

    @property
    def title(self) -> str:
        return OPTIMIZERS[self.optimizer].title

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "gamma": self.gamma,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
        }


Box = tuple[tuple[float, float], tuple[float, float]]
CUSTOM = "custom"  # the surface name of a typed formula


@dataclass(frozen=True)
class CustomSurface:
    """A typed formula surface as plain, hashable data: what `surfaces.from_formula` rebuilds it from."""

    text: str
    domain: Box = ((-3.0, 3.0), (-3.0, 3.0))
    minima: tuple[tuple[float, float], ...] | None = None  # None: estimated numerically

    def build(self) -> surfaces.Surface:
        return _build_custom(self)


@lru_cache(maxsize=32)
def _build_custom(spec: CustomSurface) -> surfaces.Surface:
    # The minima search evaluates a 201 x 201 grid: worth doing once per formula, not once per use.
    return surfaces.from_formula(spec.text, domain=spec.domain, minima=spec.minima, name=CUSTOM)


@dataclass(frozen=True)
class RaceConfig:
    """Everything that determines a race."""

    surface: str = "beale"
    surface_options: tuple[tuple[str, float], ...] = ()
    start: tuple[float, float] | None = None  # None: the surface's default start
    steps: int = 300
    eps_placement: str = "inside"
    n_examples: int | None = None
    spread: float | None = None
    seed: int = 0
    competitors: tuple[Competitor, ...] = field(
        default_factory=lambda: tuple(Competitor(name) for name in LECTURE_OPTIMIZERS)
    )
    custom: CustomSurface | None = None  # set: the race runs on this formula (surface is CUSTOM)

    def surface_object(self) -> surfaces.Surface:
        if self.custom is not None:
            return self.custom.build()
        return surfaces.get(self.surface, **dict(self.surface_options))

    def with_start(self, start: tuple[float, float]) -> RaceConfig:
        return replace(self, start=(float(start[0]), float(start[1])))


@dataclass(frozen=True)
class Runner:
    """A competitor's result with how it is shown."""

    label: str
    color: str
    competitor: Competitor
    trajectory: Trajectory


@dataclass(frozen=True)
class Race:
    config: RaceConfig
    surface: surfaces.Surface
    runners: tuple[Runner, ...]


def labels(competitors: tuple[Competitor, ...]) -> list[str]:
    """Titles, with the differing setting added where one optimizer runs more than once."""
    titles = [c.title for c in competitors]
    out = []
    for c, title in zip(competitors, titles, strict=True):
        if titles.count(title) > 1:
            lr = run_lr(c)
            title = f"{title} (eta={lr:g})" if lr is not None else title
        out.append(title)
    # Still ambiguous (same optimizer and eta): number them.
    return [f"{t} #{out[:i].count(t) + 1}" if out.count(t) > 1 else t for i, t in enumerate(out)]


def run_lr(c: Competitor) -> float | None:
    return c.lr if c.lr is not None else OPTIMIZERS[c.optimizer].defaults.get("lr")


def run_race(config: RaceConfig) -> Race:
    """Runs every competitor; a bad setting raises ValueError naming the competitor and the setting."""
    if not 1 <= len(config.competitors) <= MAX_COMPETITORS:
        raise ValueError(f"a race needs 1 to {MAX_COMPETITORS} competitors, got {len(config.competitors)}")
    surface = config.surface_object()
    runners = []
    for i, (competitor, label) in enumerate(zip(config.competitors, labels(config.competitors), strict=True)):
        try:
            trajectory = run(
                competitor.optimizer,
                surface,
                start=config.start,
                steps=config.steps,
                eps_placement=config.eps_placement,
                batch_size=competitor.batch_size,
                n_examples=config.n_examples,
                spread=config.spread,
                seed=config.seed,
                **competitor.hyperparameters(),
            )
        except ValueError as error:
            raise ValueError(f"{label}: {error}") from None
        runners.append(Runner(label, PALETTE[i % len(PALETTE)], competitor, trajectory))
    return Race(config, surface, tuple(runners))
