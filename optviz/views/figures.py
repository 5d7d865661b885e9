"""What every view of a race shows, defined once: the colour scale (its bands, its continuous ramp,
its ticks and labels), the banded contour picture with its lines, the 3-D mesh and its light, tick
values and labels of every axis, titles, marker sizes, the divergence note.

Pure functions of a surface or a `Race`; nothing here knows Streamlit or a browser. The player
(`optviz.views.player`) sends these values to the browser, which draws with them and computes none of
them again; the video frames (`optviz.export.render`) draw with the same values in matplotlib.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from optviz.api import evaluate
from optviz.engine.optimizers import OPTIMIZERS
from optviz.racing import Race, Runner
from optviz.views.style import colormap, darker, hex_to_rgb
from surfaces import Surface
from surfaces.surface import SurfaceKey

BANDS = 18  # filled contour bands; their edges are the contour lines
IMAGE_SIZE = 640  # pixels of the contour image along each axis
MESH_SIZE = 48  # grid points of the 3-D surface along each axis
LOG_FLOOR = 1e-7  # the log colour scale starts this far (relative to the range) above the minimum
LINEAR_TOP = 0.97  # linear scales stop at this quantile, so a few steep corners do not flatten the rest
CURVE_FLOOR = 1e-30  # exact zeros (a run that hit the minimum) on log axes

TRAIL_WIDTH = 2.5
CASING_WIDTH = 3.0  # how much wider a path's casing is than the path (optviz.views.style.casing)
HEAD_SIZE = 11
START_SIZE = 10
END_SIZE = 14
MINIMUM_SIZE = 15
FONT_SIZE = 14
CAMERA = (-55.0, 32.0)  # 3-D view: azimuth and elevation in degrees, shared with the player
Z_ASPECT = 0.65  # 3-D box: height over width (x and y span the same width)
LIFT = 0.015  # 3-D: paths and marks sit this share of the height scale above the surface
LIGHT = (-0.3, -0.4, 1.0)  # 3-D: where the light comes from (x, y, up), fixed to the surface
SHADE_FLOOR = 0.72  # 3-D: a face turned away from the light keeps this share of its colour
MINIMUM_COLOR = "#ffffff"
MINIMUM_EDGE = "#222222"
RING_COLOR = "#ffffff"  # the ring around a head
AXIS_COLOR = "rgba(100,100,110,0.9)"
GRID_COLOR = "rgba(128,128,140,0.22)"
TEXT_COLOR = "#222222"  # text where no theme sets it (the video frames)
UNDEFINED_COLOR = "#d9d9d9"  # where a typed formula is undefined
DIVERGED_NOTE = "diverged at step {step}"


# -------------------------------------------------------------------------------------- the scale


def _superscript(n: int) -> str:
    digits = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    return str(n).translate(digits)


def format_number(v: float) -> str:
    """Compact tick text: 0.001 -> '0.001', 12000 -> '1.2e4', 1e-7 -> '1e-7'."""
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    a = abs(v)
    if 1e-3 <= a < 1e5:
        return f"{v:.4g}"
    mantissa, exponent = f"{v:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def decade_label(k: int) -> str:
    """10^k as tick text."""
    return {0: "1", 1: "10", 2: "100"}.get(k, f"10{_superscript(k)}")


def _tick_step(low: float, high: float, count: int) -> float:
    """The step of 1, 2 or 5 x 10^k nearest (in ratio) the spacing of `count` ticks over [low, high]."""
    raw = (high - low) / max(1, count - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    return min((m * power for m in (1, 2, 5, 10)), key=lambda s: abs(math.log(s / raw)))


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 x 10^k, the one nearest the wanted spacing) in [low, high]."""
    if not high > low:
        return [low]
    step = _tick_step(low, high, count)
    ticks = []
    v = math.ceil(low / step - 1e-9) * step
    while v <= high + 1e-9 * step:
        ticks.append(0.0 if abs(v) < step * 1e-9 else round(v, 12))
        v += step
    return ticks


MOST_TICKS = 16  # the densest axis a view asks for


@functools.lru_cache(maxsize=256)
def tick_ladder(low: float, high: float) -> dict[str, list]:
    """Every tick set an axis over [low, high] may show, for a browser that chooses by the room it has:
    `rungs` are lists of (value, label), `pick[count]` the index of `nice_ticks(low, high, count)`'s
    rung, for counts 0 to MOST_TICKS."""
    rungs: list[list[tuple[float, str]]] = []
    pick: list[int] = []
    for count in range(MOST_TICKS + 1):
        rung = [(v, format_number(v)) for v in nice_ticks(low, high, count)]
        if rung not in rungs:
            rungs.append(rung)
        pick.append(rungs.index(rung))
    return {"rungs": [[[v, label] for v, label in rung] for rung in rungs], "pick": pick}


def decade_ticks(low: float, high: float, most: int) -> list[tuple[float, str]]:
    """Ticks at whole decades k (10^k) in [low, high], every one or every few so at most `most` show."""
    decades = range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1)
    every = max(1, math.ceil(len(decades) / most))
    return [(float(k), decade_label(k)) for k in decades if k % every == 0]


def decade_ladder(low: float, high: float, most: int) -> dict[str, list]:
    """`tick_ladder` for a log axis: `pick[count]` is the rung of `decade_ticks(low, high, count)`, at
    most `most`, so a short curve panel labels every few decades and a tall one more of them."""
    rungs: list[list[tuple[float, str]]] = []
    pick: list[int] = []
    for count in range(MOST_TICKS + 1):
        rung = decade_ticks(low, high, min(most, max(1, count)))
        if rung not in rungs:
            rungs.append(rung)
        pick.append(rungs.index(rung))
    return {"rungs": [[[v, label] for v, label in rung] for rung in rungs], "pick": pick}


@dataclass(frozen=True)
class ColorScale:
    """How loss values map to colours (and to height in 3-D): f itself, or log10 of f - f*.

    `low` and `high` are in transformed units; values outside are clipped to the end bands.
    """

    log: bool
    offset: float  # f* (log scales show f - f*)
    floor: float  # the smallest gap a log scale tells apart
    low: float
    high: float
    bands: int = BANDS

    def transform(self, f: np.ndarray | float) -> np.ndarray:
        f = np.asarray(f, dtype=np.float64)
        if self.log:
            return np.log10(np.maximum(f - self.offset, 0.0) + self.floor)
        return f

    def clip(self, t: np.ndarray | float) -> np.ndarray:
        return np.clip(t, self.low, self.high)

    def unit(self, f: np.ndarray | float) -> np.ndarray:
        """Position on the scale in [0, 1]."""
        return (self.clip(self.transform(f)) - self.low) / (self.high - self.low)

    def band_of(self, f: np.ndarray) -> np.ndarray:
        return np.minimum((self.unit(f) * self.bands).astype(np.int64), self.bands - 1)

    def band_colors(self) -> list[str]:
        return [colormap((i + 0.5) / self.bands) for i in range(self.bands)]

    @property
    def title(self) -> str:
        return "f − f* (log)" if self.log else "f(x, y)"

    def ticks(self) -> list[tuple[float, str]]:
        """Tick positions in transformed units with labels in loss units."""
        if self.log:
            return decade_ticks(self.low, self.high, 7)
        return [(v, format_number(v)) for v in nice_ticks(self.low, self.high)]


def color_scale(surface: Surface) -> ColorScale:
    return _color_scale(SurfaceKey.of(surface))


# ------------------------------------------------------------------------------- surface sampling


def _grid(surface: Surface, nx: int, ny: int, centred: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (nx,), y (ny,) and f (ny, nx) over the domain; `centred` samples pixel centres."""
    (x0, x1), (y0, y1) = surface.domain
    if centred:
        x = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
        y = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    else:
        x = np.linspace(x0, x1, nx)
        y = np.linspace(y0, y1, ny)
    X, Y = np.meshgrid(x, y)
    f, _, _ = evaluate(surface, X, Y)
    return x, y, f


@functools.lru_cache(maxsize=32)
def _color_scale(key: SurfaceKey) -> ColorScale:
    _, _, f = _grid(key.surface, 200, 200, centred=False)
    f = f[np.isfinite(f)]
    offset = float(key.surface.min_value)
    if key.surface.log_color:
        span = max(float(f.max()) - offset, 1e-300)
        floor = span * LOG_FLOOR
        low = math.log10(floor)
        high = math.log10(span + floor)
        return ColorScale(True, offset, floor, low, high)
    low = min(float(f.min()), offset)
    high = float(np.quantile(f, LINEAR_TOP))
    if not high > low:
        high = low + 1.0
    return ColorScale(False, offset, 0.0, low, high)


@dataclass(frozen=True, eq=False)  # compared (and cached) by identity: one per surface and size
class BandImage:
    """The contour as band numbers per pixel (0 = lowest loss); row 0 is the top of the domain (largest
    y) and the image covers the domain exactly. A pixel whose band differs from its right or lower
    neighbour lies on a contour line and is drawn in its band's darker colour."""

    bands: np.ndarray  # (size, size) uint8
    colors: tuple[str, ...]  # one per band

    @property
    def palette(self) -> tuple[str, ...]:
        """Band colours, then their darker line colours."""
        return self.colors + tuple(darker(c) for c in self.colors)

    @property
    def indices(self) -> np.ndarray:
        """Palette index per pixel: the band, plus the number of bands on contour lines."""
        b = self.bands
        line = np.zeros(b.shape, dtype=bool)
        line[:, :-1] |= b[:, :-1] != b[:, 1:]
        line[:-1, :] |= b[:-1, :] != b[1:, :]
        return (b + np.where(line, len(self.colors), 0)).astype(np.uint8)

    def rgb(self) -> np.ndarray:
        """The picture as (size, size, 3) RGB bytes."""
        palette = np.array([hex_to_rgb(c) for c in self.palette], dtype=np.uint8)
        return palette[self.indices]

    def runs(self) -> bytes:
        """The palette indices (bands and lines) run-length coded, (index, count <= 255) byte pairs along
        the rows: a browser paints this synchronously, where decoding a PNG waits behind whatever else
        the page is doing."""
        flat = self.indices.ravel()
        starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
        lengths = np.diff(np.r_[starts, flat.size])
        pieces = -(-lengths // 255)  # runs longer than 255 are split
        values = np.repeat(flat[starts], pieces)
        counts = np.full(values.size, 255, dtype=np.int64)
        counts[np.cumsum(pieces) - 1] = lengths - 255 * (pieces - 1)
        return np.column_stack([values, counts]).astype(np.uint8).tobytes()


@functools.lru_cache(maxsize=16)
def _band_image(key: SurfaceKey, size: int) -> BandImage:
    scale = _color_scale(key)
    _, _, f = _grid(key.surface, size, size, centred=True)
    finite = np.isfinite(f)
    # Where the surface is undefined (a typed log, sqrt or 1/x) the map shows a band of its own.
    bands = np.where(finite, scale.band_of(np.where(finite, f, scale.high)), scale.bands)
    bands = bands[::-1].astype(np.uint8)
    bands.flags.writeable = False
    colors = tuple(scale.band_colors())
    return BandImage(bands, (*colors, UNDEFINED_COLOR) if not finite.all() else colors)


def band_image(surface: Surface, size: int = IMAGE_SIZE) -> BandImage:
    """The filled, banded contour of the surface over its domain with its contour lines."""
    return _band_image(SurfaceKey.of(surface), size)


@functools.lru_cache(maxsize=16)
def _mesh(key: SurfaceKey, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, y, f = _grid(key.surface, size, size, centred=False)
    scale = _color_scale(key)
    z = scale.clip(scale.transform(np.where(np.isfinite(f), f, np.inf)))
    for a in (x, y, z):
        a.flags.writeable = False
    return x, y, z


def surface_mesh(surface: Surface, size: int = MESH_SIZE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (n,), y (n,) and the height z (n, n) shown in 3-D: the colour scale's transformed loss."""
    return _mesh(SurfaceKey.of(surface), size)


@functools.lru_cache(maxsize=16)
def _mesh_colors(key: SurfaceKey, size: int) -> np.ndarray:
    _, _, z = _mesh(key, size)
    scale = _color_scale(key)
    unit = (np.asarray(z) - scale.low) / (scale.high - scale.low)
    rgb = np.array([hex_to_rgb(colormap(t)) for t in unit.ravel()], dtype=np.float64).reshape(size, size, 3)
    # Normals in the box as drawn: x and y span 2 over size - 1 steps, the height 2 * Z_ASPECT.
    step = 2.0 / (size - 1)
    gy, gx = np.gradient(unit * 2.0 * Z_ASPECT, step)
    light = np.asarray(LIGHT) / np.linalg.norm(LIGHT)
    lit = (-gx * light[0] - gy * light[1] + light[2]) / np.sqrt(gx**2 + gy**2 + 1.0)
    shade = SHADE_FLOOR + (1.0 - SHADE_FLOOR) * np.clip(lit, 0.0, 1.0)
    out = np.rint(rgb * shade[..., None]).astype(np.uint8)
    out.flags.writeable = False
    return out


def mesh_colors(surface: Surface, size: int = MESH_SIZE) -> np.ndarray:
    """Each 3-D mesh vertex's colour (size, size, 3 RGB bytes; rows along y): the colour scale's
    continuous colour at its height (bands drawn face by face would look like terraces), lit from
    LIGHT, a direction fixed to the surface, with SHADE_FLOOR the share a slope turned away from it
    keeps. The player shades smoothly between them; the video frames colour each face by its corners."""
    return _mesh_colors(SurfaceKey.of(surface), size)


# ------------------------------------------------------------------------------------ race values


def axis_titles(surface: Surface) -> tuple[str, str]:
    """A data-fitting surface's coordinates are the model's weights."""
    if surface.data is not None:
        return "w₀ (intercept)", "w₁ (slope)"
    return "x", "y"


@dataclass(frozen=True)
class Series:
    """What the views draw of one run besides its iterates, each array floored for log axes."""

    gap: np.ndarray  # f(w) - f* per iterate
    distance: np.ndarray  # from each iterate to the nearest global minimum
    heights: np.ndarray  # the iterates on the 3-D view's surface


class _RunMemo:
    """Series made once per run and surface. A race that reruns one competitor (a slider being
    dragged) keeps the others' runs (optviz.racing), and with them their series. Keyed on the run's
    identity, which the entry keeps alive so the key cannot be reused."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self.items: OrderedDict[tuple, tuple[object, Series]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, race: Race, runner: Runner) -> Series:
        t = runner.trajectory
        key = (id(t), race.surface.identity)
        with self.lock:
            hit = self.items.get(key)
            if hit is not None and hit[0] is t:
                self.items.move_to_end(key)
                return hit[1]
        s = race.surface
        made = Series(
            gap=np.maximum(t.loss - s.min_value, CURVE_FLOOR),
            distance=np.maximum(s.distance_to_minimum(t.xy), CURVE_FLOOR),
            heights=mesh_heights(s, t.xy),
        )
        for a in (made.gap, made.distance, made.heights):
            a.flags.writeable = False
        with self.lock:
            self.items[key] = (t, made)
            while len(self.items) > self.entries:
                self.items.popitem(last=False)
        return made


SERIES_ENTRIES = 256
_series = _RunMemo(SERIES_ENTRIES)


def series(race: Race, runner: Runner) -> Series:
    return _series.get(race, runner)


def loss_gap(race: Race, runner: Runner) -> np.ndarray:
    """f(w) - f* per iterate, floored so that exact zeros stay on a log axis."""
    return series(race, runner).gap


def distance(race: Race, runner: Runner) -> np.ndarray:
    """Distance from each iterate to the nearest global minimum, floored for log axes."""
    return series(race, runner).distance


def draw_order(race: Race) -> list[int]:
    """The runners' indices in the order their paths are drawn: the noisier a runner's gradient
    (one example, then a batch, then all of them), the earlier, so a smooth path is never buried
    under a jagged one that follows it; otherwise in race order, later on top."""

    def noise(i: int) -> tuple[int, int]:
        batch = race.runners[i].trajectory.settings.batch_size  # None: every example
        return (1, 0) if batch is None else (0, batch)

    return sorted(range(len(race.runners)), key=noise)


def is_adaptive(runner: Runner) -> bool:
    return OPTIMIZERS[runner.competitor.optimizer].adaptive


def last_shown(runner: Runner, step: int) -> int:
    """The iterate drawn as the head at `step`: a diverged run stops at its last good iterate."""
    d = runner.trajectory.diverged_at
    return step if d is None else min(step, d - 1)


def has_diverged_by(runner: Runner, step: int) -> bool:
    d = runner.trajectory.diverged_at
    return d is not None and step >= d


def trail_start(step: int, trail: int | None) -> int:
    return 0 if trail is None else max(0, step - trail)


@dataclass(frozen=True)
class Titles:
    contour: str
    surface: str
    loss: str
    distance: str
    rate: str
    x: str
    y: str
    z: str
    step: str = "step"
    loss_axis: str = "f(w) − f*"
    distance_axis: str = "distance ‖w − w*‖"
    rate_axis: str = "η / √(G + ε)"


def titles(race: Race) -> Titles:
    s = race.surface
    x, y = axis_titles(s)
    return Titles(
        contour=f"{s.title}: paths on the contour map",
        surface=f"{s.title} in 3-D",
        loss="Loss above the minimum (log scale)",
        distance="Distance to the nearest minimum (log scale)",
        rate="Effective learning rate per coordinate (adaptive methods)",
        x=x,
        y=y,
        z="log₁₀(f − f*)" if color_scale(s).log else "f(x, y)",
    )


# ------------------------------------------------------------------------------------ curve axes

CURVE_DECADES = 16  # a log axis shows at most this many decades below its top
CURVE_HEADROOM = 2  # decades above the runs that did not diverge, for those that did
CURVE_TICKS = 6  # at most this many decades are labelled


@dataclass(frozen=True)
class LogAxis:
    """A log axis: `low` and `high` in decades (log10), ticks at whole decades with their labels."""

    low: float
    high: float
    ticks: tuple[tuple[float, str], ...]


def log_axis(series: Iterable[tuple[np.ndarray, bool]]) -> LogAxis:
    """The axis for curves given as (values, diverged): it fits the runs that did not diverge, with
    CURVE_HEADROOM decades more for those that did (a blow-up to 1e15 would flatten every other curve,
    so diverged curves leave through the top), and at most CURVE_DECADES decades."""

    def span(values: list[np.ndarray]) -> tuple[float, float]:
        logs = [np.log10(v[(v > 0) & np.isfinite(v)]) for v in values]
        logs = [a for a in logs if a.size]
        if not logs:
            return math.inf, -math.inf
        return min(float(a.min()) for a in logs), max(float(a.max()) for a in logs)

    pairs = list(series)
    every = [np.asarray(v, dtype=np.float64) for v, _ in pairs]
    steady = [np.asarray(v, dtype=np.float64) for v, diverged in pairs if not diverged]
    lo, hi = span(steady or every)
    if steady and len(steady) < len(every):
        hi = min(span(every)[1], hi + CURVE_HEADROOM)
    if not math.isfinite(lo):
        lo, hi = -1.0, 1.0
    lo = max(lo, hi - CURVE_DECADES)  # a run that reaches the minimum exactly would stretch the axis
    if hi - lo < 1:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.04
    lo, hi = lo - pad, hi + pad
    return LogAxis(lo, hi, tuple(decade_ticks(lo, hi, CURVE_TICKS)))


def _shown(runner: Runner, values: np.ndarray) -> np.ndarray:
    """A curve up to the runner's last good iterate (the rows after a divergence repeat it)."""
    d = runner.trajectory.diverged_at
    return values if d is None else values[:d]


def rates_shown(runner: Runner) -> np.ndarray:
    """The effective learning rates (updates, 2) up to the last good update, floored for a log axis."""
    rate = runner.trajectory.rate
    d = runner.trajectory.diverged_at
    n = rate.shape[0] if d is None else max(0, d - 1)
    return np.maximum(rate[:n], CURVE_FLOOR)


def curve_axes(race: Race) -> dict[str, LogAxis]:
    """The log axes of the loss, distance and learning-rate curves, over every runner."""

    def diverged(r: Runner) -> bool:
        return r.trajectory.diverged_at is not None

    adaptive = [r for r in race.runners if is_adaptive(r)]
    return {
        "loss": log_axis((_shown(r, loss_gap(race, r)), diverged(r)) for r in race.runners),
        "distance": log_axis((_shown(r, distance(race, r)), diverged(r)) for r in race.runners),
        "rate": log_axis((rates_shown(r)[:, c], diverged(r)) for r in adaptive for c in (0, 1)),
    }


# ------------------------------------------------------------------------------------------- 3-D


def mesh_heights(surface: Surface, xy: np.ndarray) -> np.ndarray:
    """Heights of points on the drawn 3-D surface: the mesh interpolated bilinearly (clamped at its edges).

    Paths and minima sit on this, not at their true loss: near a minimum a log scale falls far below
    the mesh's nearest vertices, and a path drawn at its loss would dive through the drawn surface.
    """
    x, y, z = surface_mesh(surface)
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    fx = np.interp(xy[:, 0], x, np.arange(x.size))
    fy = np.interp(xy[:, 1], y, np.arange(y.size))
    i = np.minimum(fx.astype(np.int64), x.size - 2)
    j = np.minimum(fy.astype(np.int64), y.size - 2)
    tx = fx - i
    ty = fy - j
    bottom = z[j, i] * (1 - tx) + z[j, i + 1] * tx
    top = z[j + 1, i] * (1 - tx) + z[j + 1, i + 1] * tx
    return bottom * (1 - ty) + top * ty


def heights(race: Race, runner: Runner) -> np.ndarray:
    """The runner's iterates on the 3-D view's surface."""
    return series(race, runner).heights
