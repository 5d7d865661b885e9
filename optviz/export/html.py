"""A standalone interactive page: the race as a plotly animation with Play/Pause and a step slider.

It works offline: plotly.js is inlined from the plotly package, the contour is a `layout.images` data
URI (plotly.js drops contour traces once an animation starts), and nothing refers to another URL.

Frames stay small. A frame sets only what moves: each runner's head and its recent path, as float32
typed arrays. With whole-path trails a frame cannot simply carry the path so far (that grows with the
square of the number of steps), so the frames are grouped: a hidden key frame per group holds each path
up to the group's first step, and every frame of the group names it as its `baseframe` and adds only
the part since then. With groups of about sqrt(frames) frames the page grows like frames^1.5, e.g.
~0.3 MB of frames for 4 runners x 300 steps instead of ~4 MB.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.io as pio

from optviz.export import marks
from optviz.export.options import ExportOptions, frame_steps
from optviz.racing import Race, Runner
from optviz.views import figures

Progress = Callable[[int, int], None]
DIV_ID = "optviz-race"  # fixed, so the same race and options always give the same bytes
PLAY_GROUP = "steps"
KEY_GROUP = "keys"
HEIGHT = 640
MAP_RIGHT = 0.66  # the map's share of the width when the side panel is shown


def typed(values: np.ndarray) -> dict[str, str] | list[float]:
    """Coordinates for the page: a float32 typed-array spec (which plotly.js decodes; a third of the
    size of JSON numbers), or for one or two points, short JSON numbers (a spec's own keys cost more)."""
    if len(values) <= 2:
        return [float(f"{v:.6g}") for v in values]
    data = np.ascontiguousarray(values, dtype="<f4")
    return {"dtype": "f4", "bdata": base64.b64encode(data.tobytes()).decode("ascii")}


class _Traces:
    """Indices of the traces one runner owns: old path, recent path, head, end mark, inset dot."""

    def __init__(self, first: int, inset: bool) -> None:
        self.old, self.recent, self.head, self.end = first, first + 1, first + 2, first + 3
        self.dot = first + 4 if inset else None


class _View:
    """Where a runner's points go: (x, y) on the map, or (x, y, z) on the 3-D surface."""

    def __init__(self, race: Race, options: ExportOptions) -> None:
        self.three_d = options.view == "3d"
        ends = np.array([marks.end_point(race.surface, r) for r in race.runners])
        self.ends = [{"x": typed(e[:1]), "y": typed(e[1:])} for e in ends]
        self.z = None
        if self.three_d:
            lift = marks.lift(race.surface)
            self.z = [figures.heights(race, r) + lift for r in race.runners]
            for end, z in zip(self.ends, figures.mesh_heights(race.surface, ends) + lift, strict=True):
                end["z"] = typed(np.array([z]))

    def points(self, i: int, runner: Runner, lo: int, hi: int) -> dict[str, Any]:
        xy = runner.trajectory.xy[lo:hi]
        out = {"x": typed(xy[:, 0]), "y": typed(xy[:, 1])}
        if self.z is not None:
            out["z"] = typed(self.z[i][lo:hi])
        return out

    def end(self, i: int) -> dict[str, Any]:
        """Runner i's end mark if it diverged: where it was last seen on the map."""
        return self.ends[i]

    def empty(self) -> dict[str, Any]:
        out: dict[str, Any] = {"x": [], "y": []}
        if self.z is not None:
            out["z"] = []
        return out


def _base(race: Race, options: ExportOptions, first: int) -> dict[str, Any]:
    """The app's figure for this view at the first step, without its runner traces (added here in a
    fixed order, so frames can address them by index)."""
    if options.view == "3d":
        fig = figures.surface_figure(race, first, trail=options.trail, height=HEIGHT)
        title = figures.titles(race).surface
    else:
        fig = figures.contour_figure(race, first, trail=options.trail, height=HEIGHT)
        title = figures.titles(race).contour
    labels = {r.label for r in race.runners}
    d = fig.to_dict()
    d["data"] = [t for t in d["data"] if t.get("legendgroup") not in labels]
    d["layout"]["title"]["text"] = title  # the slider shows the step
    return d


def _runner_traces(race: Race, options: ExportOptions, view: _View, runner: Runner) -> tuple[list, list]:
    """The traces frames set (old path, recent path, head, end mark, inset dot: the `_Traces` order)
    and those that never change (the start mark)."""
    kind = "scatter3d" if view.three_d else "scatter"
    width = 5 if view.three_d else figures.TRAIL_WIDTH
    line = {"color": runner.color, "width": width}
    group = runner.label
    head_size = 5 if view.three_d else figures.HEAD_SIZE
    end_size = 7 if view.three_d else figures.END_SIZE
    ha, va, _, _ = marks.note_anchor(race.surface, marks.end_point(race.surface, runner))
    # plotly names the side the text sits on: text that starts at the mark sits on its right.
    side = {"left": "right", "right": "left", "center": "center"}[ha]
    text_position = f"{'bottom' if va == 'top' else 'top'} {side}"
    # The legend entry is the recent path's: the old path stays empty with a trail, and plotly leaves
    # traces without points out of the legend.
    traces = [
        {
            "type": kind,
            "mode": "lines",
            "legendgroup": group,
            "showlegend": False,
            "line": line,
            "hoverinfo": "skip",
            **view.empty(),
        },
        {
            "type": kind,
            "mode": "lines",
            "name": figures.runner_label(runner),
            "legendgroup": group,
            "line": line,
            "hoverinfo": "skip",
            **view.empty(),
        },
        {
            "type": kind,
            "mode": "markers",
            "legendgroup": group,
            "showlegend": False,
            "name": runner.label,
            "marker": {
                "symbol": "circle",
                "size": head_size,
                "color": runner.color,
                "line": {"color": "#ffffff", "width": 1.5},
            },
            "hovertemplate": f"{runner.label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
            **view.empty(),
        },
        {
            "type": kind,
            "mode": "markers" if view.three_d else "markers+text",
            "legendgroup": group,
            "showlegend": False,
            "text": [figures.DIVERGED_NOTE.format(step=runner.trajectory.diverged_at)],
            "textposition": text_position,
            "textfont": {"color": runner.color},
            "marker": {"symbol": "x", "size": end_size, "color": runner.color},
            "hoverinfo": "text",
            **view.empty(),
        },
    ]
    if options.loss_inset:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "xaxis": "x2",
                "yaxis": "y2",
                "x": [],
                "y": [],
                "marker": {"size": 8, "color": runner.color, "line": {"color": "#ffffff", "width": 1}},
                "showlegend": False,
                "legendgroup": runner.label,
                "hoverinfo": "skip",
            }
        )
    if view.three_d:
        return traces, []
    xy0 = runner.trajectory.xy[0]
    start = {
        "type": "scatter",
        "mode": "markers",
        "x": [float(xy0[0])],
        "y": [float(xy0[1])],
        "legendgroup": group,
        "showlegend": False,
        "hoverinfo": "skip",
        "marker": {
            "symbol": "circle-open",
            "size": figures.START_SIZE,
            "color": runner.color,
            "line": {"width": 2},
        },
    }
    return traces, [start]


def _inset_traces(race: Race, first: int, last: int) -> tuple[list[dict], dict[str, Any]]:
    """Faint full loss curves in a small log-scale panel (the moving dots are added per runner)."""
    traces = []
    for runner in race.runners:
        gap = marks.loss_gap(race, runner)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "xaxis": "x2",
                "yaxis": "y2",
                "x": typed(np.arange(gap.size)),
                "y": typed(gap),
                "line": {"color": runner.color, "width": 1.5},
                "opacity": 0.45,
                "showlegend": False,
                "legendgroup": runner.label,
                "hoverinfo": "skip",
            }
        )
    axes = {
        "xaxis2": {"domain": [0.80, 1.0], "anchor": "y2", "range": [first, last], "title": {"text": "step"}},
        "yaxis2": {
            "domain": [0.52, 1.0],
            "anchor": "x2",
            "type": "log",
            "dtick": 1,
            "exponentformat": "power",
            "range": [math.log10(v) for v in marks.inset_range(race)],
            "showexponent": "all",
            "title": {"text": "f(w) − f*"},
        },
    }
    return traces, axes


def _frame_data(race: Race, options: ExportOptions, view: _View, step: int, key_step: int | None):
    """What a frame sets, per runner: its path (from `key_step` on, when a key frame holds the part
    before), its head or end mark, and its inset dot."""
    data: list[dict] = []
    for i, runner in enumerate(race.runners):
        k = figures.last_shown(runner, step)
        lo = figures.trail_start(k, options.trail)
        if key_step is not None:
            lo = max(lo, min(figures.last_shown(runner, key_step), k))
        data.append(view.points(i, runner, lo, k + 1))
        ended = figures.has_diverged_by(runner, step)
        data.append(view.empty() if ended else view.points(i, runner, k, k + 1))
        if runner.trajectory.diverged_at is not None:
            data.append(view.end(i) if ended else view.empty())
        if options.loss_inset:
            gap = marks.loss_gap(race, runner)
            j = min(step, gap.size - 1)
            data.append({"x": [j], "y": typed(gap[j : j + 1])})
    return data


def html_bytes(race: Race, options: ExportOptions, progress: Progress | None = None) -> bytes:
    """The page as UTF-8 bytes."""
    steps = [int(s) for s in frame_steps(options, race.runners[0].trajectory.steps)]
    first, last = options.steps_range(race.runners[0].trajectory.steps)
    view = _View(race, options)
    fig = _base(race, options, steps[0])
    layout = fig["layout"]

    owned: list[_Traces] = []
    fixed: list[dict] = []
    for runner in race.runners:
        moving, still = _runner_traces(race, options, view, runner)
        owned.append(_Traces(len(fig["data"]), options.loss_inset))
        fig["data"] += moving
        fixed += still
    inset, inset_axes = _inset_traces(race, first, last) if options.loss_inset else ([], {})
    # Traces that never move come after all the moving ones.
    fig["data"] += fixed + inset

    frames = _frames(race, options, view, steps, owned, progress)
    fig["frames"] = frames
    _apply_first(fig, frames, steps[0])
    _controls(layout, options, steps, view.three_d)
    _panel(fig, options, inset_axes, view.three_d)
    html = pio.to_html(
        fig,
        validate=False,
        include_plotlyjs=True,
        full_html=True,
        auto_play=False,
        div_id=DIV_ID,
        config={"displaylogo": False, "responsive": True},
    )
    return html.encode("utf-8")


def _group_size(count: int) -> int:
    return max(1, math.isqrt(count))


def _frames(race, options, view, steps, owned, progress) -> list[dict]:
    whole = options.trail is None
    size = _group_size(len(steps)) if whole else len(steps)
    # A runner that never diverges never shows its end mark: its frames leave that trace alone.
    moving = [
        i
        for t, r in zip(owned, race.runners, strict=True)
        for i in (t.recent, t.head, t.end if r.trajectory.diverged_at is not None else None, t.dot)
        if i is not None
    ]
    old = [t.old for t in owned]
    frames: list[dict] = []
    for g in range(0, len(steps), size):
        key_step = steps[g]
        base = None
        if whole:
            base = f"key{g // size}"
            frames.append(
                {
                    "name": base,
                    "group": KEY_GROUP,
                    "traces": old,
                    "data": [
                        view.points(i, r, 0, figures.last_shown(r, key_step) + 1)
                        for i, r in enumerate(race.runners)
                    ],
                }
            )
        for n, step in enumerate(steps[g : g + size], start=g):
            frame = {
                "name": _name(n, step),
                "group": PLAY_GROUP,
                "traces": moving,
                "data": _frame_data(race, options, view, step, key_step if whole else None),
            }
            if base is not None:
                frame["baseframe"] = base
            if view.three_d:
                frame["layout"] = {"scene": {"camera": {"eye": _eye(n / options.fps)}}}
            frames.append(frame)
            if progress is not None:
                progress(n + 1, len(steps))
    return frames


def _name(index: int, step: int) -> str:
    # Frame names must be unique; a slow-motion export shows some steps twice.
    return f"{index}:{step}"


def _eye(seconds: float) -> dict[str, float]:
    """The 3-D camera turning like the video's, at the same distance as the app's."""
    eye = figures.camera_eye()
    radius = math.hypot(eye["x"], eye["y"])
    azimuth = math.radians(marks.azimuth(seconds))
    return {"x": radius * math.cos(azimuth), "y": radius * math.sin(azimuth), "z": eye["z"]}


def _apply_first(fig: dict, frames: list[dict], first_step: int) -> None:
    """The page opens on the first frame (its key frame's traces, then its own)."""
    by_name = {f["name"]: f for f in frames}
    start = next(f for f in frames if f["group"] == PLAY_GROUP)
    for frame in (by_name.get(start.get("baseframe")), start):
        if frame is None:
            continue
        for index, values in zip(frame["traces"], frame["data"], strict=True):
            fig["data"][index].update(values)
    if "layout" in start:
        fig["layout"].setdefault("scene", {}).update(start["layout"]["scene"])


def _controls(layout: dict, options: ExportOptions, steps: list[int], redraw: bool) -> None:
    ms = 1000.0 / options.fps
    play = {
        "frame": {"duration": ms, "redraw": redraw},
        "fromcurrent": True,
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    pause = {"frame": {"duration": 0, "redraw": redraw}, "transition": {"duration": 0}, "mode": "immediate"}
    layout["updatemenus"] = [
        {
            "type": "buttons",
            "direction": "left",
            "showactive": False,
            "x": 0.0,
            "xanchor": "left",
            "y": 0.0,
            "yanchor": "top",
            "pad": {"t": 70, "r": 10},
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [PLAY_GROUP, play]},
                {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
            ],
        }
    ]
    seek = {"frame": {"duration": 0, "redraw": redraw}, "transition": {"duration": 0}, "mode": "immediate"}
    layout["sliders"] = [
        {
            "active": 0,
            "x": 0.17,
            "len": 0.83,
            "y": 0.0,
            "yanchor": "top",
            "pad": {"t": 55},
            "currentvalue": {
                "prefix": "step ",
                "suffix": f" of {steps[-1]}",
                "visible": options.step_counter,
                "font": {"size": 16, "color": "#222222"},
            },
            # Hundreds of step labels cannot be read: only the current value is shown.
            "font": {"color": "rgba(0,0,0,0)"},
            "ticklen": 0,
            "minorticklen": 0,
            "steps": [
                {"label": str(step), "method": "animate", "args": [[_name(n, step)], seek]}
                for n, step in enumerate(steps)
            ],
        }
    ]


def _panel(fig: dict, options: ExportOptions, inset_axes: dict, three_d: bool) -> None:
    layout, data = fig["layout"], fig["data"]
    layout["margin"] = {"l": 64, "r": 24, "t": 56, "b": 120}
    layout["showlegend"] = options.legend
    if not (options.loss_inset or options.legend):
        return
    right = MAP_RIGHT if options.loss_inset else 1.0
    if three_d:
        layout["scene"]["domain"] = {"x": [0.0, right], "y": [0.0, 1.0]}
    else:
        layout["xaxis"]["domain"] = [0.0, right]
    layout.update(inset_axes)
    if options.loss_inset:
        layout["legend"] = {"orientation": "v", "x": 0.80, "xanchor": "left", "y": 0.40, "yanchor": "top"}
        for trace in data:
            colorbar = trace.get("marker", {}).get("colorbar")
            if colorbar is not None:
                colorbar["x"] = right + 0.01
