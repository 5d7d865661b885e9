"""The stability map as it is drawn: one cell per run, coloured by what that run did.

`map_payload(m, quantity, ...)` is everything the app's map view needs, as bytes: a JSON header (the
titles, the axes, the colour scale with its ticks, the race's own values) and the cells -- a colour
per cell and what hovering it reads out -- compressed with zlib. The view (`map_static/map.js`, built
from `map_static/src`, mounted by `optviz.app.map_tab`) draws it on a canvas; `read_payload` reads it
back (tests, tools).
A 512 x 512 map is ~0.1-0.5 MB this way; as a plotly figure it was ~14 MB of JSON.

`cell_colors` gives the same colours as an RGB array for static images (the command line's PNG):
both come from `color_index` and `scale_palette`. Nothing here knows Streamlit.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import surfaces
from optviz.engine.optimizers import OPTIMIZERS
from optviz.params import HYPERPARAMETERS
from optviz.sweep import Axis, StabilityMap
from optviz.views.figures import decade_label, nice_ticks
from optviz.views.style import colormap, hex_to_rgb

ASSETS = Path(__file__).with_name("map_static")  # the browser's side: map.html, map.css, map.js
DIVERGED_COLOR = "#d62728"  # red: outside the (lightened) viridis scale, so it never reads as a value
NOT_REACHED_COLOR = "#b0b0b0"  # grey: runs that stayed finite but never came within the tolerance
MARKER_COLOR = "#000000"
SCALE_COLORS = 256  # colours of the scale, as the command line's PNG has them
LOG_FLOOR = 1e-16  # exact zeros (a run that landed on the minimum) on the log scales
HEIGHT = 560  # pixels of the map view

# What hovering a cell reads out, as the significant digits shown: the browser writes them as
# Python's f"{v:.4g}" would, and sends no digit it does not show.
LOSS_DIGITS = 4
DISTANCE_DIGITS = 3
NONFINITE = -32768  # the exponent of NaN (mantissa 0), inf (1) and -inf (-1)
PAYLOAD_VERSION = 1

# Hyperparameters are dimensionless; the unit says so, so that no axis title looks unfinished. Each
# hyperparameter's title is its label and symbol (`optviz.params`); gamma's is shorter on an axis.
AXIS_TITLES = {name: p.title for name, p in HYPERPARAMETERS.items()} | {
    "gamma": "momentum γ",
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


def _check_quantity(quantity: str) -> Quantity:
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}; known: {', '.join(QUANTITIES)}")
    return QUANTITIES[quantity]


def values(m: StabilityMap, quantity: str) -> np.ndarray:
    """The coloured value per cell (log10 where the quantity is log); NaN where the cell gets a
    colour of its own (diverged, or never reached the tolerance)."""
    q = _check_quantity(quantity)
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


_PALETTE = tuple(colormap(i / (SCALE_COLORS - 1)) for i in range(SCALE_COLORS))


def scale_palette() -> tuple[str, ...]:
    """The scale's colours, lowest value first."""
    return _PALETTE


def color_index(m: StabilityMap, quantity: str) -> np.ndarray:
    """Per cell, the index of its colour in `scale_palette()` (uint8, shape (y.size, x.size)). Cells
    with a colour of their own (see `cell_colors`) have the index of the scale's low end."""
    z = values(m, quantity)
    return _index(z, color_range(z))


def _index(z: np.ndarray, span: ColorRange) -> np.ndarray:
    return np.round(span.unit(np.nan_to_num(z, nan=span.low)) * (SCALE_COLORS - 1)).astype(np.uint8)


def cell_colors(m: StabilityMap, quantity: str) -> np.ndarray:
    """RGB in [0, 1], shape (y.size, x.size, 3): the map's colours for static images. Diverged cells
    are red in every mode; in the steps mode, runs that never reached the tolerance are grey."""
    palette = np.array([hex_to_rgb(c) for c in scale_palette()], dtype=np.float64) / 255
    rgb = palette[color_index(m, quantity)]
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


def _scale_ticks(q: Quantity, span: ColorRange) -> list[tuple[float, str]]:
    """The colour bar's ticks: whole decades on the log scales, round numbers of steps otherwise."""
    if not q.log:
        return [(v, f"{v:g}") for v in nice_ticks(span.low, span.high)]
    decades = range(math.ceil(span.low), math.floor(span.high) + 1)
    every = max(1, math.ceil(len(decades) / 7))
    return [(float(k), decade_label(k)) for k in decades if k % every == 0]


# ------------------------------------------------------------------------------------- the cells


with np.errstate(over="ignore"):  # a table (10.0 ** an array is ~10x slower); past 1e308: inf
    _POW10 = 10.0 ** np.arange(-330, 331)


def _pow10(k: np.ndarray) -> np.ndarray:
    return _POW10[np.asarray(k) + 330]


def decimal_digits(v: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """`v` as its `digits` leading significant decimal digits: int16 mantissas m (|m| from
    10^(digits-1) to 10^digits - 1) and int16 exponents e with v ~ m x 10^(e - digits + 1), the digits
    f"{v:.{digits}g}" shows. Zero is (0, 0); NaN, inf and -inf are (0, 1, -1) with e = NONFINITE.
    Every float64 fits, down to 5e-324 (single precision would show losses below 1e-38 as 0)."""
    v = np.asarray(v, dtype=np.float64)
    mantissa = np.zeros(v.shape, dtype=np.int16)
    exponent = np.zeros(v.shape, dtype=np.int16)
    finite = np.isfinite(v)
    exponent[~finite] = NONFINITE
    mantissa[np.isposinf(v)] = 1
    mantissa[np.isneginf(v)] = -1
    nonzero = finite & (v != 0)
    a = np.abs(v[nonzero])
    e = np.floor(np.log10(a)).astype(np.int64)

    def scaled(a: np.ndarray, e: np.ndarray) -> np.ndarray:
        shift = digits - 1 - e  # in two factors, so that neither overflows nor underflows
        return np.rint(a * _pow10(shift // 2) * _pow10(shift - shift // 2))

    r = scaled(a, e)
    for _ in range(2):  # log10 may be one off next to a power of ten, and rounding may carry
        off = (r >= 10**digits) | (r < 10 ** (digits - 1))
        if not off.any():
            break
        e[off] += np.where(r[off] >= 10**digits, 1, -1)
        r[off] = scaled(a[off], e[off])
    mantissa[nonzero] = (np.sign(v[nonzero]) * r).astype(np.int16)
    exponent[nonzero] = e.astype(np.int16)
    return mantissa, exponent


def from_digits(mantissa: np.ndarray, exponent: np.ndarray, digits: int) -> np.ndarray:
    """The values `decimal_digits` encoded: the float nearest to the digits for exponents within
    +-22 (where powers of ten are exact), within a few units in the last place beyond."""
    m = np.asarray(mantissa, dtype=np.float64)
    e = np.asarray(exponent, dtype=np.int64)
    special = e == NONFINITE
    k = np.where(special, 0, e) - (digits - 1)
    # dividing by an exact power of ten (up to 1e22) rounds correctly, as parsing the digits would
    up, down = np.maximum(k, 0), np.maximum(-k, 0)
    first = np.minimum(down, 300)
    with np.errstate(over="ignore"):  # 1.798e308, the largest float to 4 digits, is past it
        v = np.where(k >= 0, m * _pow10(up), m / _pow10(first) / _pow10(down - first))
    return np.where(special, np.where(m > 0, np.inf, np.where(m < 0, -np.inf, np.nan)), v)


def events(m: StabilityMap) -> np.ndarray:
    """One number per cell for what the run did: the step it reached the tolerance (>= 0), -1 if it
    never did, or -2 - the step it diverged (`outcome`'s order: diverging wins)."""
    return np.where(m.diverged, -2 - m.diverged_at, np.maximum(m.reached_at, -1)).astype(np.int64)


@dataclass(frozen=True)
class Cells:
    """The per-cell part of a payload: `arrays` names each array and its dtype, in the order their
    bytes follow one another in `data` (zlib), each of shape (y.size, x.size), row-major."""

    nx: int
    ny: int
    arrays: tuple[tuple[str, str], ...]
    data: bytes
    span: ColorRange  # of the colour scale

    @property
    def key(self) -> str:
        return hashlib.blake2b(self.data, digest_size=8).hexdigest()


def _cell_arrays(m: StabilityMap, quantity: str) -> tuple[dict[str, np.ndarray], ColorRange]:
    """What the view shows per cell: its colour on the scale, what the run did (`events`), and the
    final loss and distance to the minimum as the digits hovering shows (`decimal_digits`); and the
    scale's range."""
    event = events(m)
    small = event.min(initial=0) >= -(2**15) and event.max(initial=0) < 2**15
    loss, loss_exp = decimal_digits(m.final_loss, LOSS_DIGITS)
    distance, distance_exp = decimal_digits(m.distance, DISTANCE_DIGITS)
    z = values(m, quantity)
    span = color_range(z)
    arrays = {
        "color": _index(z, span),
        "event": event.astype("<i2" if small else "<i4"),
        "loss": loss.astype("<i2"),
        "loss_exp": loss_exp.astype("<i2"),
        "distance": distance.astype("<i2"),
        "distance_exp": distance_exp.astype("<i2"),
    }
    return arrays, span


_DTYPES = {"u1": np.dtype("u1"), "i2": np.dtype("<i2"), "i4": np.dtype("<i4")}


def cells(m: StabilityMap, quantity: str) -> Cells:
    """The cells of the map coloured by `quantity`, compressed: the costly part of a payload
    (~0.1 s for 512 x 512), the same whatever the race's values or the titles."""
    _check_quantity(quantity)
    arrays, span = _cell_arrays(m, quantity)
    names = tuple((name, a.dtype.str.lstrip("<|")) for name, a in arrays.items())
    raw = b"".join(np.ascontiguousarray(a).tobytes() for a in arrays.values())
    return Cells(m.x.size, m.y.size, names, zlib.compress(raw, 6), span)


def _axis(axis: Axis) -> dict:
    edges = cell_edges(axis)
    return {
        "name": axis.name,
        "title": axis_title(axis),
        "log": axis.scale == "log",
        "edges": [float(edges[0]), float(edges[-1])],
        "values": [float(v) for v in axis.values],
    }


def _inside(axis: Axis, v: float) -> bool:
    return math.isfinite(v) and axis.low <= v <= axis.high


def map_header(
    m: StabilityMap,
    quantity: str,
    the_cells: Cells,
    *,
    current: Mapping[str, float] | None = None,
    title: str | None = None,
    height: int = HEIGHT,
) -> dict:
    """The payload's JSON part: titles, axes, colour scale, the race's values and the cells' layout."""
    q = _check_quantity(quantity)
    span = the_cells.span
    name = m.settings.get("optimizer", "")
    optimizer = OPTIMIZERS[name].title if name in OPTIMIZERS else name
    names = (m.x.name, m.y.name)
    marked = None
    if current is not None and all(n in current for n in names):
        point = (float(current[names[0]]), float(current[names[1]]))
        if _inside(m.x, point[0]) and _inside(m.y, point[1]):
            marked = list(point)
    return {
        "version": PAYLOAD_VERSION,
        "title": f"Stability map of {title or optimizer}: {q.title} (red: diverged)",
        "quantity": quantity,
        "height": int(height),
        "x": _axis(m.x),
        "y": _axis(m.y),
        "scale": {
            "title": q.title,
            "log": q.log,
            "low": span.low,
            "high": span.high,
            "palette": list(scale_palette()),
            "ticks": [[v, label] for v, label in _scale_ticks(q, span)],
        },
        "colors": {
            "diverged": DIVERGED_COLOR,
            "notReached": NOT_REACHED_COLOR if q.field == "reached_at" else None,
            "marker": MARKER_COLOR,
        },
        "current": marked,
        "cells": {
            "nx": the_cells.nx,
            "ny": the_cells.ny,
            "arrays": [list(a) for a in the_cells.arrays],
            "key": the_cells.key,
            "digits": {"loss": LOSS_DIGITS, "distance": DISTANCE_DIGITS},
            "nonfinite": NONFINITE,
        },
    }


def map_payload(
    m: StabilityMap,
    quantity: str = "final_loss",
    *,
    current: Mapping[str, float] | None = None,
    title: str | None = None,  # who is mapped, as the race names it (default: the optimizer's title)
    height: int = HEIGHT,
    the_cells: Cells | None = None,  # `cells(m, quantity)`, if already made
) -> bytes:
    """The map coloured by `quantity` (a key of QUANTITIES) for the browser: a little-endian uint32
    length, the JSON header (`map_header`, with a "revision" that names the whole payload), then
    the cells' zlib data. `current` (hyperparameter name -> value) marks the race's own values when
    both lie on the map."""
    the_cells = the_cells or cells(m, quantity)
    header = map_header(m, quantity, the_cells, current=current, title=title, height=height)
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    header["revision"] = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    head = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    return struct.pack("<I", len(head)) + head + the_cells.data


def read_payload(payload: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The header and the cells' arrays (each (y.size, x.size)) of a `map_payload`."""
    (length,) = struct.unpack_from("<I", payload)
    header = json.loads(payload[4 : 4 + length].decode())
    raw = zlib.decompress(payload[4 + length :])
    ny, nx = header["cells"]["ny"], header["cells"]["nx"]
    arrays, offset = {}, 0
    for name, dtype in header["cells"]["arrays"]:
        dt = _DTYPES[dtype]
        arrays[name] = np.frombuffer(raw, dtype=dt, count=nx * ny, offset=offset).reshape(ny, nx)
        offset += nx * ny * dt.itemsize
    if offset != len(raw):
        raise ValueError(f"the cells hold {len(raw)} bytes, their arrays {offset}")
    return header, arrays
