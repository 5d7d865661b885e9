"""`optviz serve`: the app loaded before it listens, then served as `streamlit run` serves it."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from loadtest import hostile
from loadtest.client import AppSession
from loadtest.server import serve
from optviz import cli


def test_serve_hands_every_argument_after_it_to_streamlit(monkeypatch: pytest.MonkeyPatch):
    seen = []
    monkeypatch.setattr("optviz.app.serve.serve", lambda args: seen.append(list(args)) or 0)
    assert cli.main(["serve", "--server.port", "8502", "--help"]) == 0
    assert seen == [["--server.port", "8502", "--help"]]


def test_a_preloaded_server_says_so_and_its_first_visitor_gets_the_race():
    async def first_visit(url: str):
        session = AppSession(url)
        try:
            return await session.open(timeout=300)
        finally:
            await session.close()

    with serve(timeout=300, preload=True) as server:
        log = server.log()
        assert "optviz serve: the app loaded, its default race run and its surfaces drawn" in log, log
        with ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests keep one running
            rerun = pool.submit(asyncio.run, first_visit(server.url)).result()
        assert rerun.clean, rerun
        assert rerun.chart is not None  # the player's data arrived
        assert not hostile.app_tracebacks(server.log())
