"""A typed formula as a Surface, usable wherever a built-in surface is: its domain, its minima
(given, or estimated by `surfaces.minima`), a start, the noise spread and the colour scale."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from surfaces import program
from surfaces.formula.build import parse_formula
from surfaces.formula.parse import FormulaError
from surfaces.minima import GRID, Box, Grid, choose_start, estimate_minima, inside, values_at
from surfaces.ranges import finite_number
from surfaces.surface import Surface

DEFAULT_DOMAIN = ((-3.0, 3.0), (-3.0, 3.0))


def _finite_number(name: str, value: object) -> float:
    return finite_number(name, value, FormulaError)


def _pair(name: str, value: object) -> tuple[float, float]:
    try:
        a, b = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise FormulaError(f"{name} must be a pair of numbers, got {value!r}") from None
    return _finite_number(name, a), _finite_number(name, b)


def _domain(domain: object) -> Box:
    try:
        xs, ys = domain  # type: ignore[misc]
    except (TypeError, ValueError):
        raise FormulaError(f"domain must be ((x_min, x_max), (y_min, y_max)), got {domain!r}") from None
    box = (_pair("domain x range", xs), _pair("domain y range", ys))
    for axis, (lo, hi) in zip("xy", box, strict=True):
        if not lo < hi:
            raise FormulaError(f"the domain's {axis} range must have min < max, got ({lo:g}, {hi:g})")
        if max(abs(lo), abs(hi)) > 1e6 or hi - lo < 1e-6:
            raise FormulaError(f"the domain's {axis} range must lie within ±1e6 and be at least 1e-6 wide")
    return box


def _given_points(code: np.ndarray, box: Box, minima: object) -> tuple[tuple[float, float], ...]:
    try:
        items = list(minima)  # type: ignore[call-overload]
    except TypeError:
        raise FormulaError(f"minima must be a list of (x, y) pairs, got {minima!r}") from None
    if not 1 <= len(items) <= 64:
        raise FormulaError(f"minima must list 1 to 64 points, got {len(items)}")
    points = tuple(_pair("a minimum", item) for item in items)
    for point in points:
        if not inside(point, box):
            raise FormulaError(f"the minimum {point} is outside the domain")
        if not np.isfinite(values_at(code, np.array(point))[0]):
            raise FormulaError(f"f is not finite at the minimum {point}")
    return points


def _given_start(code: np.ndarray, box: Box, start: object) -> tuple[float, float]:
    point = _pair("start", start)
    if not inside(point, box):
        raise FormulaError(f"the start {point} is outside the domain")
    f, g = values_at(code, np.array(point))
    if not (np.isfinite(f) and np.isfinite(g).all()):
        raise FormulaError(f"f or its gradient is not finite at the start {point}")
    return point


def _nice(value: float) -> float:
    """One significant digit."""
    return float(f"{value:.0e}")


def _spread_and_colour(grid: Grid, fmin: float) -> tuple[float, bool]:
    """The default noise spread (a tenth of the median gradient, as for most built-in surfaces) and
    whether to colour by log(f - min): when f rises far above its typical values over part of the
    domain (the 95th percentile of f - min is over 30 times its 25th, as for Rosenbrock's and
    Beale's functions), a linear scale shows nothing but that part."""
    usable = grid.usable
    if not usable.any():
        return 1.0, False
    norm = np.hypot(grid.gx[usable], grid.gy[usable])
    spread = float(np.clip(_nice(0.1 * float(np.median(norm)) or 1.0), 1e-3, 1e3))
    rise = grid.f[usable] - min(fmin, float(grid.f[usable].min()))
    p25, p95 = np.percentile(rise, [25, 95])
    return spread, bool(p95 > 30.0 * p25)


_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def from_formula(
    text: str,
    *,
    domain: Box = DEFAULT_DOMAIN,
    minima: Sequence[tuple[float, float]] | None = None,
    start: tuple[float, float] | None = None,
    name: str = "custom",
) -> Surface:
    """A surface from a typed formula f(x, y), usable wherever a built-in surface is.

    The gradient is exact (symbolic). When `minima` is None they are estimated numerically: the
    lowest local minima of a 201 x 201 grid, polished by Newton and descent steps; all minima of
    the lowest value found are kept. These are estimates, and the grid can miss a minimum narrower
    than its spacing. With `start` None, the start is a point where f and its gradient are finite,
    preferably about 70% of the way from the centre toward the upper left, away from the minima.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise FormulaError(f"name must be 1 to 64 letters, digits, '_' or '-', got {name!r}")
    formula = parse_formula(text)  # first: hostile text is refused before any numerical work
    code = np.asarray(formula.program)
    box = _domain(domain)
    grid = Grid.over(code, box)
    if minima is None:
        if not np.isfinite(grid.f).any():
            raise FormulaError(f"f is not finite anywhere on a {GRID}x{GRID} grid over the domain")
        points, fmin = estimate_minima(code, grid, box, FormulaError)
        how = "estimated numerically (grid search, then Newton steps)"
    else:
        points = _given_points(code, box, minima)
        fmin = min(float(values_at(code, np.array(p))[0]) for p in points)
        how = "as given"
    if start is None:
        start_xy = choose_start(code, grid, box, points, FormulaError)
    else:
        start_xy = _given_start(code, box, start)
    spread, log_color = _spread_and_colour(grid, fmin)
    tags = ["custom"]
    if formula.uses & {"abs", "sign"}:
        tags.append("non-smooth")
    if not grid.usable.all():
        tags.append("partly undefined")  # f or its gradient is NaN or inf somewhere on the grid
    title = formula.text if len(formula.text) <= 60 else formula.text[:57] + "..."
    return Surface(
        name=name,
        title=f"Custom: {title}",
        function=program.value_grad,
        params=formula.program,
        domain=box,
        minima=points,
        min_value=fmin,
        start=start_xy,
        latex=f"f(x, y) = {formula.latex}",
        formula=formula.text,
        gradient_latex=formula.gradient_latex,
        tags=tuple(tags),
        group="custom",
        log_color=log_color,
        spread=spread,
        description=(
            f"A typed formula, f(x, y) = {formula.text}, with its exact gradient (differentiated "
            f"symbolically). Minima {how}."
        ),
    )
