"""A race: several competitors (optimizer + settings) on one surface from one start point.

Pure data and one function; the app, the figures and the exporter all start from a `Race`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import surfaces
from optviz.api import Trajectory, run
from optviz.engine.optimizers import LECTURE_OPTIMIZERS, OPTIMIZERS
from optviz.params import SYMBOLS
from optviz.views import style

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
    # Its slot in `style.PALETTE`, kept for its whole life (None: given one when it joins a race).
    color: int | None = None

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

    @property
    def casing(self) -> str:
        """The colour drawn under this runner's path, so that it stands out on every band."""
        return style.casing(self.color)


@dataclass(frozen=True)
class Race:
    config: RaceConfig
    surface: surfaces.Surface
    runners: tuple[Runner, ...]


# Each optimizer's own colour slot: the lecture's seven in order, their relatives after them, so that
# one optimizer has the same colour in every race where its slot is free.
_OWN_COLOR = {name: i for i, name in enumerate(LECTURE_OPTIMIZERS)}


def own_color(optimizer: str) -> int:
    if optimizer in _OWN_COLOR:
        return _OWN_COLOR[optimizer]
    others = [name for name in OPTIMIZERS if name not in _OWN_COLOR]
    free = len(style.PALETTE) - len(_OWN_COLOR)
    return len(_OWN_COLOR) + others.index(optimizer) % free


def assign_colors(competitors: tuple[Competitor, ...]) -> tuple[Competitor, ...]:
    """Every competitor with a colour slot of its own. One that has a free slot keeps it; the others
    (new ones, or a later one repeating a slot) take their optimizer's own colour if it is free, and
    the rest the first free slots."""
    slots: list[int | None] = []
    taken: set[int] = set()
    for c in competitors:
        valid = isinstance(c.color, int) and 0 <= c.color < len(style.PALETTE) and c.color not in taken
        slots.append(c.color if valid else None)
        if valid:
            taken.add(c.color)
    for i, c in enumerate(competitors):
        own = own_color(c.optimizer)
        if slots[i] is None and own not in taken:
            slots[i] = own
            taken.add(own)
    free = iter([k for k in range(len(style.PALETTE)) if k not in taken])
    out = []
    for c, slot in zip(competitors, slots, strict=True):
        # More competitors than colours cannot happen in a race (MAX_COMPETITORS); 0 keeps it total.
        slot = next(free, 0) if slot is None else slot
        out.append(c if c.color == slot else replace(c, color=slot))
    return tuple(out)


def _setting_text(c: Competitor, name: str) -> str:
    if name == "batch_size":
        return f"B={c.batch_size}"
    value = _value(c, name)
    return f"{SYMBOLS[name]}={value:g}"


def _value(c: Competitor, name: str) -> Any:
    if name == "batch_size":
        return c.batch_size if c.batch_size is not None else OPTIMIZERS[c.optimizer].batch_size
    value = getattr(c, name)
    return value if value is not None else OPTIMIZERS[c.optimizer].defaults.get(name)


def labels(competitors: tuple[Competitor, ...]) -> list[str]:
    """Titles; where one optimizer runs more than once, each with the first setting in which its
    runs differ ("Adam (η=0.2)"), or numbered where they do not differ at all."""
    out = []
    for c in competitors:
        twins = [d for d in competitors if d.optimizer == c.optimizer]
        if len(twins) == 1:
            out.append(c.title)
            continue
        names = (*OPTIMIZERS[c.optimizer].uses, "batch_size")
        differing = next((n for n in names if len({repr(_value(d, n)) for d in twins}) > 1), None)
        out.append(c.title if differing is None else f"{c.title} ({_setting_text(c, differing)})")
    # Still ambiguous (the same settings twice): number them.
    return [f"{t} #{out[:i].count(t) + 1}" if out.count(t) > 1 else t for i, t in enumerate(out)]


def run_race(config: RaceConfig) -> Race:
    """Runs every competitor; a bad setting raises ValueError naming the competitor and the setting."""
    if not 1 <= len(config.competitors) <= MAX_COMPETITORS:
        raise ValueError(f"a race needs 1 to {MAX_COMPETITORS} competitors, got {len(config.competitors)}")
    surface = config.surface_object()
    competitors = assign_colors(config.competitors)
    runners = []
    for competitor, label in zip(competitors, labels(competitors), strict=True):
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
        runners.append(Runner(label, style.PALETTE[competitor.color], competitor, trajectory))
    return Race(config, surface, tuple(runners))
