"""The stability map view: sweep two hyperparameters of one of the race's competitors and colour
every (x, y) cell by what that run did.

`stability_map(settings, key=..., on_pick=...)` draws the whole view; it takes the surface, start,
steps, tolerance, eps placement, stochastic settings and the competitor's other hyperparameters from
the race's settings, so the map follows the sidebar. Clicking a cell calls `on_pick` with
`pick_settings(...)`: the keyword arguments of `optviz.run` for that cell plus the index of the
competitor under "competitor"; `apply_pick` turns that into the race's new settings.

The map itself is a custom component (`optviz/views/map_static/`) drawing `map_figure.map_payload`:
~0.1-0.5 MB for a 512 x 512 map, where the plotly figure it replaces sent ~14 MB and had the page
load plotly.js. Hovering, zooming and the tooltip happen in the browser; a click comes back as the
component's "pick" trigger.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import streamlit as st

from optviz.app.markup import verbatim
from optviz.engine.optimizers import OPTIMIZERS
from optviz.limits import CACHE_TTL, LIVE_MAP_STEPS, MAP_CACHE_ENTRIES, MAP_SLOTS
from optviz.params import HYPERPARAMETERS
from optviz.settings import Competitor, RaceSettings, labels
from optviz.sweep import MAX_CELLS_PER_SIDE, SCALES, Axis, StabilityMap, sweep
from optviz.views.map_figure import ASSETS, AXIS_TITLES, QUANTITIES, Cells, cells, map_payload, outcome

GRID_SIZES = (8, 16, 32, 64, 128, 256, MAX_CELLS_PER_SIDE)
DEFAULT_SIZE = 64
COLOR_BY = {
    "final_loss": "final loss (log)",
    "reached_at": "steps to reach the tolerance",
    "distance": "distance to the nearest minimum",
}


@dataclass(frozen=True)
class MapRequest:
    """Every input of one map, the cache's key: the race's settings with only the mapped competitor
    (as it races: the shared rate applied), how the race is shown set aside but the tolerance kept,
    and the two axes."""

    settings: RaceSettings
    x: Axis
    y: Axis

    @property
    def competitor(self) -> Competitor:
        return self.settings.competitors[0]

    @property
    def cells(self) -> int:
        return self.x.size * self.y.size

    @property
    def live(self) -> bool:
        return self.cells * self.settings.steps <= LIVE_MAP_STEPS


def competitor_values(settings: RaceSettings, index: int) -> dict[str, Any]:
    """The hyperparameters competitor `index` races with (defaults filled in, the shared rate applied)
    and its batch size ("full" or a whole number)."""
    c: Competitor = settings.raced()[index]
    values: dict[str, Any] = {name: float(c.value(name)) for name in OPTIMIZERS[c.optimizer].uses}
    batch = c.value("batch_size")
    values["batch_size"] = "full" if batch is None else batch
    return values


def sweepable(optimizer: str) -> tuple[str, ...]:
    """The hyperparameters the optimizer uses, in the usual order, and the batch size."""
    uses = OPTIMIZERS[optimizer].uses
    return (*(n for n in HYPERPARAMETERS if n in uses), "batch_size")


def default_range(name: str, settings: RaceSettings) -> tuple[float, float, str]:
    if name == "batch_size":
        return 1.0, float(max(2, settings.example_count())), "log"
    return HYPERPARAMETERS[name].sweep


def _fit_batch_axis(axis: Axis, n: int) -> Axis:
    """A batch-size axis reaches at most the number of examples (a range kept from another
    surface or N may go past it)."""
    if axis.name != "batch_size" or axis.high <= n:
        return axis
    high = float(max(n, 2))
    low = min(axis.low, high - 1.0)
    return Axis(axis.name, low, high, axis.size, axis.scale)


def make_request(settings: RaceSettings, index: int, x: Axis, y: Axis) -> MapRequest:
    """The map of competitor `index` over `x` and `y`, everything else as the race has it."""
    x = _fit_batch_axis(x, settings.example_count())
    y = _fit_batch_axis(y, settings.example_count())
    alone = replace(
        settings.race_part(), tol=settings.tol, shared=False, competitors=(settings.raced()[index],)
    )
    return MapRequest(alone, x, y)


def compute(request: MapRequest) -> StabilityMap:
    """Runs the sweep (uncached)."""
    s = request.settings
    arguments = s.run_arguments(request.competitor)
    fixed = {
        k: v for k, v in arguments.items() if v is not None and k not in (request.x.name, request.y.name)
    }
    return sweep(request.competitor.optimizer, s.surface_object(), request.x, request.y, tol=s.tol, **fixed)


# Large maps use every core; computed one (MAP_SLOTS) at a time, a class asking at once queues instead
# of slowing every session's page.
_large_maps = threading.BoundedSemaphore(MAP_SLOTS)


@st.cache_data(max_entries=MAP_CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def cached_map(request: MapRequest) -> StabilityMap:
    if request.live:
        return compute(request)
    with _large_maps:
        return compute(request)


@st.cache_data(max_entries=MAP_CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def cached_cells(request: MapRequest, quantity: str) -> Cells:
    """The map's cells as the browser gets them (~0.1 s for 512 x 512): made once per map and
    colour, not on every rerun of the tab."""
    return cells(cached_map(request), quantity)


# --------------------------------------------------------------------------------------- picking


def cell_at(m: StabilityMap, x: float, y: float) -> tuple[int, int]:
    """The (column, row) of the cell nearest to (x, y), measured on each axis's own scale."""

    def nearest(axis: Axis, v: float) -> int:
        values = axis.values
        if axis.scale == "log":
            return int(np.argmin(np.abs(np.log(values) - math.log(max(v, 1e-300)))))
        return int(np.argmin(np.abs(values - v)))

    return nearest(m.x, x), nearest(m.y, y)


def pick_settings(m: StabilityMap, index: int, i: int, j: int) -> dict[str, Any]:
    """What `on_pick` receives for cell (column i, row j): `optviz.run`'s keyword arguments for the
    cell and, under "competitor", the index of the competitor the map sweeps."""
    return {**m.cell_settings(i, j), "competitor": index}


def apply_pick(settings: RaceSettings, picked: Mapping[str, Any]) -> RaceSettings:
    """The race's settings with the picked cell's values given to the competitor it came from."""
    index = int(picked["competitor"])
    changes = {k: picked[k] for k in (*HYPERPARAMETERS, "batch_size") if k in picked}
    competitors = list(settings.competitors)
    competitors[index] = replace(competitors[index], **changes)
    shared_lr = settings.shared_lr
    if settings.shared and "lr" in changes:
        shared_lr = float(changes["lr"])  # the shared rate is what the race runs with
    return replace(settings, competitors=tuple(competitors), shared_lr=shared_lr)


# -------------------------------------------------------------------------------------- controls


def _competitor_label(settings: RaceSettings, index: int) -> str:
    """As the sidebar's box names it: the legend's label, numbered."""
    return f"{index + 1}. {labels(settings.competitors)[index]}"


def _axis_controls(
    label: str, key: str, settings: RaceSettings, names: tuple[str, ...], default: str
) -> Axis:
    name = st.selectbox(
        f"{label} axis",
        names,
        index=names.index(default),
        key=f"{key}.name",
        format_func=lambda n: AXIS_TITLES.get(n, n),
    )
    low, high, scale = default_range(name, settings)
    # Keys carry the parameter, so switching it brings back that parameter's own range.
    a, b, c = st.columns(3)
    low = a.number_input("min", value=low, key=f"{key}.{name}.low", format="%g")
    high = b.number_input("max", value=high, key=f"{key}.{name}.high", format="%g")
    scale = c.selectbox("scale", SCALES, index=SCALES.index(scale), key=f"{key}.{name}.scale")
    return Axis(name, float(low), float(high), DEFAULT_SIZE, scale)


def _controls(settings: RaceSettings, key: str) -> tuple[int, Axis, Axis, int, str]:
    top = st.columns([2, 2, 2])
    index = top[0].selectbox(
        "Optimizer",
        range(len(settings.competitors)),
        format_func=lambda k: _competitor_label(settings, k),
        key=f"{key}.competitor",
    )
    size = top[1].select_slider(
        "Grid size (cells per side)", GRID_SIZES, value=DEFAULT_SIZE, key=f"{key}.size"
    )
    color_by = top[2].selectbox(
        "Colour by", tuple(COLOR_BY), format_func=COLOR_BY.__getitem__, key=f"{key}.color"
    )
    optimizer = settings.competitors[index].optimizer
    names = sweepable(optimizer)
    left, right = st.columns(2)
    # Keys carry the optimizer: another optimizer has other hyperparameters to choose from.
    with left:
        x = _axis_controls("x", f"{key}.{optimizer}.x", settings, names, names[0])
    with right:
        y_names = tuple(n for n in names if n != x.name)
        y = _axis_controls("y", f"{key}.{optimizer}.y", settings, y_names, y_names[0])
    return index, x, y, size, color_by


def _sized(axis: Axis, size: int) -> Axis:
    return Axis(axis.name, axis.low, axis.high, size, axis.scale)


def picked_cell(value: Any, m: StabilityMap) -> tuple[int, int] | None:
    """The (column, row) a click on the map sent, or None: the browser's message is checked, never
    trusted, and a click on a map since replaced (its values are not this map's) is dropped."""
    if not isinstance(value, Mapping):
        return None
    i, j = value.get("i"), value.get("j")
    if not all(isinstance(k, int) and not isinstance(k, bool) for k in (i, j)):
        return None
    if not (0 <= i < m.x.size and 0 <= j < m.y.size):
        return None
    if value.get("x") != float(m.x.values[i]) or value.get("y") != float(m.y.values[j]):
        return None
    return i, j


def _handle_pick(value: Any, m: StabilityMap, index: int, on_pick: Callable[[dict], None]) -> None:
    cell = picked_cell(value, m)
    if cell is not None:
        on_pick(pick_settings(m, index, *cell))


@functools.cache
def _component() -> Callable[..., Any]:
    return st.components.v2.component(
        "optviz_stability_map",
        html=(ASSETS / "map.html").read_text(encoding="utf-8"),
        css=(ASSETS / "map.css").read_text(encoding="utf-8"),
        js=(ASSETS / "map.js").read_text(encoding="utf-8"),
    )


def _ignore() -> None:
    """The pick is handled where the view is drawn (so that `on_pick` may rerun the script)."""


def _axis_key(axis: Axis) -> str:
    return f"{axis.name}.{axis.low:g}.{axis.high:g}.{axis.size}.{axis.scale}"


def _pick_controls(
    m: StabilityMap, index: int, near: tuple[int, int], key: str, on_pick: Callable[[dict], None]
) -> None:
    """Choosing a cell by its values: from the keyboard, and for cells too small to point at."""
    # Keys carry the axes: another grid has other positions.
    key = f"{key}.pick.{_axis_key(m.x)}.{_axis_key(m.y)}"
    # The labels once: `Axis.values` works them out on every call, and a slider asks per option
    # (1,000 calls, 1.1 s of every rerun for a 512 x 512 map).
    xs = [f"{v:.4g}" for v in m.x.values]
    ys = [f"{v:.4g}" for v in m.y.values]
    with st.expander("Race with a cell's values"):
        a, b = st.columns(2)
        i = a.select_slider(
            AXIS_TITLES[m.x.name], range(m.x.size), value=near[0], format_func=xs.__getitem__, key=f"{key}.x"
        )
        j = b.select_slider(
            AXIS_TITLES[m.y.name], range(m.y.size), value=near[1], format_func=ys.__getitem__, key=f"{key}.y"
        )
        st.caption(f"This cell {outcome(m, j, i)}; final loss {m.final_loss[j, i]:.4g}.")
        if st.button("Race with these values", key=f"{key}.go"):
            on_pick(pick_settings(m, index, i, j))


def stability_map(settings: RaceSettings, *, key: str, on_pick: Callable[[dict], None]) -> None:
    """Draws the stability map view of the race in `settings`."""
    if not settings.competitors:
        st.info("Add a competitor to the race to map its hyperparameters.")
        return
    try:
        index, x, y, size, color_by = _controls(settings, key)
        request = make_request(settings, index, _sized(x, size), _sized(y, size))
    except ValueError as error:
        st.error(verbatim(f"This map cannot be drawn: {error}"), icon=":material/error:")
        return
    try:
        if request.live:
            m = cached_map(request)
        else:
            with st.spinner(f"Running {request.cells:,} runs of {request.settings.steps} steps..."):
                m = cached_map(request)
    except ValueError as error:
        st.error(verbatim(f"This map cannot be computed: {error}"), icon=":material/error:")
        return
    current = competitor_values(settings, index)
    if current.get("batch_size") == "full":
        current["batch_size"] = settings.example_count()
    numeric = {k: float(v) for k, v in current.items() if not isinstance(v, str)}
    payload = map_payload(
        m,
        color_by,
        current=numeric,
        title=labels(settings.competitors)[index],
        the_cells=cached_cells(request, color_by),
    )
    result = _component()(data=payload, key=f"{key}.view", on_pick_change=_ignore, width="stretch")
    _handle_pick(result.get("pick"), m, index, on_pick)
    near = cell_at(m, numeric.get(m.x.name, m.x.values[0]), numeric.get(m.y.name, m.y.values[0]))
    _pick_controls(m, index, near, key, on_pick)
    s = request.settings
    st.caption(
        f"{request.cells:,} runs of {s.steps} steps from {s.start}, tolerance {s.tol:g}. "
        "Red cells diverged; × marks the race's own values. Hover a cell for its values, "
        "click it (or choose one below) to race with them; drag a box to zoom in."
    )


__all__ = [
    "QUANTITIES",
    "apply_pick",
    "cell_at",
    "make_request",
    "pick_settings",
    "picked_cell",
    "stability_map",
]
