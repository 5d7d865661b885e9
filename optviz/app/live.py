"""The race while a control is dragged: every value the player sends while the pointer moves is
raced at once, and the release makes it the race's setting.

The player (a component inside a fragment, `page.live_race`) sends a live change on every move of
a live slider or of a dragged start point, and ("commit", change) on release. A change is a
competitor's hyperparameter ({"runner": i, "name": "lr", "value": 0.02}) or a start point
({"start": [x, y]}), with the sequence number `seq` the player counts up. The answer is the race
with that one value changed, whose data carries the `seq` back so the player knows its change was
drawn and sends the next one (one in flight: values that arrive meanwhile are coalesced in the
page). A live change goes one of two ways:

- over the direct line, when the app is served with its route (`direct_line`, `answer`,
  `optviz.app.live_endpoint`): the player posts it with the settings it applies to, and draws the
  answer; nothing on the page reruns;
- else through the component, as ("live", change): it reruns only the fragment (`on_live`).

The release writes the change into the settings, and the whole page reruns: the sidebar, the
results, the notes and the link follow.

What arrives from the page is input like any other: a change that is malformed, out of range or
for a competitor that does not exist is refused (`check_change` says why), and the race on screen
stays as it was.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import replace
from typing import Any

import streamlit as st

from optviz import presets
from optviz.app.state import PREFIX, SETTINGS, current, set_start, start_point
from optviz.checks import show
from optviz.engine.optimizers import OPTIMIZERS
from optviz.link import from_query, to_query
from optviz.params import HYPERPARAMETERS
from optviz.racing import Race, run_race
from optviz.settings import RaceSettings, start_ranges
from optviz.views import player
from surfaces.ranges import finite_number, whole_number

LIVE = "live.change"  # the last live change, checked (None: none)
FULL_RERUN = "live.full_rerun"  # set by a callback whose change the whole page must show


def checked(value: Any, settings: RaceSettings) -> dict[str, Any] | None:
    """The change the page sent, checked against the settings, or None."""
    try:
        return check_change(value, settings)
    except ValueError:
        return None


def check_change(value: Any, settings: RaceSettings) -> dict[str, Any]:
    """The change the page sent, checked against the settings; ValueError says what is wrong with it."""
    if not isinstance(value, dict):
        raise ValueError(f"a live change must be an object, got {quoted(value)}")
    seq = whole_number("seq", value.get("seq", 0), 0)
    have = _have(value.get("have"), len(settings.competitors))
    if "start" in value:
        start = value["start"]
        if not isinstance(start, list | tuple) or len(start) != 2:
            raise ValueError(f"start must be a pair [x, y], got {quoted(start)}")
        x, y = (finite_number("start", v) for v in start)
        rx, ry = start_ranges(settings.surface_object())
        if not (rx.contains(x) and ry.contains(y)):
            raise ValueError(f"start ({x:g}, {y:g}) is outside the plotted region of {settings.surface}")
        return {"seq": seq, "start": start_point(settings, (x, y)), "have": have}
    runner = whole_number("runner", value.get("runner"), 0, len(settings.competitors) - 1)
    name = value.get("name")
    optimizer = settings.competitors[runner].optimizer
    if name not in OPTIMIZERS[optimizer].uses:
        raise ValueError(f"{quoted(name)} is not a hyperparameter of competitor {runner + 1} ({optimizer})")
    number = HYPERPARAMETERS[name].check(value.get("value"))
    return {"seq": seq, "runner": runner, "name": name, "value": number, "have": have}


def quoted(value: Any) -> str:
    """What the page sent, quoted for a message as it was written (JSON), cut short."""
    return show(value if isinstance(value, str) else json.dumps(value, default=repr))


def _have(value: Any, runners: int) -> dict[str, Any] | None:
    """What the page says it holds ({"surface": key, "runners": [digest, ...]}), or None: a few short
    strings at most (a reference the server does not recognise is simply not used)."""
    if not isinstance(value, dict):
        return None
    surface = value.get("surface")
    digests = value.get("runners")
    if not isinstance(surface, str) or len(surface) > 32 or not isinstance(digests, list):
        return None
    if len(digests) > runners or not all(isinstance(d, str) and len(d) <= 32 for d in digests):
        return None
    return {"surface": surface, "runners": digests}


def applied(settings: RaceSettings, change: dict[str, Any] | None) -> RaceSettings:
    """The settings with a checked change made (a shared learning rate moves for everyone)."""
    if change is None:
        return settings
    if "start" in change:
        return replace(settings, start=change["start"])
    i, name, value = change["runner"], change["name"], change["value"]
    if name == "lr" and settings.shared:
        return replace(settings, shared_lr=value)
    competitors = list(settings.competitors)
    competitors[i] = replace(competitors[i], **{name: value})
    return replace(settings, competitors=tuple(competitors))


def on_live(value: Any) -> None:
    """A value sent while dragging: raced by the fragment's rerun that follows."""
    change = checked(value, current())
    if change is not None:
        st.session_state[LIVE] = change


def on_commit(value: Any) -> None:
    """The value at release: it becomes the setting, and the whole page reruns."""
    settings = current()
    change = checked(value, settings)
    st.session_state[LIVE] = None
    if change is None:
        return
    if "start" in change:
        set_start(change["start"])
    else:
        st.session_state[SETTINGS] = applied(settings, change)
        # The competitor's box (and the shared η) show the new value when they are drawn next.
        slot = f"{PREFIX}c{change['runner'] + 1}.{change['name']}"
        for key in (slot, slot + ".slider", PREFIX + "lr", PREFIX + "lr.slider"):
            st.session_state.pop(key, None)
    st.session_state[FULL_RERUN] = True


class RefusedRaceError(ValueError):
    """The engine refuses the race a change makes (a start where a typed surface is undefined)."""


def changed_race(settings: RaceSettings, change: dict[str, Any] | None) -> tuple[RaceSettings, Race]:
    """The settings with a checked change made, and their race; RefusedRaceError if the engine refuses it."""
    changed = applied(settings, change)
    try:
        return changed, run_race(changed.race_part())
    except ValueError as error:
        raise RefusedRaceError(f"this race cannot run: {error}") from None


def shown(
    settings: RaceSettings, change: dict[str, Any] | None
) -> tuple[RaceSettings, Race, dict[str, Any] | None]:
    """What the fragment draws: the settings with a checked change made, their race, and the change;
    when the engine refuses the changed race, the settings' own race and None."""
    try:
        return (*changed_race(settings, change), change)
    except RefusedRaceError:
        if change is None:
            raise
        return settings, run_race(settings.race_part()), None


def controls(settings: RaceSettings, seq: int) -> dict[str, Any]:
    """What the player's live controls show: every hyperparameter of every competitor with its value
    (as it races: the shared η under shared mode) and, once per parameter, its symbol, label and the
    slider's positions (`Param.fine`); `seq`, the last change this race answers."""
    raced = settings.raced()
    names = [n for n in HYPERPARAMETERS if any(n in OPTIMIZERS[c.optimizer].uses for c in raced)]
    return {
        "seq": seq,
        "params": {
            n: {
                "symbol": HYPERPARAMETERS[n].symbol,
                "label": HYPERPARAMETERS[n].label,
                "positions": list(HYPERPARAMETERS[n].fine),
            }
            for n in names
        },
        "runners": [
            {n: float(c.value(n)) for n in OPTIMIZERS[c.optimizer].uses if math.isfinite(float(c.value(n)))}
            for c in raced
        ],
    }


# --- the direct line: live changes answered over HTTP, without rerunning the page -------------------

# Where the direct line is mounted (`optviz.app.live_endpoint.routes`), or None: the page is served
# without it (an AppTest, a bare script) and live changes take the fragment's rerun instead.
ENDPOINT: str | None = None
MAX_SETTING_KEYS = 200  # a link of ten competitors has ~70 keys
MAX_SETTING_TEXT = 1000  # a typed formula is the longest value


def direct_line(settings: RaceSettings) -> dict[str, Any]:
    """What the player needs to send live changes straight to the server: the endpoint and the
    settings the changes apply to, as their link's keys (empty when the line is not mounted)."""
    if ENDPOINT is None:
        return {}
    return {"url": ENDPOINT, "settings": to_query(settings)}


def answer(sent: Any) -> bytes:
    """The player's data for a live change sent over the direct line ({"settings": the link's keys,
    "change": a live change}): the same race, controls and references to what the page holds as
    the fragment's rerun would draw. ValueError says what is wrong with what was sent."""
    if not isinstance(sent, dict) or set(sent) != {"settings", "change"}:
        raise ValueError(f"expected an object with settings and change, got {quoted(sent)}")
    settings = settings_of(sent["settings"])
    change = check_change(sent["change"], settings)
    changed, race = changed_race(settings, change)
    live = controls(changed, change["seq"]) | direct_line(settings)
    return player.encoded(race, settings.view, live=live, have=change["have"])


def settings_of(query: Any) -> RaceSettings:
    """The settings a page's link keys stand for. The page sent what the server gave it, so a key
    the link reader would warn about means the keys were not a link this app made: refused."""
    if not isinstance(query, dict) or not 0 < len(query) <= MAX_SETTING_KEYS:
        raise ValueError(f"settings must be an object of up to {MAX_SETTING_KEYS} keys, got {quoted(query)}")
    for key, value in query.items():
        if len(key) > 32:
            raise ValueError(f"settings: {show(key)} is not a setting (a link's keys are short)")
        if not isinstance(value, str) or len(value) > MAX_SETTING_TEXT:
            raise ValueError(f"settings: {show(key)} must be text of up to {MAX_SETTING_TEXT} characters")
    return _settings(tuple(sorted(query.items())))


@functools.lru_cache(maxsize=64)
def _settings(items: tuple[tuple[str, str], ...]) -> RaceSettings:
    # Every change of one drag applies to the same settings: read once.
    settings, warnings = from_query(dict(items), presets.DEFAULT.settings)
    if warnings:
        raise ValueError(f"settings: {warnings[0]}")
    return settings
