"""The real server under `streamlit run`, driven over its websocket and its live route by `loadtest`:
a short class with exports, hostile links, tampered widget values, hostile formulas, hostile bodies
and a flood sent to the live route, and a class dragging sliders live. The long load and soak runs
are `python -m loadtest.load`, `python -m loadtest.soak` and `python -m loadtest.drag`; their
figures are in README.md."""

from __future__ import annotations

import asyncio
import copy
import json
import random
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from loadtest import drag, hostile, load
from loadtest.server import Server, serve
from optviz.app import live
from optviz.link import to_query


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Runs `coroutine` on an event loop of its own thread: the browser tests' Playwright keeps a
    loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    from optviz.racing import run_race
    from optviz.settings import RaceSettings

    run_race(RaceSettings(steps=5))  # compile or load the kernels before the server needs them
    with serve(timeout=300) as s:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(load.warm_up, s.url).result()
        yield s
        assert not hostile.app_tracebacks(s.log()), hostile.app_tracebacks(s.log())


def test_a_short_class_with_exports_has_no_errors(server: Server):
    tally = run(
        load.run_class(server.url, sessions=5, exporters=1, duration=20, think=(0.5, 2.0), ramp=2, seed=1)
    )
    assert not tally.errors, tally.errors
    assert tally.actions["first load"] == 5
    assert len(tally.changes) >= 20
    assert tally.exports, "the exporting session made no file"


def test_hostile_links_give_warnings_naming_every_bad_key(server: Server):
    cases = hostile.hostile_queries(500, seed=2)[::8]
    assert not run(hostile.links(server.url, cases, concurrency=2))


def test_tampered_widget_values_never_show_an_exception(server: Server):
    assert not run(hostile.tampered(server.url))


def test_hostile_formulas_are_refused_with_a_message_and_a_good_one_races_after(server: Server):
    assert not run(hostile.formulas(server.url))


def test_the_server_still_serves_a_normal_page(server: Server):
    assert run(hostile.still_up(server.url)) is None
    assert server.alive()


def test_tampered_live_changes_are_dropped_and_a_real_one_races_after(server: Server):
    assert not run(hostile.live_changes(server.url))


def test_hostile_bodies_sent_to_the_live_route_are_refused_with_their_reason(server: Server):
    assert not run(hostile.live_route(server.url))


def test_a_flood_of_live_changes_is_shed_while_a_dragging_session_still_gets_answers(server: Server):
    assert not run(hostile.live_flood(server.url))


@pytest.mark.parametrize(
    ("line", "sessions", "duration"), [("direct", 3, 8), ("host", 2, 4)], ids=["direct", "host"]
)
def test_a_class_dragging_live_gets_every_change_answered_and_every_release_drawn(
    server: Server, line: str, sessions: int, duration: float
):
    # Sessions dragging an η slider for two seconds every four, as the player does it (one change in
    # flight), over the live route (direct) or as the component's events (host, the page without the
    # route); functional facts only: the machine is shared, the timings are drag.py's.
    stats = run(
        drag.run_drag(
            server.url, sessions, duration, period=4, burst=2, seed=3, arrive=1, timeout=30, line=line
        )
    )
    assert [s.errors for s in stats] == [[]] * sessions
    for s in stats:
        assert s.bursts >= 1 and s.moves >= 100
        # Every change sent was answered by a race showing its value (drag.py checks the value and
        # the seq of each answer: a mismatch is an error), but the last one of a burst, which the
        # release supersedes; none was refused as busy.
        assert s.answers >= s.sent - s.bursts > 0
        assert s.busy == 0
        assert len(s.lags) == s.answers
        # Over the direct line every live race came from the route, none from a rerun of the page.
        assert s.routed >= s.answers if line == "direct" else s.routed == 0
        assert len(s.commits) == len(s.pages) == s.bursts  # every release drawn, the whole page after


# --- drag.py's checks of the route's answers, on answers made here (no server) -----------------------


def answered_session(monkeypatch: pytest.MonkeyPatch) -> tuple[drag.Dragger, dict[str, Any], dict[str, Any]]:
    """A dragging session holding the race, the body of its change 1 (η of competitor 1 to 0.02), and
    the answer the route gives it (`live.answer`, as on a server with the route)."""
    monkeypatch.setattr(live, "ENDPOINT", "/api/optviz/live")
    settings = to_query(drag.SETTINGS)
    d = drag.Dragger("http://127.0.0.1:9", random.Random(0))
    first = {"runner": 0, "name": "lr", "value": 0.01, "seq": 0}
    d.draw(json.loads(live.answer({"settings": settings, "change": first})))
    d.stats.runner, d.seq, d.values[1] = 0, 1, 0.02
    d.inflight = {"seq": 1, "at": 0.0, "input": 0.0}
    body = {"settings": settings, "change": {**first, "value": 0.02, "seq": 1, "have": d.holding()}}
    return d, body, json.loads(live.answer(body))


def test_drag_takes_the_routes_answer_to_its_change(monkeypatch: pytest.MonkeyPatch):
    d, body, answer = answered_session(monkeypatch)
    assert any("same" in r for r in answer["runners"])  # the runs the session holds are not sent again
    run(d.direct_answer(body, answer, 0.5))
    assert d.stats.errors == [] and d.stats.answers == d.stats.routed == 1 and d.stats.lags == [0.5]
    assert d.shown() == 0.02


def tampered(answer: dict[str, Any], how: str) -> dict[str, Any]:
    answer = copy.deepcopy(answer)
    if how == "seq":
        answer["live"]["seq"] = 2
    elif how == "value":  # the change ignored: the race shows the value before it
        answer["live"]["runners"][0]["lr"] = 0.01
    elif how == "settings":
        answer["live"]["settings"] = {**answer["live"]["settings"], "steps": "100"}
    elif how == "run":
        answer["runners"][1] = {"same": "f" * 16}
    return answer


@pytest.mark.parametrize("how", ["seq", "value", "settings", "run"])
def test_drag_counts_an_answer_that_is_not_its_changes_as_an_error(monkeypatch: pytest.MonkeyPatch, how: str):
    d, body, answer = answered_session(monkeypatch)

    async def take() -> None:
        try:
            await d.direct_answer(body, tampered(answer, how), 0.5)
        except LookupError as error:  # a run it does not hold: `post` counts it
            d.error(str(error))

    run(take())
    assert d.stats.errors, how
