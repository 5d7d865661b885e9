"""The direct line for live changes (`optviz.app.live_endpoint`): a dragged value posted to the route is
answered with the race the engine runs for it, as the player's data, and anything else with a status
and a message that quotes it; answers leave without Nagle's delay."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl

import numpy as np
import pytest
from starlette.applications import Starlette

import optviz
from loadtest.hostile import LIVE_CHANGES, LIVE_LINK
from optviz.app import live, live_endpoint, serve
from optviz.link import from_query, to_query
from optviz.racing import run_race
from optviz.settings import CustomSurface, RaceSettings
from optviz.views import player

with warnings.catch_warnings():  # Starlette's note about httpx, Streamlit's own dependency
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SETTINGS = from_query(dict(parse_qsl(LIVE_LINK)))[0]  # SGD, momentum and Adam on Beale's function
URL = "/" + live_endpoint.PATH


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(live, "ENDPOINT", None)
    app = Starlette(routes=live_endpoint.routes())
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c


def post(client: TestClient, change: Any, settings: RaceSettings = SETTINGS) -> Any:
    return client.post(URL, json={"settings": to_query(settings), "change": change})


def xy(entry: dict[str, Any]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(entry["xy"]), dtype="<f4").reshape(-1, 2)


def test_the_page_is_told_the_route_and_the_settings_it_applies_to(client: TestClient):
    line = live.direct_line(SETTINGS)
    assert line["url"] == URL
    # The keys are the link's: read back, they are the settings exactly.
    assert from_query(line["settings"]) == (SETTINGS, ())


def test_without_the_route_the_page_is_told_nothing(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(live, "ENDPOINT", None)
    assert live.direct_line(SETTINGS) == {}


def test_a_dragged_learning_rate_is_answered_with_optviz_runs_race_for_it(client: TestClient):
    answer = post(client, {"runner": 2, "name": "lr", "value": 0.02, "seq": 7})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    data = answer.json()
    assert data["live"]["seq"] == 7
    assert data["live"]["runners"][2]["lr"] == 0.02
    # Still the settings the page holds: the next change applies to them, not to this one.
    assert data["live"]["settings"] == to_query(SETTINGS)
    # Adam's path is the public API's run with the new value; the others are unchanged.
    adam = optviz.run("adam", "beale", SETTINGS.start, SETTINGS.steps, lr=0.02)
    np.testing.assert_array_equal(xy(data["runners"][2]), adam.xy.astype("<f4"))
    sgd = optviz.run("sgd", "beale", SETTINGS.start, SETTINGS.steps, lr=0.01, seed=SETTINGS.seed)
    np.testing.assert_array_equal(xy(data["runners"][0]), sgd.xy.astype("<f4"))
    # The race the page draws once the value is released is the same race: the same revision.
    released = replace(
        SETTINGS, competitors=(*SETTINGS.competitors[:2], replace(SETTINGS.competitors[2], lr=0.02))
    )
    assert data["rev"] == player.payload(run_race(released.race_part()), released.view, fit=True)["rev"]


def test_a_dragged_start_moves_every_path(client: TestClient):
    data = post(client, {"start": [1.5, -1.0], "seq": 1}).json()
    assert data["start"] == [1.5, -1.0]
    assert all(xy(r)[0].tolist() == [1.5, -1.0] for r in data["runners"])


def test_what_the_page_holds_is_not_sent_again(client: TestClient):
    first = post(client, {"runner": 0, "name": "lr", "value": 0.005, "seq": 1}).json()
    have = {"surface": first["surface"]["key"], "runners": [r["digest"] for r in first["runners"]]}
    second = post(client, {"runner": 0, "name": "lr", "value": 0.006, "seq": 2, "have": have}).json()
    assert second["surface"] == {"same": first["surface"]["key"]}
    assert "xy" in second["runners"][0]  # the run that changed
    assert second["runners"][1:] == [{"same": r["digest"]} for r in first["runners"][1:]]


@pytest.mark.parametrize("change", LIVE_CHANGES, ids=repr)
def test_a_tampered_change_is_refused_with_a_message(client: TestClient, change: Any):
    try:
        answer = post(client, change)
    except ValueError:  # NaN or infinity: not JSON at all, so no page can send it
        return
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]


@pytest.mark.parametrize(
    ("body", "status", "quoted"),
    [
        (b"not json", 400, "'not json'"),
        (b'{"settings": {}}', 400, "settings and change"),
        (b"[1, 2]", 400, "[1, 2]"),
        (b'{"settings": {"surface": "moon"}, "change": {"start": [0, 0]}}', 400, "'moon'"),
        (b'{"settings": {"surface": "beale", "c1.lr": "-1"}, "change": {"start": [0, 0]}}', 400, "c1.lr"),
        (b'{"settings": {"evil": "1"}, "change": {"start": [0, 0]}}', 400, "'evil'"),
        (b'{"settings": {"surface": 3}, "change": {"start": [0, 0]}}', 400, "'surface'"),
        (b"x" * (live_endpoint.MAX_BODY + 1), 413, str(live_endpoint.MAX_BODY)),
    ],
    ids=["not JSON", "no change", "a list", "unknown surface", "bad value", "unknown key", "number", "huge"],
)
def test_a_malformed_request_is_refused_naming_what_was_wrong(
    client: TestClient, body: bytes, status: int, quoted: str
):
    answer = client.post(URL, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
    assert quoted in answer.json()["error"]


def test_a_change_to_a_competitor_that_does_not_use_it_names_both(client: TestClient):
    answer = post(client, {"runner": 0, "name": "beta2", "value": 0.9, "seq": 1})
    assert answer.status_code == 400
    assert answer.json()["error"] == "'beta2' is not a hyperparameter of competitor 1 (sgd)"


def test_a_start_the_engine_refuses_is_answered_422_and_nothing_else(client: TestClient):
    custom = RaceSettings().with_custom(
        CustomSurface("x^2 + y^2 + sqrt(x + 2)", ((-3.0, 3.0), (-3.0, 3.0)), None)
    )
    answer = post(client, {"start": [-2.5, 0.0], "seq": 1}, custom)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"].startswith("this race cannot run")
    assert post(client, {"start": [1.0, 0.0], "seq": 2}, custom).status_code == 200


def test_a_flood_is_refused_at_once_while_the_server_is_busy(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(live_endpoint, "_waiting", live_endpoint.MAX_WAITING)
    answer = post(client, {"start": [1.0, 1.0], "seq": 1})
    assert answer.status_code == 429
    assert "busy" in answer.json()["error"]
    monkeypatch.setattr(live_endpoint, "_waiting", 0)
    assert post(client, {"start": [1.0, 1.0], "seq": 2}).status_code == 200


def test_only_posts_reach_the_route(client: TestClient):
    assert client.get(URL).status_code == 405


def test_the_route_is_under_the_servers_base_path(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(live, "ENDPOINT", None)
    monkeypatch.setattr(live_endpoint.config, "get_option", lambda name: "/optviz/")
    (route,) = live_endpoint.routes()
    assert route.path == "/optviz/api/optviz/live" == live.ENDPOINT


def test_the_app_is_the_page_with_the_route(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(live, "ENDPOINT", None)
    options = serve.app_options()
    assert options["script_path"] == serve.SCRIPT
    assert [r.path for r in options["routes"]] == [URL]


def test_accepted_connections_answer_without_nagles_delay():
    """Streamlit's listening socket has protocol number 0; asyncio alone would leave Nagle's algorithm
    on for the connections it accepts (every two-part answer then waits ~40 ms for an ACK)."""
    serve._no_delay()
    serve._no_delay()  # installed once, however often the app is made

    async def accepted() -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as Streamlit binds
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        flags: list[int] = []

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            flags.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        while not flags:
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        return flags[0]

    with ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests keep one running
        assert pool.submit(asyncio.run, accepted()).result() != 0


def test_answers_are_json_bytes_of_the_player_data(client: TestClient):
    raw = post(client, {"runner": 1, "name": "gamma", "value": 0.5, "seq": 3}).content
    data = json.loads(raw)
    assert data["live"]["runners"][1]["gamma"] == 0.5
    assert set(data) >= {"steps", "runners", "surface", "rev", "live", "options"}
