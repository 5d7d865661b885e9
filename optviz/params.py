"""Every hyperparameter, declared once: its symbol, label and meaning, the values the mathematics
allows, the app slider's positions and the stability map's default sweep.

The Python API's checks, the link parser, the app's controls, the stability map's axes, the command
line and the JSON import all read this table, so they cannot disagree. The surfaces' options are
declared the same way beside their formulas (`surfaces.OPTIONS`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from surfaces.ranges import NON_NEGATIVE, POSITIVE, UNIT, Option


def decades(low: int, high: int, mantissas: Sequence[float] = (1, 2, 5)) -> tuple[float, ...]:
    """m x 10^k for k from low to high, up to 10^high: slider positions a decade apart."""
    return tuple(
        float(f"{m}e{k}") for k in range(low, high + 1) for m in mantissas if m * 10.0**k <= 10**high
    )


FINE = 10  # steps of a live slider between two of the grid's positions


def fine_grid(grid: Sequence[float], logarithmic: bool) -> tuple[float, ...]:
    return _fine_grid(tuple(grid), logarithmic)


@functools.lru_cache(maxsize=64)
def _fine_grid(grid: tuple[float, ...], logarithmic: bool) -> tuple[float, ...]:
    # Made once per parameter: every live update's payload lists the positions (~2 ms to make).
    points = sorted(set(grid))
    out = {points[-1]}
    for a, b in itertools.pairwise(points):
        for k in range(FINE):
            t = k / FINE
            geometric = logarithmic and a > 0
            out.add(_short(a * (b / a) ** t if geometric else a + (b - a) * t))
    return tuple(sorted(out))


def _short(v: float) -> float:
    """Four significant digits; near 1, three of 1 - v (0.99991 stays below 1, not rounded up to it)."""
    return 1.0 - float(f"{1.0 - v:.3g}") if 0.99 < v < 1.0 else float(f"{v:.4g}")


@dataclass(frozen=True)
class Param(Option):
    """A hyperparameter: `name` is its keyword in `optviz.run`, in the JSON settings and in the link
    (cK.<name>). `latex` is the lecture's symbol; `sweep` the stability map's default axis (low,
    high, scale)."""

    latex: str = ""
    sweep: tuple[float, float, str] = (0.0, 1.0, "linear")

    @property
    def logarithmic(self) -> bool:
        """Whether it ranges over orders of magnitude (its typed box then steps by its own decade)."""
        return self.sweep[2] == "log"

    @property
    def fine(self) -> tuple[float, ...]:
        """The positions of a slider dragged live: the grid's, and FINE - 1 more between each two
        neighbours (evenly on a log scale between positive ones of a logarithmic parameter), written
        short (`_short`) so that a link carries them short and exact."""
        return fine_grid(self.grid, self.logarithmic)


# Decay rates get fine slider positions near 1, where their effect changes fastest (1 - beta2 = 1e-3
# against 1e-4).
_DECAY = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 0.995, 0.999)
_NEAR_ONE = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999, 0.99995)

HYPERPARAMETERS: dict[str, Param] = {
    p.name: p
    for p in (
        Param(
            "lr",
            "η",
            "learning rate",
            POSITIVE,
            decades(-5, 1),
            "How far each update moves: the step is η times the gradient (or, for the adaptive "
            "methods, about η itself).",
            latex=r"\eta",
            sweep=(1e-4, 1.0, "log"),
        ),
        Param(
            "gamma",
            "γ",
            "momentum / decay",
            UNIT,
            _DECAY,
            "Momentum: how much of the last step carries into the next. RMSProp and Adadelta: how "
            "fast the average of squared gradients forgets.",
            latex=r"\gamma",
            sweep=(0.0, 0.99, "linear"),
        ),
        Param(
            "beta1",
            "β₁",
            "first-moment decay",
            UNIT,
            _DECAY,
            "How fast the running mean of gradients (the momentum) forgets.",
            latex=r"\beta_1",
            sweep=(0.0, 0.99, "linear"),
        ),
        Param(
            "beta2",
            "β₂",
            "second-moment decay",
            UNIT,
            (*_NEAR_ONE, 0.99999, 0.999999),
            "How fast the running mean of squared gradients forgets.",
            latex=r"\beta_2",
            sweep=(0.9, 0.9999, "linear"),
        ),
        Param(
            "eps",
            "ε",
            "epsilon",
            NON_NEGATIVE,
            (0.0, *decades(-12, -1, (1,))),
            "Keeps the division by the root of the squared gradients finite (inside the root as in "
            "the lecture, or outside as in PyTorch).",
            latex=r"\epsilon",
            sweep=(1e-10, 0.1, "log"),
        ),
        Param(
            "weight_decay",
            "λ",
            "weight decay",
            NON_NEGATIVE,
            (0.0, *decades(-4, 0, (1, 3))),
            "Pulls every weight toward 0 by η λ w per update.",
            latex=r"\lambda",
            sweep=(1e-4, 1.0, "log"),
        ),
    )
}
NAMES = tuple(HYPERPARAMETERS)  # in the order the lecture introduces them
SYMBOLS = {name: p.symbol for name, p in HYPERPARAMETERS.items()}
