"""The race player: one interactive renderer of a race, in the app and in a standalone page.

`payload(race, view)` is everything the browser needs, as plain JSON data: float32 arrays in base64,
the contour as run-length coded palette indices, and every value a view shows that is not the race's
own numbers -- colour scale (bands, ticks and labels), the 3-D mesh's lit colours, tick values and
labels of each axis, titles, marker sizes, colours, the 3-D camera and box -- computed here, in
Python, by `optviz.views.figures` (the video frames draw with the same values). ~0.15 MB for 7
runners x 500 steps.

The browser's side is one ES module, `static/player.js`, built from the modules under `src/` (see
README, "The player's JavaScript"). Its default export `mount({data, parentElement, setTriggerValue})`
draws a payload into an element and returns a function that unmounts it; any host can call it:

- this Streamlit component (`race_player`): CCv2 calls it on every rerun with the new payload;
- the standalone HTML export (`optviz.export.html`): a page with the module and a payload inline;
- a notebook widget, with the same module and payload.

`setTriggerValue(name, value)` is how the player speaks to its host: `("start", {x, y})` when the map
is clicked (only when `data.clickable`), `("speed", n)` when the speed menu changes, `("present",
bool)` when presenter mode is switched, `("preset", 1 | -1)` for the next / previous preset keys and
`("view3d", bool)` for the 3-D key. A host that listens to none passes a function that does nothing.

In the app, a click on the map comes back as `on_start((x, y))`, called before the script reruns.
The component's HTML, CSS and JS (~65 kB) are registered inline with `st.components.v2.component`;
the browser imports the module once per page (its blob URL is cached by content). The player draws
on canvases and loads no plotly.js: on this kind of machine the 4.8 MB plotly.js bundle took
2.2-3.8 s to load, `Plotly.restyle` of the paths 50-60 ms per frame and a 3-D restyle 0.2-0.8 s
under software WebGL.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from optviz.racing import Race, Runner
from optviz.settings import SPEEDS, View, simple_fields
from optviz.views import figures
from optviz.views.style import hex_to_rgb
from surfaces.ranges import finite_number

ASSETS = Path(__file__).with_name("static")
COMPONENT_NAME = "optviz_race_player"
PLAYER_IMAGE_SIZE = 480  # the contour image's pixels per axis; ~1 px per screen pixel of a laptop's map


HEIGHT = 560  # pixels of the row with the contour map (the curves add a row on narrow screens)


def _b64(values: np.ndarray) -> str:
    """Little-endian float32 in base64: a third of the size of JSON numbers, exact enough to draw."""
    a = np.ascontiguousarray(values, dtype="<f4")
    return base64.b64encode(a.tobytes()).decode("ascii")


class _EntryMemo:
    """Each runner's part of the payload, made once per run and way of showing it: a race that
    reruns one competitor re-encodes that one. Keyed on the run's identity, kept alive by the entry."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self.items: OrderedDict[tuple, tuple[object, dict[str, Any], str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, race: Race, runner: Runner, view: View) -> tuple[dict[str, Any], str]:
        """The entry and a digest of it (for the payload's revision)."""
        t = runner.trajectory
        key = (id(t), race.surface.identity, runner.label, runner.color, view.show_arrows, view.show_rates)
        with self.lock:
            hit = self.items.get(key)
            if hit is not None and hit[0] is t:
                self.items.move_to_end(key)
                return hit[1], hit[2]
        entry = _runner(race, runner, view)
        text = json.dumps(entry, sort_keys=True, separators=(",", ":"))
        digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
        with self.lock:
            self.items[key] = (t, entry, digest)
            while len(self.items) > self.entries:
                self.items.popitem(last=False)
        return entry, digest


_entries = _EntryMemo(figures.SERIES_ENTRIES)


def _runner(race: Race, runner: Runner, view: View) -> dict[str, Any]:
    t = runner.trajectory
    entry: dict[str, Any] = {
        "label": runner.label,
        "color": runner.color,
        "casing": runner.casing,
        "divergedAt": t.diverged_at,
        "adaptive": figures.is_adaptive(runner),
        "xy": _b64(t.xy),
        "gap": _b64(figures.loss_gap(race, runner)),
        "dist": _b64(figures.distance(race, runner)),
        "z": _b64(figures.heights(race, runner)),
    }
    # Arrays a view does not show are left out: they are most of the bytes.
    if view.show_arrows:
        entry["grad"] = _b64(t.grad)
    if view.show_rates and entry["adaptive"]:
        entry["rate"] = _b64(figures.rates_shown(runner))
    return entry


@functools.lru_cache(maxsize=16)
def _image_data(image: figures.BandImage) -> dict[str, Any]:
    return {
        "size": int(image.bands.shape[0]),
        "palette": [list(hex_to_rgb(c)) for c in image.palette],  # bands, then their lines
        "runs": base64.b64encode(image.runs()).decode("ascii"),
    }


def _image(surface: Any) -> dict[str, Any]:
    return _image_data(figures.band_image(surface, PLAYER_IMAGE_SIZE))


def _surface(race: Race) -> dict[str, Any]:
    return _surface_data(figures.SurfaceKey.of(race.surface))


@functools.lru_cache(maxsize=16)
def _surface_data(key: figures.SurfaceKey) -> dict[str, Any]:
    """The surface's part of the payload, built once per surface (its complete identity is the key):
    races on one surface share it. Rebuilding the mesh and its hash on every rerun was a third of
    the payload's cost."""
    s = key.surface
    scale = figures.color_scale(s)
    _, _, z = figures.surface_mesh(s)
    (x0, x1), (y0, y1) = s.domain
    data: dict[str, Any] = {
        "name": s.name,
        "domain": [list(s.domain[0]), list(s.domain[1])],
        "minima": [list(m) for m in s.minima],
        "minimaZ": [float(v) for v in figures.mesh_heights(s, np.asarray(s.minima))],
        "image": _image(s),
        "scale": {
            "log": scale.log,
            "low": scale.low,
            "high": scale.high,
            "offset": scale.offset,
            "colors": scale.band_colors(),
            "ticks": [[t, label] for t, label in scale.ticks()],
            "title": scale.title,
        },
        "axes": {"x": figures.tick_ladder(x0, x1), "y": figures.tick_ladder(y0, y1)},
        "mesh": {
            "n": int(z.shape[0]),
            "z": _b64(z),
            "rgb": base64.b64encode(figures.mesh_colors(s).tobytes()).decode("ascii"),
        },
    }
    # The browser redraws the map and the surface only when this changes (not for every new race).
    data["key"] = hashlib.blake2b(json.dumps(data, sort_keys=True).encode(), digest_size=8).hexdigest()
    return data


def prepare(surface: Any) -> None:
    """Builds the surface's part of the payload ahead of a race on it (`optviz serve` does it for
    every built-in surface before the first visitor arrives)."""
    _surface_data(figures.SurfaceKey.of(surface))


def _titles(race: Race) -> dict[str, str]:
    t = figures.titles(race)
    return {
        "race": race.surface.title,
        "contour": t.contour,
        "surface": t.surface,
        "loss": t.loss,
        "distance": t.distance,
        "rate": t.rate,
        "x": t.x,
        "y": t.y,
        "z": t.z,
        "step": t.step,
        "lossAxis": t.loss_axis,
        "distanceAxis": t.distance_axis,
        "rateAxis": t.rate_axis,
    }


def _axis(axis: figures.LogAxis) -> dict[str, Any]:
    # The axis's decades as a ladder: the panel labels as many as its height has room for, at most
    # the CURVE_TICKS the video frames label.
    ladder = figures.decade_ladder(axis.low, axis.high, figures.CURVE_TICKS)
    return {"low": axis.low, "high": axis.high, "ticks": ladder}


STYLE = {
    "trail": figures.TRAIL_WIDTH,
    "casing": figures.CASING_WIDTH,
    "head": figures.HEAD_SIZE,
    "start": figures.START_SIZE,
    "end": figures.END_SIZE,
    "minimum": figures.MINIMUM_SIZE,
    "camera": list(figures.CAMERA),
    "zAspect": figures.Z_ASPECT,
    "lift": figures.LIFT,
    "note": figures.DIVERGED_NOTE,
    "floor": figures.CURVE_FLOOR,
    "colors": {
        "minimum": figures.MINIMUM_COLOR,
        "minimumEdge": figures.MINIMUM_EDGE,
        "ring": figures.RING_COLOR,
        "axis": figures.AXIS_COLOR,
        "grid": figures.GRID_COLOR,
    },
}


def payload(
    race: Race,
    view: View,
    *,
    clickable: bool = True,
    height: int = HEIGHT,
    fit: bool = False,
    have: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the browser needs to draw and play the race, as plain JSON data.

    `fit`: the views' height follows the window (the map ends just above its bottom edge, whatever
    the screen), rather than `height` pixels; for a page of its own (the app, the HTML export), not
    for a player among other output (a notebook).

    `have` is what the page says it holds from the race it drew last ({"surface": key, "runners":
    [digest, ...]}): the surface and the runners it holds are then sent as references
    ({"same": key} / {"same": digest}) instead of their arrays, which is most of a live update's bytes."""
    if not race.runners:
        raise ValueError("a race to play needs at least one runner")
    steps = race.runners[0].trajectory.steps
    curves = figures.curve_axes(race)
    data: dict[str, Any] = {
        "steps": steps,
        "clickable": clickable,
        "start": [float(v) for v in race.runners[0].trajectory.xy[0]],
        "options": {
            "show3d": view.show_3d,
            "arrows": view.show_arrows,
            "rates": view.show_rates,
            "trail": view.trail or None,  # 0: the whole path
            "speed": int(view.speed),
            "speeds": list(SPEEDS),
            "height": int(height),
            "fit": bool(fit),
            "present": view.present,
        },
        "titles": _titles(race),
        "surface": _surface(race),
        "axes": {"step": figures.tick_ladder(0, steps), **{k: _axis(a) for k, a in curves.items()}},
        "style": STYLE,
        "order": figures.draw_order(race),
    }
    entries = [_entries.get(race, r, view) for r in race.runners]
    # The revision names the race drawn: everything but the runners (small), and each runner's digest.
    rest = {k: v for k, v in data.items() if k != "surface"}
    text = json.dumps(rest, sort_keys=True, separators=(",", ":")) + data["surface"]["key"]
    text += "".join(d for _, d in entries)
    held = set(have.get("runners", ())) if have else set()
    data["runners"] = [{"same": d} if d in held else {**entry, "digest": d} for entry, d in entries]
    data["rev"] = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    if have and have.get("surface") == data["surface"]["key"]:
        data["surface"] = {"same": data["surface"]["key"]}
    return data


def encoded(
    race: Race,
    view: View,
    *,
    clickable: bool = True,
    height: int = HEIGHT,
    fit: bool = True,
    live: Mapping[str, Any] | None = None,
    have: Mapping[str, Any] | None = None,
) -> bytes:
    """What the app sends the player, as the bytes of its JSON text: the payload (as the app draws it:
    clickable, fitted to the window) with the live controls' data. The Streamlit component and the
    live endpoint (`optviz.app.live.answer`) both send this."""
    data = payload(race, view, clickable=clickable, height=height, fit=fit, have=have)
    if live is not None:
        data["live"] = dict(live)
    return json.dumps(data, separators=(",", ":")).encode()


def _check(view: View, height: int) -> None:
    """A view made in Python (rather than from a link or the sidebar, which check it) is checked too."""
    for f in simple_fields(View):
        f.metadata["kind"].check(f.name, getattr(view, f.name))
    if not 200 <= height <= 3000:
        raise ValueError(f"height must be between 200 and 3000 pixels, got {height}")


@functools.cache
def _component() -> Callable[..., Any]:
    import streamlit as st

    return st.components.v2.component(
        COMPONENT_NAME,
        html=(ASSETS / "player.html").read_text(encoding="utf-8"),
        css=(ASSETS / "player.css").read_text(encoding="utf-8"),
        js=(ASSETS / "player.js").read_text(encoding="utf-8"),
    )


def clicked_point(value: Any) -> tuple[float, float] | None:
    """The start point a click sent, or None: the browser's message is checked, never trusted."""
    if not isinstance(value, Mapping):
        return None
    try:
        return finite_number("x", value.get("x")), finite_number("y", value.get("y"))
    except ValueError:
        return None


def chosen_speed(value: Any) -> int | None:
    """The playback speed the menu sent, or None: only the menu's own choices are taken."""
    try:
        speed = finite_number("speed", value)
    except ValueError:
        return None
    return int(speed) if speed in SPEEDS else None


def flag(value: Any) -> bool | None:
    """A switch's state the browser sent, or None: only true or false are taken."""
    return value if isinstance(value, bool) else None


def preset_step(value: Any) -> int | None:
    """The next (+1) or previous (-1) preset the browser asked for, or None."""
    return value if type(value) is int and value in (-1, 1) else None


def race_player(
    race: Race,
    view: View,
    *,
    key: str,
    on_start: Callable[[tuple[float, float]], None] | None = None,
    on_speed: Callable[[int], None] | None = None,
    on_live: Callable[[Any], None] | None = None,
    on_commit: Callable[[Any], None] | None = None,
    on_present: Callable[[bool], None] | None = None,
    on_preset: Callable[[int], None] | None = None,
    on_view3d: Callable[[bool], None] | None = None,
    live: Mapping[str, Any] | None = None,
    have: Mapping[str, Any] | None = None,
    height: int = HEIGHT,
    fit: bool = True,
) -> None:
    """Draws the race: contour (filled, log colours when surface.log_color, minima marked) with
    every runner's trail and moving head, the 3-D surface with the same, loss vs step and distance to
    the nearest minimum vs step (log y axes) with a marker at the current step, play/pause, step
    back/forward, a scrub slider over steps and the playback speed. Clicking the contour calls
    on_start((x, y)) before the script reruns -- before and after an animation has played.

    With `live` (what its live controls show: `optviz.app.live.controls`), the player also has
    sliders for the competitors' hyperparameters and lets the start point be dragged: every value
    while dragging comes to `on_live(value)`, the value at release to `on_commit(value)`, both
    unchecked (the callbacks check them).

    Presenter mode (the button, the F key) comes to `on_present(bool)`; the N and P keys (next and
    previous preset) to `on_preset(+1 or -1)`; the D key (3-D view on or off) to `on_view3d(bool)`:
    each checked here first. With `fit` the views' height follows the browser's window."""
    import streamlit as st

    _check(view, height)
    raw = encoded(race, view, clickable=on_start is not None, height=height, fit=fit, live=live, have=have)

    def started() -> None:
        state = st.session_state.get(key)
        value = state.get("start") if isinstance(state, Mapping) else getattr(state, "start", None)
        point = clicked_point(value)
        if point is not None and on_start is not None:
            on_start(point)

    def sped() -> None:
        state = st.session_state.get(key)
        value = state.get("speed") if isinstance(state, Mapping) else getattr(state, "speed", None)
        speed = chosen_speed(value)
        if speed is not None and on_speed is not None:
            on_speed(speed)

    # Sent as the bytes of its JSON text, which Streamlit forwards as they are: a dict or a string
    # it first checks for dataframes, importing pandas and pyarrow (up to a second of the first
    # visitor's wait) though a race holds none.
    def sent(name: str, callback: Callable[[Any], None] | None) -> Callable[[], None]:
        def call() -> None:
            state = st.session_state.get(key)
            value = state.get(name) if isinstance(state, Mapping) else getattr(state, name, None)
            if callback is not None:
                callback(value)

        return call

    def checked(
        name: str, check: Callable[[Any], Any], callback: Callable[[Any], None] | None
    ) -> Callable[[], None]:
        def call() -> None:
            state = st.session_state.get(key)
            value = state.get(name) if isinstance(state, Mapping) else getattr(state, name, None)
            value = check(value)
            if value is not None and callback is not None:
                callback(value)

        return call

    _component()(
        data=raw,
        key=key,
        on_start_change=started,
        on_speed_change=sped,
        on_live_change=sent("live", on_live),
        on_commit_change=sent("commit", on_commit),
        on_present_change=checked("present", flag, on_present),
        on_preset_change=checked("preset", preset_step, on_preset),
        on_view3d_change=checked("view3d", flag, on_view3d),
        width="stretch",
    )


__all__ = [
    "ASSETS",
    "HEIGHT",
    "chosen_speed",
    "clicked_point",
    "flag",
    "payload",
    "preset_step",
    "race_player",
]
