"""Stability maps: one optimizer run over a grid of two hyperparameters at once.

Each cell of the grid is one run (same surface, start and other settings) with the cell's pair of
values; the map records what that run did: its final loss, the step it came within `tol` of the
minimum, the step it diverged, and its final distance to the nearest minimum. The batched engine
path runs all cells together, so a 512 x 512 map is one kernel call per batch size.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from optviz.api import Outcomes, Settings, run_many
from optviz.engine.optimizers import OPTIMIZERS
from optviz.params import HYPERPARAMETERS
from surfaces.ranges import finite_number, whole_number

MAX_CELLS_PER_SIDE = 512
SWEEPABLE = (*HYPERPARAMETERS, "batch_size")
SCALES = ("log", "linear")


@dataclass(frozen=True)
class Axis:
    """One swept hyperparameter: `size` values from `low` to `high`, evenly spaced on `scale`."""

    name: str
    low: float
    high: float
    size: int = 64
    scale: str = "log"

    def __post_init__(self) -> None:
        if self.name not in SWEEPABLE:
            raise ValueError(f"cannot sweep {self.name!r}; sweepable: {', '.join(SWEEPABLE)}")
        if self.scale not in SCALES:
            raise ValueError(f"{self.name}: scale must be 'log' or 'linear', got {self.scale!r}")
        whole_number(f"{self.name}: size", self.size, 2, MAX_CELLS_PER_SIDE)
        for bound in (self.low, self.high):
            finite_number(f"{self.name}: range bound", bound)
        if not self.low < self.high:
            raise ValueError(f"{self.name}: the range needs min < max, got {self.low} .. {self.high}")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"{self.name}: a log axis needs a positive minimum, got {self.low}")
        if self.name == "batch_size" and self.low < 1:
            raise ValueError(f"batch_size: the range must start at 1 or more, got {self.low}")

    @property
    def values(self) -> np.ndarray:
        if self.scale == "log":
            v = np.geomspace(self.low, self.high, self.size)
        else:
            v = np.linspace(self.low, self.high, self.size)
        if self.name == "batch_size":
            # Whole batch sizes only; neighbouring cells may share a size on a fine axis.
            return np.round(v)
        return _short(v)


def _short(values: np.ndarray) -> np.ndarray:
    """The values rounded to the fewest significant digits (at least 3) that keep them all apart:
    the grid a map is computed on, so a cell's values are short to write (in a link, a tooltip)
    and give exactly that cell's run again."""
    for digits in range(3, 18):
        short = np.array([float(f"{v:.{digits}g}") for v in values])
        # the ends stay the range's own (a decay of 0.9999 must not become 1), every value apart
        if short[0] == values[0] and short[-1] == values[-1] and np.unique(short).size == values.size:
            return short
    return values


def _axis(spec: Axis | tuple | dict) -> Axis:
    if isinstance(spec, Axis):
        return spec
    if isinstance(spec, dict):
        return Axis(**spec)
    if isinstance(spec, tuple | list):
        return Axis(*spec)
    raise ValueError(
        f"an axis is an Axis, a tuple (name, low, high[, size[, scale]]) or a dict; got {spec!r}"
    )


@dataclass(frozen=True)
class StabilityMap:
    """The outcome of every cell; arrays have shape (y.size, x.size): row j, column i is the run
    with y = y.values[j] and x = x.values[i]."""

    x: Axis
    y: Axis
    final_loss: np.ndarray
    reached_at: np.ndarray  # first iterate within tol of the minimum, -1 if never
    diverged_at: np.ndarray  # the update that diverged, -1 if none
    distance: np.ndarray  # from the final point to the nearest minimum
    settings: dict[str, Any]

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    def cell_settings(self, i: int, j: int) -> dict[str, Any]:
        """The keyword arguments of `optviz.run` that reproduce cell (column i, row j)."""
        values = {self.x.name: self.x.values[i], self.y.name: self.y.values[j]}
        if "batch_size" in values:
            values["batch_size"] = int(values["batch_size"])
        return {**self.settings, **{k: (float(v) if k != "batch_size" else v) for k, v in values.items()}}


# What a map keeps of run_many's settings besides the hyperparameters: whatever a single run records
# (`optviz.api.Settings`) but the start (the map keeps the first), and the surface's options and
# formula (the map keeps the surface itself).
_FIXED = {f.name for f in fields(Settings)} - {*HYPERPARAMETERS, "start", "surface_options", "custom_surface"}


def sweep(
    optimizer: str,
    surface: Any,
    x: Axis | tuple | dict,
    y: Axis | tuple | dict,
    *,
    start: tuple[float, float] | None = None,
    steps: int = 300,
    tol: float = 1e-6,
    **settings: Any,
) -> StabilityMap:
    """Runs `optimizer` on `surface` for every pair of values of two hyperparameters.

    `x` and `y` name the swept hyperparameters (any of `optviz.params.HYPERPARAMETERS`, or
    batch_size) with their ranges, e.g. `("lr", 1e-3, 1.0, 128, "log")`; `settings` are the fixed
    ones, with the same names and defaults as `optviz.run`.
    """
    ax, ay = _axis(x), _axis(y)
    if ax.name == ay.name:
        raise ValueError(f"the two axes must sweep different hyperparameters, both are {ax.name!r}")
    for name in (ax.name, ay.name):
        if name in settings:
            raise ValueError(f"{name} is swept; do not also pass it as a fixed setting")
    gx, gy = np.meshgrid(ax.values, ay.values)
    grid = {ax.name: gx.ravel(), ay.name: gy.ravel()}
    shape = gx.shape
    batch_values = grid.pop("batch_size", None)

    def one(batch: Any, mask: np.ndarray | None) -> Outcomes:
        arrays = {k: (v if mask is None else v[mask]) for k, v in grid.items()}
        return run_many(optimizer, surface, start, steps, tol=tol, batch_size=batch, **arrays, **settings)

    fields = ("final_loss", "reached_at", "diverged_at", "distance")
    if batch_values is None:
        out = one(settings.pop("batch_size", None), None)
        results = {f: getattr(out, f).reshape(shape) for f in fields}
        shared = out.settings
    else:
        results = {f: np.empty(gx.size, dtype=np.int64 if f.endswith("_at") else np.float64) for f in fields}
        shared = {}
        for batch in np.unique(batch_values):
            mask = batch_values == batch
            out = one(int(batch), mask)
            for f in fields:
                results[f][mask] = getattr(out, f)
            shared = out.settings
        results = {f: a.reshape(shape) for f, a in results.items()}
    fixed = {k: v for k, v in shared.items() if k in _FIXED}
    fixed["start"] = tuple(float(c) for c in np.asarray(shared["starts"])[0])
    fixed["surface"] = surface  # the object itself keeps any surface options
    used = OPTIMIZERS[fixed["optimizer"]].defaults
    for name in HYPERPARAMETERS:
        if name not in (ax.name, ay.name) and name in used:
            fixed[name] = float(np.asarray(shared[name]).ravel()[0])
    if "batch_size" in (ax.name, ay.name):
        fixed.pop("batch_size", None)
    elif fixed.get("batch_size") is None:
        fixed["batch_size"] = "full"
    for a in results.values():
        a.flags.writeable = False
    return StabilityMap(ax, ay, settings=fixed, **results)
