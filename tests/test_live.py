"""What the player sends while a control is dragged (`optviz.app.live`): checked like any input, made
into the settings the way the sidebar would, and the controls it shows derived from the settings."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl

import pytest

from loadtest.hostile import LIVE_CHANGES, LIVE_LINK
from optviz.app import live
from optviz.link import from_query
from optviz.params import HYPERPARAMETERS
from optviz.presets import PRESETS
from optviz.settings import start_ranges

# The race the hostile changes are written against (the same link the server test opens).
SETTINGS = from_query(dict(parse_qsl(LIVE_LINK)))[0]


@pytest.mark.parametrize("value", LIVE_CHANGES, ids=lambda v: repr(v)[:60])
def test_a_tampered_change_is_dropped(value: Any) -> None:
    assert live.checked(value, SETTINGS) is None


@pytest.mark.parametrize(
    "have",
    [
        "everything",
        {"surface": "x" * 33, "runners": []},
        {"surface": "k", "runners": ["d"] * 4},  # more runners than the race has
        {"surface": "k", "runners": [1, 2]},
        {"surface": "k", "runners": ["x" * 33]},
        {"surface": 5, "runners": []},
    ],
    ids=repr,
)
def test_what_the_page_says_it_holds_is_ignored_when_malformed(have: Any) -> None:
    change = live.checked({"runner": 0, "name": "lr", "value": 0.02, "have": have}, SETTINGS)
    assert change is not None and change["have"] is None
    assert change["value"] == 0.02


def test_a_checked_change_is_applied_to_its_competitor_only() -> None:
    change = live.checked({"runner": 2, "name": "beta1", "value": 0.5, "seq": 7}, SETTINGS)
    assert change == {"seq": 7, "runner": 2, "name": "beta1", "value": 0.5, "have": None}
    settings = live.applied(SETTINGS, change)
    assert settings.competitors[2] == replace(SETTINGS.competitors[2], beta1=0.5)
    assert settings.competitors[:2] == SETTINGS.competitors[:2]
    assert live.applied(SETTINGS, None) is SETTINGS


def test_the_shared_learning_rate_moves_for_everyone() -> None:
    shared = replace(SETTINGS, shared=True, shared_lr=0.01)
    settings = live.applied(shared, live.checked({"runner": 1, "name": "lr", "value": 0.003}, shared))
    assert settings.shared_lr == 0.003
    assert {c.lr for c in settings.raced()} == {0.003}


def test_a_start_inside_the_surface_moves_the_race() -> None:
    rx, ry = start_ranges(SETTINGS.surface_object())
    x, y = (rx.low + rx.high) / 2, (ry.low + ry.high) / 2
    change = live.checked({"start": [x, y], "seq": 3}, SETTINGS)
    assert change is not None
    assert live.applied(SETTINGS, change).start == (x, y)


def test_every_value_a_live_slider_offers_is_accepted() -> None:
    """The player's sliders take their positions from `controls`: each one is a value the check
    accepts, so no position of a slider is silently dropped."""
    for preset in PRESETS.values():
        settings = preset.settings
        controls = live.controls(settings, 0)
        for i, values in enumerate(controls["runners"]):
            for name in values:
                for position in controls["params"][name]["positions"]:
                    change = live.checked({"runner": i, "name": name, "value": position}, settings)
                    assert change is not None, (preset.key, i, name, position)


def test_the_controls_show_the_race_as_run() -> None:
    shared = replace(SETTINGS, shared=True, shared_lr=0.004)
    controls = live.controls(shared, 5)
    assert controls["seq"] == 5
    assert [r["lr"] for r in controls["runners"]] == [0.004] * 3
    assert set(controls["runners"][1]) == {"lr", "gamma"}
    assert set(controls["params"]) == {"lr", "gamma", "beta1", "beta2", "eps"}
    for name, param in controls["params"].items():
        assert param["symbol"] == HYPERPARAMETERS[name].symbol
