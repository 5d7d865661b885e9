"""The real server under `streamlit run`, driven over its websocket by `loadtest`: a short class with
exports, hostile links, tampered widget values and hostile formulas. The long load and soak runs are
`python -m loadtest.load` and `python -m loadtest.soak`; their figures are in README.md."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from loadtest import drag, hostile, load
from loadtest.server import Server, serve


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


def test_a_class_dragging_live_gets_every_change_answered_and_every_release_drawn(server: Server):
    # Three sessions dragging an η slider for two seconds every four, as the player does it (one
    # change in flight); functional facts only: the machine is shared, the timings are drag.py's.
    stats = run(
        drag.run_drag(server.url, sessions=3, duration=8, period=4, burst=2, seed=3, arrive=1, timeout=30)
    )
    assert [s.errors for s in stats] == [[], [], []]
    for s in stats:
        assert s.bursts >= 1 and s.moves >= 100
        # Every change sent was answered by a race showing its value (drag.py checks the value and
        # the seq of each answer: a mismatch is an error), but the last one of a burst, which the
        # release supersedes.
        assert s.answers >= s.sent - s.bursts > 0
        assert len(s.lags) == s.answers
        assert len(s.commits) == len(s.pages) == s.bursts  # every release drawn, the whole page after
