"""Numerical minima and a start for a surface known only as a program (see `surfaces.program`):
what a typed formula's surface needs when its minima or its start are not given.

A GRID x GRID grid over the domain finds the lowest local minima; each is polished by damped
Newton and steepest-descent steps (Newton placing it to full precision where f is too flat to
tell), rounded to the fewest decimals that do not raise f or the slope, and all of the lowest
value are kept. These are estimates: the grid can miss a minimum narrower than its spacing. A
descent that falls into a singularity (log(x) at 0) is refused: the domain has no minimum.

Nothing here knows formulas: the functions take a program and a domain, and the ones that refuse
raise the `error` class they are given (a ValueError unless the caller wants its own).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from surfaces import program

GRID = 201  # points per side of the grid that searches for minima and a start

Box = tuple[tuple[float, float], tuple[float, float]]


def inside(point: tuple[float, float], box: Box) -> bool:
    """Whether the point lies in the box, edges included."""
    (x0, x1), (y0, y1) = box
    return x0 <= point[0] <= x1 and y0 <= point[1] <= y1


@dataclass(frozen=True)
class Grid:
    """f and its gradient on a GRID x GRID grid over the domain (non-finite values stay)."""

    x: np.ndarray
    y: np.ndarray
    f: np.ndarray
    gx: np.ndarray
    gy: np.ndarray

    @classmethod
    def over(cls, code: np.ndarray, box: Box) -> Grid:
        (x0, x1), (y0, y1) = box
        x, y = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
        f, gx, gy = program.evaluate(code, x, y)
        return cls(x, y, f, gx, gy)

    @property
    def usable(self) -> np.ndarray:
        return np.isfinite(self.f) & np.isfinite(self.gx) & np.isfinite(self.gy)


def _local_minima(f: np.ndarray, count: int) -> list[tuple[int, int]]:
    """Grid points no higher than their 8 neighbours (lowest first), and the lowest point."""
    v = np.where(np.isfinite(f), f, np.inf)
    padded = np.pad(v, 1, constant_values=np.inf)
    rows, cols = v.shape
    lowest = np.ones(v.shape, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lowest &= v <= padded[1 + di : 1 + di + rows, 1 + dj : 1 + dj + cols]
    lowest &= np.isfinite(v)
    flat = np.flatnonzero(lowest)
    order = flat[np.argsort(v.ravel()[flat], kind="stable")][:count]
    best = int(np.argmin(v))
    picks = [best, *[int(k) for k in order if k != best]][:count]
    return [divmod(k, cols) for k in picks]


def values_at(code: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f and the gradient (stacked on a last axis of 2) at points[..., 0], points[..., 1]."""
    f, gx, gy = program.evaluate(code, points[..., 0], points[..., 1])
    return f, np.stack((gx, gy), axis=-1)


def _newton_steps(code: np.ndarray, p: np.ndarray, g: np.ndarray, h: np.ndarray) -> np.ndarray:
    """-H^-1 g at each point, the Hessian H by central differences of the exact gradient; NaN
    where H is not positive definite (no minimum nearby for Newton to jump to)."""
    hx, hy = np.array([h[0], 0.0]), np.array([0.0, h[1]])
    _, gp = values_at(code, np.stack([p + hx, p - hx, p + hy, p - hy], axis=1))
    with np.errstate(all="ignore"):  # inf - inf near a singularity: NaN, so no Newton step there
        H = np.stack(((gp[:, 0] - gp[:, 1]) / (2 * h[0]), (gp[:, 2] - gp[:, 3]) / (2 * h[1])), axis=1)
        a, b, c = H[:, 0, 0], 0.5 * (H[:, 0, 1] + H[:, 1, 0]), H[:, 1, 1]
        det = a * c - b * b
        step = -np.stack((c * g[:, 0] - b * g[:, 1], a * g[:, 1] - b * g[:, 0]), axis=1) / det[:, None]
    step[~((det > 0) & (a > 0) & np.isfinite(det))] = np.nan
    return step


def _polish(code: np.ndarray, points: np.ndarray, box: Box, iterations: int = 60) -> np.ndarray:
    """Descends from each point: each iteration tries damped Newton steps and steepest-descent
    steps of many lengths, all in one evaluation, and keeps the lowest point, projected onto the
    domain (so a minimum on its edge is found too); then a few plain Newton steps, kept while they
    shrink the gradient, place the minimum to full precision where f itself is too flat to tell."""
    lo = np.array([box[0][0], box[1][0]])
    hi = np.array([box[0][1], box[1][1]])
    scale = hi - lo
    h = 1e-6 * scale
    lengths = np.concatenate((0.5 ** np.arange(11), 0.5 ** np.arange(48)))
    n_newton = 11
    p = points.copy()
    rows = np.arange(len(p))
    f, g = values_at(code, p)
    for _ in range(iterations):
        newton = _newton_steps(code, p, g, h)
        with np.errstate(all="ignore"):
            # Steepest descent in coordinates scaled to the domain: length 1 crosses the domain.
            gu = g * scale
            descent = -gu / np.sqrt((gu**2).sum(axis=1))[:, None] * scale
        directions = np.repeat(
            np.stack((newton, descent), axis=1), (n_newton, len(lengths) - n_newton), axis=1
        )
        trials = np.clip(p[:, None, :] + directions * lengths[None, :, None], lo, hi)
        ft, gt = values_at(code, trials)
        ft = np.where(np.isfinite(ft), ft, np.inf)
        k = np.argmin(ft, axis=1)
        better = ft[rows, k] < f
        if not better.any():
            break
        p[better], f[better], g[better] = trials[rows, k][better], ft[rows, k][better], gt[rows, k][better]
    for _ in range(6):
        trial = np.clip(p + _newton_steps(code, p, g, h), lo, hi)
        ft, gt = values_at(code, trial)
        with np.errstate(invalid="ignore"):
            keep = (np.hypot(*gt.T) < np.hypot(*g.T)) & (ft <= f + 1e-15 * np.abs(f))
        p[keep], f[keep], g[keep] = trial[keep], ft[keep], gt[keep]
    return p


def _tidy(code: np.ndarray, point: np.ndarray, box: Box) -> tuple[float, float]:
    """The point with each coordinate rounded to the fewest decimals that raise neither f nor the
    slope, so a minimum at (1, 0) reads (1.0, 0.0) rather than (0.9999999999999999, -3e-17); the
    slope is what tells a rounding that misses a minimum where f is too flat to show it."""
    best = point.copy()
    f0, g0 = values_at(code, best)
    for axis in (0, 1):
        for decimals in (6, 9, 12):
            trial = best.copy()
            trial[axis] = np.round(trial[axis], decimals)
            f, g = values_at(code, trial)
            if inside((trial[0], trial[1]), box) and f <= f0 and np.hypot(*g) <= np.hypot(*g0):
                best, f0, g0 = trial, f, g
                break
    return float(best[0]), float(best[1])


def estimate_minima(
    code: np.ndarray, grid: Grid, box: Box, error: type[ValueError] = ValueError
) -> tuple[tuple[tuple[float, float], ...], float]:
    """Global minima estimated numerically: the lowest local minima of the grid, polished. Several
    minima of equal value are all kept (up to 16); a continuum of minima is represented by a few.
    Raises `error` when f falls without bound near a point of the domain."""
    cells = _local_minima(grid.f, 16)
    starts = np.array([(grid.x[i, j], grid.y[i, j]) for i, j in cells])
    polished = _polish(code, starts, box)
    points = [_tidy(code, p, box) for p in polished]
    values = [float(values_at(code, np.array(p))[0]) for p in points]
    best = min(values)
    tol = 1e-9 * max(1.0, abs(best))
    scale = math.hypot(box[0][1] - box[0][0], box[1][1] - box[1][0])
    _refuse_unbounded(code, grid, points[values.index(best)], scale, error)
    minima: list[tuple[float, float]] = []
    for value, point in sorted(zip(values, points, strict=True)):
        far = all(math.dist(point, m) > 1e-4 * scale for m in minima)
        if value <= best + tol and far:
            minima.append(point)
    return tuple(minima), best


def _refuse_unbounded(
    code: np.ndarray, grid: Grid, point: tuple[float, float], scale: float, error: type[ValueError]
) -> None:
    """A descent that ends far below every grid value, where the slope is infinite or enormous, has
    run into a singularity that f falls into without bound (log(x) or -1/x at 0): the domain has
    no minimum to record. (A minimum at an edge or a cusp, like sqrt(x) at 0, has an infinite slope
    too, but the grid already comes close to its value.)"""
    f, g = values_at(code, np.array(point))
    finite = grid.f[np.isfinite(grid.f)]
    low = float(finite.min())
    rise = float(np.percentile(finite, 95)) - low
    steep = not float(np.hypot(*g)) * scale <= 1e6 * (1.0 + rise)  # also when the slope is inf
    if steep and float(f) < low - rise:
        where = f"({point[0]:.4g}, {point[1]:.4g})"
        raise error(
            f"f seems to have no minimum on the domain: it falls without bound near {where}; "
            "choose a domain that leaves that point out, or give the minima"
        )


# Preferred starts relative to the domain (-1 to 1 on each axis): like the built-in surfaces',
# well away from the centre, since a centred domain usually has its minimum at the centre.
_START_OFFSETS = ((-0.7, 0.6), (0.7, 0.6), (-0.7, -0.6), (0.7, -0.6), (0.0, 0.6), (-0.7, 0.0))


def _round_to(value: float, size: float) -> float:
    """value rounded to about a thousandth of `size` (so -2.0999999999999996 reads -2.1)."""
    step = 10.0 ** math.floor(math.log10(size) - 2)
    return float(f"{round(value / step) * step:.12g}")


def choose_start(
    code: np.ndarray,
    grid: Grid,
    box: Box,
    minima: Sequence[tuple[float, float]],
    error: type[ValueError] = ValueError,
) -> tuple[float, float]:
    """A start away from the minima where f and its gradient are finite and the gradient is not 0:
    the first such preferred start, else the usable grid point nearest the first of them. Raises
    `error` when no grid point is usable."""
    (x0, x1), (y0, y1) = box
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    scale = math.hypot(rx, ry)
    for ox, oy in _START_OFFSETS:
        point = (_round_to(cx + ox * rx, rx), _round_to(cy + oy * ry, ry))
        f, g = values_at(code, np.array(point))
        usable = np.isfinite(f) and np.isfinite(g).all() and np.hypot(*g) > 0
        if usable and all(math.dist(point, m) > 0.1 * scale for m in minima):
            return point
    usable = grid.usable
    if not usable.any():
        raise error(f"f or its gradient is not finite anywhere on a {GRID}x{GRID} grid over the domain")
    # Else the usable grid point nearest the first preferred start.
    target = (cx + _START_OFFSETS[0][0] * rx, cy + _START_OFFSETS[0][1] * ry)
    d = np.where(usable, np.hypot((grid.x - target[0]) / rx, (grid.y - target[1]) / ry), np.inf)
    i, j = np.unravel_index(int(np.argmin(d)), d.shape)
    return float(grid.x[i, j]), float(grid.y[i, j])
