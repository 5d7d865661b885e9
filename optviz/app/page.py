"""The page, top to bottom: the sidebar's settings, the header, the race with its results, notes and
export, and the stability map. Streamlit runs `main` on every interaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from optviz.app import header, live, map_tab, reconnect, results, state
from optviz.app.export_panel import export_section
from optviz.app.markup import verbatim
from optviz.app.sidebar import share_section, sidebar
from optviz.racing import Race
from optviz.settings import RaceSettings
from optviz.views.player import race_player

SHOW_RACE = "show_race"  # set by a picked map cell: the next run opens the race it made


def main() -> None:
    st.set_page_config(page_title="Optimizer race", page_icon="⛰️", layout="wide")
    # The URL is read once per session; from then on the widgets are the source of truth.
    state.init_state(state.query_lists())
    # A whole-page run shows the settings: a value left from a drag (not released) is dropped.
    st.session_state[live.LIVE] = None
    problems: list[str] = []
    with st.sidebar:
        settings = sidebar(state.current(), problems)
        share_section(settings)
    # The settings as the widgets now show them become the state and the link.
    st.session_state[state.SETTINGS] = settings
    state.sync_url(settings)

    header.page_css(settings.competitors)
    header.header(settings)
    header.show_url_warnings()
    reconnect.notice()
    header.problems_note(problems)
    try:
        race = state.compute_race(settings.race_part())
    except ValueError as error:
        # A combination the engine refuses (e.g. a start where the surface is undefined): say so and
        # keep the settings, so the user can fix the one value.
        st.error(verbatim(f"This race cannot run: {error}"), icon=":material/error:")
        st.stop()

    # Only the open tab runs: the stability map costs nothing while the race is on screen.
    if st.session_state.pop(SHOW_RACE, False):
        st.session_state["tab"] = "Race"
    race_tab, stability_tab = st.tabs(["Race", "Stability map"], key="tab", on_change="rerun")
    if race_tab.open:
        with race_tab:
            race_view(settings, race)
    if stability_tab.open:
        with stability_tab:
            map_tab.stability_map(settings, key="map", on_pick=lambda cell: race_with_cell(settings, cell))


def race_view(settings: RaceSettings, race: Race) -> None:
    """The race tab: what to look for, the player, then what the race did."""
    # The note in a box of its own, there whether a preset's note shows or not: the player after it
    # keeps its place on the page, so the browser updates it rather than mounting a new one (which
    # lost its step, camera and hidden runners when a change made the settings a preset's or not).
    with st.container():
        header.watch_note(settings, race)
    live_race(settings)
    results.divergence_notes(race)
    results.batch_notes(race, settings)
    table, notes = st.columns([3, 2], gap="large")
    with table:
        st.subheader("Results", anchor=False)
        results.results_table(race, settings.tol)
    with notes:
        header.about(settings)
    export_section(race)
    if settings.view.show_formulas:
        header.formulas(settings)


@st.fragment
def live_race(settings: RaceSettings) -> None:
    """The player. While a control is dragged, the player asks the app's live route for each value's
    race (`optviz.app.live_endpoint`); served without that route, this fragment reruns on its own
    for it instead (`optviz.app.live`). A release, a click or the speed menu reruns the whole page,
    so that the sidebar, the results and the link show it too."""
    if st.session_state.pop(live.FULL_RERUN, False):
        st.rerun(scope="app")
    shown, race, change = live.shown(settings, st.session_state.get(live.LIVE))
    race_player(
        race,
        settings.view,
        key="race",
        on_start=_whole_page(state.set_start),
        on_speed=_whole_page(state.set_speed),
        on_live=live.on_live,
        on_commit=live.on_commit,
        on_present=_whole_page(state.set_present),
        on_preset=_whole_page(state.step_preset),
        on_view3d=_whole_page(state.set_view3d),
        live=live.controls(shown, 0 if change is None else change["seq"]) | live.direct_line(settings),
        # A live update answers a page that holds the race before: what it holds is not sent again.
        have=None if change is None else change["have"],
    )


def _whole_page(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """A player's callback whose change the whole page shows (not only the fragment)."""

    def call(value: Any) -> None:
        callback(value)
        st.session_state[live.FULL_RERUN] = True

    return call


def race_with_cell(settings: RaceSettings, cell: dict) -> None:
    """A stability-map cell's values become the race's (and the link's), shown in the Race tab."""
    state.load(map_tab.apply_pick(settings, cell))
    st.session_state[SHOW_RACE] = True
    st.rerun()
