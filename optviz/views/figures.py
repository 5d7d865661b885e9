"""Figures of a race: the contour view, the 3-D view and the loss / distance / learning-rate curves.

Pure functions of a `Race` and a step that return complete static plotly figures; nothing here knows
Streamlit, so the app's player, the exporter and the tests share one definition of what each view
shows: titles, axis labels, the colour scale, one colour per runner, the end marker of a diverged run.

The contour is drawn as an image (`contour_image`) under the paths rather than as a contour trace:
plotly.js drops contour and heatmap traces when an animation starts or its slider moves, and the
player draws the same image, so every view of a surface looks the same.
"""

from __future__ import annotations

import base64
import functools
import math
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from optviz.api import evaluate
from optviz.engine.optimizers import OPTIMIZERS
from optviz.racing import Race, Runner
from optviz.views.style import colormap, darker, hex_to_rgb
from surfaces import Surface

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
MINIMUM_COLOR = "#ffffff"
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


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 x 10^k, the one nearest the wanted spacing) in [low, high]."""
    if not high > low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 5, 10)), key=lambda s: abs(math.log(s / raw)))
    ticks = []
    v = math.ceil(low / step - 1e-9) * step
    while v <= high + 1e-9 * step:
        ticks.append(0.0 if abs(v) < step * 1e-9 else round(v, 12))
        v += step
    return ticks


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

    def plotly_colorscale(self) -> list[list[float | str]]:
        """The banded scale as a plotly colorscale (two stops per band keeps the bands sharp)."""
        scale: list[list[float | str]] = []
        for i, color in enumerate(self.band_colors()):
            scale.append([i / self.bands, color])
            scale.append([(i + 1) / self.bands, color])
        return scale

    @property
    def title(self) -> str:
        return "f − f* (log)" if self.log else "f(x, y)"

    def ticks(self) -> list[tuple[float, str]]:
        """Tick positions in transformed units with labels in loss units."""
        if self.log:
            decades = range(math.ceil(self.low), math.floor(self.high) + 1)
            every = max(1, math.ceil(len(decades) / 7))
            return [(float(k), decade_label(k)) for k in decades if k % every == 0]
        return [(v, format_number(v)) for v in nice_ticks(self.low, self.high)]


def color_scale(surface: Surface) -> ColorScale:
    return _color_scale(SurfaceKey.of(surface))


# ------------------------------------------------------------------------------- surface sampling


@dataclass(frozen=True)
class SurfaceKey:
    """A hashable handle on a surface for the caches (Surface itself holds a dict): equal exactly when
    the surfaces compute the same thing (`Surface.identity`)."""

    identity: tuple
    surface: Surface = field(compare=False, hash=False, repr=False)

    @staticmethod
    def of(surface: Surface) -> SurfaceKey:
        return SurfaceKey(surface.identity, surface)


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


def _png(indices: np.ndarray, palette: Sequence[str]) -> bytes:
    """A palette PNG (one byte per pixel): banded images compress to a few tens of kB."""
    height, width = indices.shape
    raw = np.zeros((height, width + 1), dtype=np.uint8)  # a zero filter byte starts each row
    raw[:, 1:] = indices

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    plte = b"".join(bytes(hex_to_rgb(c)) for c in palette)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", plte)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 9))
        + chunk(b"IEND", b"")
    )


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

    def png(self) -> bytes:
        return _png(self.indices, self.palette)

    def runs(self) -> bytes:
        """The bands run-length coded, (band, count <= 255) byte pairs along the rows: a browser paints
        this synchronously (and finds the lines itself), where decoding a PNG waits behind whatever
        else the page is doing."""
        flat = self.bands.ravel()
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
def _contour_image(key: SurfaceKey, size: int) -> str:
    return "data:image/png;base64," + base64.b64encode(_band_image(key, size).png()).decode("ascii")


def contour_image(surface: Surface, size: int = IMAGE_SIZE) -> str:
    """`band_image` as a PNG data URI (for a plotly layout image)."""
    return _contour_image(SurfaceKey.of(surface), size)


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


# ------------------------------------------------------------------------------------ race values


def axis_titles(surface: Surface) -> tuple[str, str]:
    """A data-fitting surface's coordinates are the model's weights."""
    if surface.data is not None:
        return "w₀ (intercept)", "w₁ (slope)"
    return "x", "y"


def loss_gap(race: Race, runner: Runner) -> np.ndarray:
    """f(w) - f* per iterate, floored so that exact zeros stay on a log axis."""
    return np.maximum(runner.trajectory.loss - race.surface.min_value, CURVE_FLOOR)


def distance(race: Race, runner: Runner) -> np.ndarray:
    """Distance from each iterate to the nearest global minimum, floored for log axes."""
    return np.maximum(race.surface.distance_to_minimum(runner.trajectory.xy), CURVE_FLOOR)


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


def runner_label(runner: Runner) -> str:
    """The legend entry: the label, with the divergence note where there is one."""
    d = runner.trajectory.diverged_at
    return runner.label if d is None else f"{runner.label} ({DIVERGED_NOTE.format(step=d)})"


def last_shown(runner: Runner, step: int) -> int:
    """The iterate drawn as the head at `step`: a diverged run stops at its last good iterate."""
    d = runner.trajectory.diverged_at
    return step if d is None else min(step, d - 1)


def has_diverged_by(runner: Runner, step: int) -> bool:
    d = runner.trajectory.diverged_at
    return d is not None and step >= d


def trail_start(step: int, trail: int | None) -> int:
    return 0 if trail is None else max(0, step - trail)


def _steps(race: Race) -> int:
    return race.settings.steps if not race.runners else race.runners[0].trajectory.steps


def _step(race: Race, step: int | None) -> int:
    steps = _steps(race)
    return steps if step is None else max(0, min(int(step), steps))


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


# ------------------------------------------------------------------------------------------ style


def _base_layout(title: str, height: int | None) -> dict:
    return {
        "title": {"text": title, "x": 0.02, "xanchor": "left", "font": {"size": FONT_SIZE + 3}},
        "font": {"size": FONT_SIZE},
        "template": "plotly_white",
        "height": height,
        "margin": {"l": 64, "r": 24, "t": 56, "b": 56},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0.0},
    }


def _at_step(race: Race, step: int | None, title: str) -> str:
    return f"{title} — step {_step(race, step)} of {_steps(race)}"


# ---------------------------------------------------------------------------------------- contour


def _colorbar_trace(scale: ColorScale) -> go.Scatter:
    """An invisible trace that carries the colour bar (the contour itself is an image)."""
    ticks = scale.ticks()
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "color": [scale.low, scale.high],
            "cmin": scale.low,
            "cmax": scale.high,
            "colorscale": scale.plotly_colorscale(),
            "showscale": True,
            "colorbar": {
                "title": {"text": scale.title},
                "tickvals": [t for t, _ in ticks],
                "ticktext": [label for _, label in ticks],
                "thickness": 14,
            },
        },
    )


def _minima_trace(surface: Surface) -> go.Scatter:
    m = np.asarray(surface.minima)
    return go.Scatter(
        x=m[:, 0],
        y=m[:, 1],
        mode="markers",
        name="global minimum",
        marker={
            "symbol": "star",
            "size": MINIMUM_SIZE,
            "color": MINIMUM_COLOR,
            "line": {"color": "#222222", "width": 1.5},
        },
        hovertemplate="minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
    )


def _point(runner: Runner, x: float, y: float, marker: dict, **extra: object) -> go.Scatter:
    """One marker of a runner (its start, head or end), grouped with its trail in the legend."""
    options: dict[str, object] = {"mode": "markers", **extra}
    return go.Scatter(
        x=[x],
        y=[y],
        legendgroup=runner.label,
        showlegend=False,
        marker={"color": runner.color, **marker},
        **options,
    )


def _runner_traces_2d(race: Race, runner: Runner, step: int, trail: int | None) -> list[go.Scatter]:
    """Trail, start (open circle) and head; a run that diverged ends in an X with its note instead."""
    xy = runner.trajectory.xy
    head = last_shown(runner, step)
    path = xy[trail_start(head, trail) : head + 1]
    trail_trace = go.Scatter(
        x=path[:, 0],
        y=path[:, 1],
        mode="lines",
        name=runner_label(runner),
        legendgroup=runner.label,
        line={"color": runner.color, "width": TRAIL_WIDTH},
        hovertemplate=f"{runner.label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
    )
    start = _point(
        runner,
        xy[0, 0],
        xy[0, 1],
        {"symbol": "circle-open", "size": START_SIZE, "line": {"width": 2}},
        hovertemplate=f"{runner.label}: start (%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
    )
    if has_diverged_by(runner, step):
        end = _point(
            runner,
            xy[head, 0],
            xy[head, 1],
            {"symbol": "x", "size": END_SIZE, "line": {"width": 1, "color": "#ffffff"}},
            mode="markers+text",
            text=[DIVERGED_NOTE.format(step=runner.trajectory.diverged_at)],
            textposition="top center",
            textfont={"color": runner.color},
            hoverinfo="text",
        )
    else:
        gap = format_number(float(loss_gap(race, runner)[head]))
        end = _point(
            runner,
            xy[head, 0],
            xy[head, 1],
            {"symbol": "circle", "size": HEAD_SIZE, "line": {"color": "#ffffff", "width": 1.5}},
            hovertemplate=(
                f"{runner.label}: step {head}<br>(%{{x:.4g}}, %{{y:.4g}})<br>f − f* = {gap}<extra></extra>"
            ),
        )
    return [trail_trace, start, end]


def _arrows(race: Race, step: int) -> list[dict]:
    """Per runner, from its head: the descent direction -grad (thin, open head) and the update it took.

    Both have one fixed length on screen: their directions are the lesson here, their sizes are in the
    curves. A plotly annotation points at (x, y) from an offset in pixels, so each arrow is anchored at
    the head with its arrowhead drawn at the offset end ("start" side).
    """
    out = []
    length = 46.0
    for runner in race.runners:
        t = runner.trajectory
        k = last_shown(runner, step)
        if has_diverged_by(runner, step) or k >= t.steps:
            continue
        x, y = (float(v) for v in t.xy[k])
        for vec, head, width in ((-t.grad[k], 3, 1.5), (t.xy[k + 1] - t.xy[k], 2, 2.5)):
            norm = float(np.hypot(*vec))
            if not norm > 0 or not math.isfinite(norm):
                continue
            ux, uy = vec / norm
            out.append(
                {
                    "x": x,
                    "y": y,
                    "ax": ux * length,
                    "ay": -uy * length,  # screen y points down
                    "xref": "x",
                    "yref": "y",
                    "axref": "pixel",
                    "ayref": "pixel",
                    "showarrow": True,
                    "arrowside": "start",
                    "arrowhead": head,
                    "arrowwidth": width,
                    "arrowcolor": runner.color,
                    "standoff": 0,
                    "startstandoff": 0,
                    "text": "",
                }
            )
    return out


def contour_figure(
    race: Race,
    step: int | None = None,
    *,
    trail: int | None = None,
    show_arrows: bool = False,
    height: int | None = 560,
) -> go.Figure:
    """The contour map (log colours when the surface asks for them) with every runner's trail up to
    `step` (the last step when None), its start, its head, an X where it diverged, and the minima."""
    k = _step(race, step)
    s = race.surface
    t = titles(race)
    scale = color_scale(s)
    (x0, x1), (y0, y1) = s.domain
    fig = go.Figure()
    fig.add_trace(_colorbar_trace(scale))
    fig.add_trace(_minima_trace(s))
    for runner in race.runners:
        for trace in _runner_traces_2d(race, runner, k, trail):
            fig.add_trace(trace)
    fig.update_layout(**_base_layout(_at_step(race, k, t.contour), height))
    fig.update_layout(
        images=[
            {
                "source": contour_image(s),
                "xref": "x",
                "yref": "y",
                "x": x0,
                "y": y1,
                "sizex": x1 - x0,
                "sizey": y1 - y0,
                "sizing": "stretch",
                "layer": "below",
            }
        ],
        annotations=_arrows(race, k) if show_arrows else [],
    )
    fig.update_xaxes(title_text=t.x, range=[x0, x1], showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(title_text=t.y, range=[y0, y1], showgrid=False, zeroline=False)
    return fig


# --------------------------------------------------------------------------------------------- 3-D


def _now_marker(runner: Runner, ended: bool, size: float, end_size: float) -> dict:
    """A runner's marker at the current step: a dot, or an X once it has diverged."""
    return {
        "symbol": "x" if ended else "circle",
        "size": end_size if ended else size,
        "color": runner.color,
        "line": {"color": "#ffffff", "width": 1},
    }


def camera_eye(distance: float = 2.1) -> dict[str, float]:
    azimuth, elevation = (math.radians(a) for a in CAMERA)
    return {
        "x": distance * math.cos(elevation) * math.cos(azimuth),
        "y": distance * math.cos(elevation) * math.sin(azimuth),
        "z": distance * math.sin(elevation),
    }


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
    return mesh_heights(race.surface, runner.trajectory.xy)


def surface_figure(
    race: Race, step: int | None = None, *, trail: int | None = None, height: int | None = 560
) -> go.Figure:
    """The surface in 3-D (height = the colour scale's value) with every runner's trail and head."""
    k = _step(race, step)
    s = race.surface
    t = titles(race)
    scale = color_scale(s)
    x, y, z = surface_mesh(s)
    fig = go.Figure()
    fig.add_trace(
        go.Surface(
            x=x,
            y=y,
            z=z,
            cmin=scale.low,
            cmax=scale.high,
            colorscale=scale.plotly_colorscale(),
            showscale=False,
            opacity=0.95,
            name=s.title,
            hovertemplate="(%{x:.3g}, %{y:.3g})<extra></extra>",
        )
    )
    lift = 0.01 * (scale.high - scale.low)  # keeps the paths above the surface they lie on
    m = np.asarray(s.minima)
    fig.add_trace(
        go.Scatter3d(
            x=m[:, 0],
            y=m[:, 1],
            z=mesh_heights(s, m) + lift,
            mode="markers",
            name="global minimum",
            marker={
                "symbol": "diamond",
                "size": 6,
                "color": MINIMUM_COLOR,
                "line": {"color": "#222222", "width": 1},
            },
        )
    )
    for runner in race.runners:
        xy = runner.trajectory.xy
        zs = heights(race, runner) + lift
        head = last_shown(runner, k)
        lo = trail_start(head, trail)
        fig.add_trace(
            go.Scatter3d(
                x=xy[lo : head + 1, 0],
                y=xy[lo : head + 1, 1],
                z=zs[lo : head + 1],
                mode="lines",
                name=runner_label(runner),
                legendgroup=runner.label,
                line={"color": runner.color, "width": 5},
            )
        )
        ended = has_diverged_by(runner, k)
        fig.add_trace(
            go.Scatter3d(
                x=[xy[head, 0]],
                y=[xy[head, 1]],
                z=[zs[head]],
                mode="markers",
                legendgroup=runner.label,
                showlegend=False,
                marker=_now_marker(runner, ended, 5, 7),
            )
        )
    fig.update_layout(**_base_layout(_at_step(race, k, t.surface), height))
    (x0, x1), (y0, y1) = s.domain
    fig.update_layout(
        scene={
            "xaxis": {"title": {"text": t.x}, "range": [x0, x1]},
            "yaxis": {"title": {"text": t.y}, "range": [y0, y1]},
            "zaxis": {"title": {"text": t.z}, "range": [scale.low, scale.high + 2 * lift]},
            "aspectmode": "manual",
            "aspectratio": {"x": 1, "y": 1, "z": 0.65},
            "camera": {"eye": camera_eye()},
        }
    )
    return fig


# ------------------------------------------------------------------------------------------ curves


def rate_runners(race: Race) -> list[Runner]:
    return [r for r in race.runners if is_adaptive(r)]


def curves_figure(
    race: Race, step: int | None = None, *, show_rates: bool = False, height: int | None = 560
) -> go.Figure:
    """Loss above the minimum and distance to the nearest minimum against the step (log y axes),
    optionally the effective per-coordinate learning rate of the adaptive runners, with a marker at
    `step` on every curve and an X where a runner diverged."""
    k = _step(race, step)
    t = titles(race)
    panels = [(t.loss, t.loss_axis), (t.distance, t.distance_axis)]
    if show_rates:
        panels.append((t.rate, t.rate_axis))
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=[p[0] for p in panels],
    )
    for runner in race.runners:
        series = [loss_gap(race, runner), distance(race, runner)]
        for row, values in enumerate(series, start=1):
            _add_curve(fig, runner, values, row, k, show_legend=row == 1)
    if show_rates:
        for runner in rate_runners(race):
            rate = runner.trajectory.rate
            d = runner.trajectory.diverged_at
            n = rate.shape[0] if d is None else max(d - 1, 0)
            steps = np.arange(1, n + 1)
            for coord, dash in ((0, "solid"), (1, "dot")):
                fig.add_trace(
                    go.Scatter(
                        x=steps,
                        y=np.maximum(rate[:n, coord], CURVE_FLOOR),
                        mode="lines",
                        name=f"{runner.label} ({'xy'[coord]})",
                        legendgroup=runner.label,
                        showlegend=False,
                        line={"color": runner.color, "width": 2, "dash": dash},
                        hovertemplate=f"{runner.label}, {'xy'[coord]}: %{{y:.3g}}<extra></extra>",
                    ),
                    row=3,
                    col=1,
                )
    for row, (_, axis) in enumerate(panels, start=1):
        fig.update_yaxes(type="log", title_text=axis, exponentformat="power", row=row, col=1)
        fig.add_vline(x=k, line={"color": "#555555", "width": 1, "dash": "dash"}, row=row, col=1)
    fig.update_xaxes(title_text=t.step, range=[0, _steps(race)], row=len(panels), col=1)
    fig.update_layout(**_base_layout(f"Progress — step {k} of {_steps(race)}", height))
    fig.update_layout(legend={"y": -0.18 if len(panels) < 3 else -0.12})
    return fig


def _add_curve(
    fig: go.Figure, runner: Runner, values: np.ndarray, row: int, step: int, show_legend: bool
) -> None:
    d = runner.trajectory.diverged_at
    end = values.shape[0] if d is None else d  # rows from d on repeat the last good iterate
    fig.add_trace(
        go.Scatter(
            x=np.arange(end),
            y=values[:end],
            mode="lines",
            name=runner_label(runner),
            legendgroup=runner.label,
            showlegend=show_legend,
            line={"color": runner.color, "width": 2},
            hovertemplate=f"{runner.label}: step %{{x}}, %{{y:.3g}}<extra></extra>",
        ),
        row=row,
        col=1,
    )
    k = min(step, end - 1)
    ended = has_diverged_by(runner, step)
    fig.add_trace(
        go.Scatter(
            x=[k],
            y=[values[k]],
            mode="markers",
            legendgroup=runner.label,
            showlegend=False,
            marker=_now_marker(runner, ended, 9, END_SIZE),
            hovertemplate=(
                f"{runner.label}: {DIVERGED_NOTE.format(step=d)}<extra></extra>"
                if ended
                else f"{runner.label}: step %{{x}}, %{{y:.3g}}<extra></extra>"
            ),
        ),
        row=row,
        col=1,
    )
