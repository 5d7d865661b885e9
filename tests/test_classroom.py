"""The classroom screen's server side: presenter mode in the settings and the link, the player's
messages for it (checked, never trusted), the next / previous preset and the 3-D switch from the keys,
and the payload's window-following height."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from optviz import presets
from optviz.app import state
from optviz.link import from_query, to_query
from optviz.racing import run_race
from optviz.settings import RaceSettings
from optviz.views import player


@pytest.mark.parametrize(
    ("value", "taken"), [(True, True), (False, False), (1, None), ("true", None), (None, None)]
)
def test_a_switch_takes_only_true_or_false(value, taken):
    assert player.flag(value) is taken


@pytest.mark.parametrize(
    ("value", "taken"), [(1, 1), (-1, -1), (2, None), (0, None), (True, None), (1.0, None), ("1", None)]
)
def test_a_preset_step_is_one_forward_or_back(value, taken):
    assert player.preset_step(value) == taken


def test_presenter_mode_is_in_the_link_and_a_link_opens_it():
    beale = presets.PRESETS["beale"].settings
    shown = replace(beale, view=replace(beale.view, present=True))
    query = to_query(shown)
    assert query["present"] == "1" and to_query(beale)["present"] == "0"
    assert from_query(query, presets.DEFAULT.settings)[0] == shown
    # it is how the race is shown, not the race: the same preset, the same race
    assert presets.matching(shown) == "beale"
    assert shown.race_part() == beale.race_part()


def test_the_payload_says_whether_the_views_follow_the_window_and_presenter_mode():
    race = run_race(replace(RaceSettings(), steps=5))
    data = player.payload(race, race.settings.view)
    assert data["options"]["fit"] is False and data["options"]["present"] is False
    shown = replace(race.settings.view, present=True)
    data = player.payload(race, shown, fit=True)
    assert data["options"]["fit"] is True and data["options"]["present"] is True
    assert data["titles"]["race"] == race.surface.title


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> dict:
    values: dict = {}
    monkeypatch.setattr(state, "st", SimpleNamespace(session_state=values))
    return values


def test_next_and_previous_preset_go_round_in_the_pickers_order_keeping_the_view(session: dict):
    names = list(presets.PRESETS)
    start = presets.PRESETS[names[0]].settings
    view = replace(start.view, present=True, speed=60)
    session[state.SETTINGS] = replace(start, view=view)
    session[state.PREFIX + "steps"] = 12  # a widget's state: dropped, so that it shows the new preset
    state.step_preset(1)
    assert presets.matching(session[state.SETTINGS]) == names[1]
    assert session[state.SETTINGS].view == view
    assert state.PREFIX + "steps" not in session
    state.step_preset(-1)
    state.step_preset(-1)
    assert presets.matching(session[state.SETTINGS]) == names[-1]
    state.step_preset(1)
    assert presets.matching(session[state.SETTINGS]) == names[0]
    # from settings that are no preset's: the first, or the last
    session[state.SETTINGS] = replace(start, steps=start.steps + 1)
    state.step_preset(-1)
    assert presets.matching(session[state.SETTINGS]) == names[-1]


def test_presenter_mode_and_the_3d_switch_from_the_player(session: dict):
    session[state.SETTINGS] = presets.DEFAULT.settings
    state.set_present(True)
    assert session[state.SETTINGS].view.present
    state.set_view3d(False)
    assert not session[state.SETTINGS].view.show_3d
    assert session[state.PREFIX + "show_3d"] is False  # the sidebar's switch shows it
    assert session[state.SETTINGS].race_part() == presets.DEFAULT.settings.race_part()
