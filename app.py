"""Optimizer race: gradient-descent methods side by side on 2-D loss surfaces.

Run with `streamlit run app.py`. This file only wires the page together: the widgets are in
`optviz.ui`, the settings and their URL form in `optviz.settings_url`, the race view in
`optviz.player`, the files offered for download in `optviz.export`, and the computation in the
`optviz` engine.
"""

from __future__ import annotations

import streamlit as st

from optviz import map_view, reconnect, ui
from optviz.player import PlayerOptions, race_player
from optviz.settings_url import race_config

st.set_page_config(page_title="Optimizer race", page_icon="⛰️", layout="wide")

# The URL is read once per session; from then on the widgets are the source of truth.
ui.init_state(ui.query_lists())
problems: list[str] = []

with st.sidebar:
    settings = ui.sidebar(ui.current(), problems)
    ui.share_section(settings)
# The settings as the widgets now show them become the state and the link.
st.session_state[ui.SETTINGS] = settings
ui.sync_url(settings)

ui.page_css(len(settings.competitors))
ui.header(settings)
ui.show_url_warnings()
reconnect.notice()
ui.problems_note(problems)

try:
    race = ui.compute_race(race_config(settings))
except ValueError as error:
    # A combination the engine refuses (e.g. a start where the surface is undefined): say so and keep
    # the settings, so the user can fix the one value.
    st.error(f"This race cannot run: {error}", icon=":material/error:")
    st.stop()

# Only the open tab runs: the stability map costs nothing while the race is on screen.
race_tab, map_tab = st.tabs(["Race", "Stability map"], key="tab", on_change="rerun")
view = settings.view
if race_tab.open:
    with race_tab:
        race_player(
            race,
            PlayerOptions(
                show_3d=view.show_3d,
                show_arrows=view.show_arrows,
                show_rates=view.show_rates,
                trail=view.trail or None,
                speed=view.speed,
            ),
            key="race",
            on_start=ui.set_start,
        )
        ui.divergence_notes(race)
        ui.batch_notes(race, settings)

        results, notes = st.columns([3, 2], gap="large")
        with results:
            st.subheader("Results", anchor=False)
            ui.results_table(race, settings.tol)
        with notes:
            ui.about(settings)
        ui.export_section(race)
        if view.show_formulas:
            ui.formulas(settings)


def race_with_cell(cell: dict) -> None:
    """A stability-map cell's values become the race's (and the link's)."""
    ui.load(map_view.apply_pick(settings, cell))
    st.rerun()


if map_tab.open:
    with map_tab:
        map_view.stability_map(settings, key="map", on_pick=race_with_cell)
