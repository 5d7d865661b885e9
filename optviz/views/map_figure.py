"""The figure of a stability map: one heatmap cell per run, coloured by what that run did.

A pure function of a `StabilityMap` that returns a complete plotly figure; nothing here knows
Streamlit, so the app's map view, the command line and the tests share one definition of the colours,
titles and hover text. `cell_colors` gives the same colours as an RGB array for static images.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

import surfaces
from optviz.engine.optimizers import OPTIMIZERS
from optviz.sweep import Axis, StabilityMap
from optviz.views.figures import FONT_SIZE, decade_label
from optviz.views.style import colormap, hex_to_rgb

DIVERGED_COLOR = "#d62728"  # red: outside the (lightened) viridis scale, so it never reads as a value
NOT_REACHED_COLOR = "#b0b0b0"  # grey: runs that stayed finite but never came within the tolerance
MARKER_COLOR = "#000000"
# Heatmap cells are not clickable points in plotly.js, so a layer of invisible markers at the cell
# centres carries clicks; above this many cells it would weigh down the page and is left out.
PICK_LAYER_MAX = 128 * 128
SCALE_STOPS = 11
LOG_FLOOR = 1e-16  # exact zeros (a run that landed on the minimum) on the log scales

# Hyperparameters are dimensionless; the unit says so, so that no axis title looks unfinished.
AXIS_TITLES = {
    "lr": "learning rate η",
    "gamma": "momentum γ",
    "beta1": "first-moment decay β₁",
    "beta2": "second-moment decay β₂",
    "eps": "epsilon ε",
    "weight_decay": "weight decay λ",
    "batch_size": "batch size",
}
AXIS_UNITS = {"batch_size": "examples"}


@dataclass(frozen=True)
class Quantity:
    """One way to colour the map: a field of the map, its title and whether it is shown as log10."""

    field: str
    title: str
    log: bool


QUANTITIES: dict[str, Quantity] = {
    "final_loss": Quantity("final_loss", "final loss f − f* (log)", True),
    "reached_at": Quantity("reached_at", "steps to reach the tolerance", False),
    "distance": Quantity("distance", "distance to the nearest minimum (log)", True),
}


def axis_title(axis: Axis) -> str:
    unit = AXIS_UNITS.get(axis.name, "dimensionless")
    scale = ", log scale" if axis.scale == "log" else ""
    return f"{AXIS_TITLES.get(axis.name, axis.name)} ({unit}{scale})"


def cell_edges(axis: Axis) -> np.ndarray:
    """The size + 1 cell boundaries, halfway between neighbouring values on the axis's own scale, so
    cells are evenly wide on a log axis too (batch sizes use the unrounded positions)."""
    if axis.scale == "log":
        t = np.linspace(math.log10(axis.low), math.log10(axis.high), axis.size)
    else:
        t = np.linspace(axis.low, axis.high, axis.size)
    half = (t[1] - t[0]) / 2
    edges = np.concatenate([t - half, [t[-1] + half]])
    if axis.scale == "log":
        return 10.0**edges
    return edges


def _minimum_value(m: StabilityMap) -> float:
    surface = m.settings.get("surface")
    try:
        return float(surfaces.get(surface).min_value)
    except (ValueError, TypeError):
        return 0.0


def values(m: StabilityMap, quantity: str) -> np.ndarray:
    """The coloured value per cell (log10 where the quantity is log); NaN where the cell gets a
    colour of its own (diverged, or never reached the tolerance)."""
    q = QUANTITIES[quantity]
    raw = np.asarray(getattr(m, q.field), dtype=np.float64)
    if q.field == "final_loss":
        raw = raw - _minimum_value(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.log10(np.maximum(raw, LOG_FLOOR)) if q.log else raw.copy()
    z[m.diverged | ~np.isfinite(z)] = np.nan
    if q.field == "reached_at":
        z[m.reached_at < 0] = np.nan
    return z


@dataclass(frozen=True)
class ColorRange:
    low: float
    high: float

    def unit(self, z: np.ndarray) -> np.ndarray:
        return np.clip((z - self.low) / (self.high - self.low), 0.0, 1.0)


def color_range(z: np.ndarray) -> ColorRange:
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return ColorRange(0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    return ColorRange(low, high if high > low else low + 1.0)


def plotly_colorscale() -> list[list[float | str]]:
    return [[i / (SCALE_STOPS - 1), colormap(i / (SCALE_STOPS - 1))] for i in range(SCALE_STOPS)]


def cell_colors(m: StabilityMap, quantity: str) -> np.ndarray:
    """RGB in [0, 1], shape (y.size, x.size, 3): the figure's colours for static images."""
    z = values(m, quantity)
    span = color_range(z)
    palette = np.array([hex_to_rgb(colormap(i / 255)) for i in range(256)], dtype=np.float64) / 255
    index = np.round(span.unit(np.nan_to_num(z, nan=span.low)) * 255).astype(np.int64)
    rgb = palette[index]
    if QUANTITIES[quantity].field == "reached_at":
        rgb[m.reached_at < 0] = np.array(hex_to_rgb(NOT_REACHED_COLOR)) / 255
    rgb[m.diverged] = np.array(hex_to_rgb(DIVERGED_COLOR)) / 255
    return rgb


def outcome(m: StabilityMap, j: int, i: int) -> str:
    if m.diverged_at[j, i] >= 0:
        return f"diverged at step {int(m.diverged_at[j, i])}"
    if m.reached_at[j, i] >= 0:
        return f"reached the tolerance at step {int(m.reached_at[j, i])}"
    return "did not reach the tolerance"


def _hover_data(m: StabilityMap) -> np.ndarray:
    """Per cell: x, y, final loss, distance, reached_at, diverged_at. Single precision keeps a
    512 x 512 map's hover data a few MB; hover shows four significant digits anyway."""
    gx, gy = np.meshgrid(m.x.values, m.y.values)
    fields = (gx, gy, m.final_loss, m.distance, m.reached_at, m.diverged_at)
    return np.stack([np.asarray(f, dtype=np.float32) for f in fields], axis=-1)


def _outcome_text(m: StabilityMap) -> np.ndarray:
    text = np.empty(m.final_loss.shape, dtype=object)
    for j in range(text.shape[0]):
        for i in range(text.shape[1]):
            text[j, i] = outcome(m, j, i)
    return text


def _ticks(q: Quantity, span: ColorRange) -> dict:
    if not q.log:
        return {}
    decades = range(math.ceil(span.low), math.floor(span.high) + 1)
    every = max(1, math.ceil(len(decades) / 7))
    shown = [k for k in decades if k % every == 0]
    return {"tickvals": shown, "ticktext": [decade_label(k) for k in shown]}


def _flat_trace(mask: np.ndarray, color: str, name: str, edges: tuple) -> go.Heatmap:
    """Cells in one colour of their own, drawn over the scale. Hover comes from the scale's trace
    beneath (it hovers on its NaN gaps too), so these carry no copy of the per-cell data."""
    return go.Heatmap(
        x=edges[0],
        y=edges[1],
        z=np.where(mask, 1.0, np.nan).astype(np.float32),
        colorscale=[[0.0, color], [1.0, color]],
        showscale=False,
        hoverinfo="skip",
        name=name,
    )


def _hover(x: str, y: str, with_text: bool) -> str:
    head = f"{x} = %{{customdata[0]:.4g}}, {y} = %{{customdata[1]:.4g}}<br>final loss %{{customdata[2]:.4g}}"
    head += "<br>distance %{customdata[3]:.3g}<br>"
    if with_text:
        return head + "%{text}<extra></extra>"
    # Large maps: outcome strings per cell would be tens of MB; the steps say the same (-1: never).
    return (
        head
        + "reached at step %{customdata[4]}, diverged at step %{customdata[5]} (-1: never)<extra></extra>"
    )


def _current_trace(current: tuple[float, float]) -> go.Scatter:
    return go.Scatter(
        x=[current[0]],
        y=[current[1]],
        mode="markers",
        marker={"symbol": "x-thin", "size": 16, "line": {"width": 3, "color": MARKER_COLOR}},
        cliponaxis=False,  # on the map's edge (a range's own end) it is drawn whole
        name="the race's values",
        hovertemplate="the race: %{x:.4g}, %{y:.4g}<extra></extra>",
    )


def _pick_trace(m: StabilityMap, hover: np.ndarray, text: np.ndarray, template: str) -> go.Scattergl:
    gx, gy = np.meshgrid(m.x.values, m.y.values)
    return go.Scattergl(
        x=gx.ravel(),
        y=gy.ravel(),
        mode="markers",
        marker={"size": 6, "opacity": 0.0, "color": MARKER_COLOR},
        customdata=hover.reshape(-1, hover.shape[-1]),
        text=text.ravel(),
        hovertemplate=template,
        name="cells",
    )


def _inside(axis: Axis, v: float) -> bool:
    return math.isfinite(v) and axis.low <= v <= axis.high


def map_figure(
    m: StabilityMap,
    quantity: str = "final_loss",
    *,
    current: Mapping[str, float] | None = None,
    title: str | None = None,  # who is mapped, as the race names it (default: the optimizer's title)
    height: int | None = 560,
    clickable: bool = False,
) -> go.Figure:
    """The map coloured by `quantity` (a key of QUANTITIES). Diverged cells are red in every mode;
    `current` (hyperparameter name -> value) marks the race's own values when both lie on the map;
    `clickable` adds a point per cell (up to PICK_LAYER_MAX cells) for a click to select."""
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}; known: {', '.join(QUANTITIES)}")
    q = QUANTITIES[quantity]
    z = values(m, quantity)
    span = color_range(z)
    xe, ye = cell_edges(m.x), cell_edges(m.y)
    hover = _hover_data(m)
    names = (m.x.name, m.y.name)
    small = m.final_loss.size <= PICK_LAYER_MAX
    hover_template = _hover(*names, with_text=small)
    traces: list[go.BaseTraceType] = [
        go.Heatmap(
            x=xe,
            y=ye,
            z=z.astype(np.float32),  # halves what a 512 x 512 map sends to the browser
            zmin=span.low,
            zmax=span.high,
            colorscale=plotly_colorscale(),
            colorbar={"title": {"text": q.title, "side": "right"}, **_ticks(q, span)},
            customdata=hover,
            text=_outcome_text(m) if small else None,
            hovertemplate=hover_template,
            hoverongaps=True,
            name=quantity,
        ),
        _flat_trace(m.diverged, DIVERGED_COLOR, "diverged", (xe, ye)),
    ]
    if q.field == "reached_at":
        never = (m.reached_at < 0) & ~m.diverged
        traces.append(_flat_trace(never, NOT_REACHED_COLOR, "not reached", (xe, ye)))
    if clickable and small:
        traces.append(_pick_trace(m, hover, _outcome_text(m), hover_template))
    if current is not None and all(n in current for n in names):
        point = (float(current[names[0]]), float(current[names[1]]))
        if _inside(m.x, point[0]) and _inside(m.y, point[1]):
            traces.append(_current_trace(point))
    fig = go.Figure(traces)
    name = m.settings.get("optimizer", "")
    optimizer = OPTIMIZERS[name].title if name in OPTIMIZERS else name
    fig.update_layout(
        title={
            "text": f"Stability map of {title or optimizer}: {q.title} (red: diverged)",
            "x": 0.02,
            "xanchor": "left",
            "font": {"size": FONT_SIZE + 3},
        },
        font={"size": FONT_SIZE},
        template="plotly_white",
        height=height,
        margin={"l": 72, "r": 24, "t": 56, "b": 64},
        showlegend=False,
    )
    fig.update_xaxes(title_text=axis_title(m.x), type="log" if m.x.scale == "log" else "linear")
    fig.update_yaxes(title_text=axis_title(m.y), type="log" if m.y.scale == "log" else "linear")
    fig.update_xaxes(range=_range(m.x, xe), showgrid=False)
    fig.update_yaxes(range=_range(m.y, ye), showgrid=False)
    return fig


def _range(axis: Axis, edges: np.ndarray) -> list[float]:
    lo, hi = float(edges[0]), float(edges[-1])
    return [math.log10(lo), math.log10(hi)] if axis.scale == "log" else [lo, hi]
