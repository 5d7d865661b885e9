"""The session's state: the current settings (one valid `RaceSettings`), their link in the address
bar, and the race they make.

State lives in `st.session_state[SETTINGS]`. Every widget's key starts with "w."; a widget is seeded
from the settings when it first appears, and the sidebar reads all of them back into new settings on
every run. Whatever replaces the settings wholesale (a preset, the surface picker, adding or removing
a competitor) goes through `load`, which drops the widgets' state so that they are seeded afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import streamlit as st

from optviz import presets
from optviz.link import from_query, to_query
from optviz.racing import Race, run_race
from optviz.settings import (
    Competitor,
    CustomSurface,
    RaceSettings,
    start_ranges,
)

SETTINGS = "settings"


URL_WARNINGS = "url_warnings"


PREFIX = "w."


def init_state(query: Mapping[str, Sequence[str]]) -> None:
    """Reads the URL once per session; later changes flow from the widgets to the URL."""
    if SETTINGS in st.session_state:
        return
    # A missing or malformed key takes the value the app opens with.
    settings, warnings = from_query(query, presets.DEFAULT.settings)
    st.session_state[SETTINGS] = settings
    st.session_state[URL_WARNINGS] = warnings


def current() -> RaceSettings:
    settings = st.session_state[SETTINGS]
    stale = type(settings) is not RaceSettings or any(type(c) is not Competitor for c in settings.competitors)
    if stale or (settings.custom is not None and type(settings.custom) is not CustomSurface):
        # Streamlit re-imports the app's modules when a source file changes; settings made by the old
        # classes would not pickle into the race cache. Their plain-data form rebuilds them.
        settings = from_query(to_query(settings), presets.DEFAULT.settings)[0]
        st.session_state[SETTINGS] = settings
    return settings


def load(settings: RaceSettings) -> None:
    """Makes `settings` current and lets every widget show it."""
    st.session_state[SETTINGS] = settings
    for key in [k for k in st.session_state if str(k).startswith(PREFIX)]:
        del st.session_state[key]


def seed(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def query_lists() -> dict[str, list[str]]:
    """The query parameters with repeated keys kept (st.query_params[k] shows only the last)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def sync_url(settings: RaceSettings) -> None:
    """Keeps the address bar's query string equal to the settings, so the link is always shareable."""
    query = to_query(settings)
    if query_lists() != {k: [v] for k, v in query.items()}:
        st.query_params.from_dict(query)


def _default_start() -> None:
    settings = current()
    set_start(settings.surface_object().start)


def set_speed(speed: int) -> None:
    """The playback speed chosen in the player's menu (already checked); runs before the rerun."""
    settings = current()
    st.session_state[SETTINGS] = replace(settings, view=replace(settings.view, speed=speed))


def set_present(on: bool) -> None:
    """Presenter mode switched in the player (already checked): the link keeps it."""
    settings = current()
    st.session_state[SETTINGS] = replace(settings, view=replace(settings.view, present=on))


def set_view3d(on: bool) -> None:
    """The 3-D view switched from the player's keyboard (already checked); the sidebar's switch
    shows it when it is drawn next."""
    settings = current()
    st.session_state[SETTINGS] = replace(settings, view=replace(settings.view, show_3d=on))
    st.session_state[PREFIX + "show_3d"] = on


def step_preset(by: int) -> None:
    """The next (+1) or previous (-1) preset, in the picker's order and round: the lecture's first.
    From settings that are no preset's, the first (or the last). How the race is shown stays."""
    settings = current()
    names = list(presets.PRESETS)
    name = presets.matching(settings)
    if name is None:
        chosen = names[0] if by > 0 else names[-1]
    else:
        chosen = names[(names.index(name) + by) % len(names)]
    load(replace(presets.PRESETS[chosen].settings, view=settings.view, tol=settings.tol))


def start_point(settings: RaceSettings, xy: tuple[float, float]) -> tuple[float, float]:
    """A point clicked or dragged on the map as a start: to 3 decimals (what the link shows), inside
    the surface's plotted region. A dragged start races from exactly the point its release keeps."""
    rx, ry = start_ranges(settings.surface_object())
    x = min(max(round(float(xy[0]), 3), rx.low), rx.high)
    y = min(max(round(float(xy[1]), 3), ry.low), ry.high)
    return x, y


def set_start(xy: tuple[float, float]) -> None:
    """The start point from a click on the contour (or the reset button); runs before the rerun."""
    settings = current()
    x, y = start_point(settings, xy)
    st.session_state[SETTINGS] = replace(settings, start=(x, y))
    st.session_state[PREFIX + "x0"] = x
    st.session_state[PREFIX + "y0"] = y


def compute_race(settings: RaceSettings) -> Race:
    """The race of the settings' race part (`RaceSettings.race_part`). Not cached as a whole: each
    competitor's run is (`optviz.racing`), across sessions, so a rerun that changes one competitor
    (or only the view) reruns one run (or none), and nothing is pickled."""
    return run_race(settings)
