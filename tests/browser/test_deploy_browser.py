"""The deployment README.md describes, run for real: `deploy/replicas.sh` starts two replicas on
loopback ports under /optviz/, Debian's nginx serves them with `deploy/nginx-optviz.conf` (only its
port numbers changed, `loadtest.proxy.site`) and Chromium uses the app through it.

Chromium maps the host name optviz.test to 127.0.0.1, so the page has a real deployment's origin (a
host name and a port) and nginx must pass both on for Streamlit to accept the page's websocket. Each
response says which replica answered (the site's X-Optviz-Replica header), the websocket's handshake
included (read through Chromium's DevTools protocol).

The last test stops a replica; the tests run in this file's order.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest

from loadtest import proxy
from loadtest.server import healthy
from optviz.app.reconnect import NOTICE
from tests.browser.harness import (
    CHROMIUM,
    chromium_available,
    click_map,
    launch,
    require,
    slider_input,
    state,
    wait_for_race,
)

pytestmark = pytest.mark.browser

HOST = "optviz.test"  # a name only this test's Chromium resolves, to 127.0.0.1
RACE = "surface=beale&steps=300"
REPLICA = "x-optviz-replica"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
RECONNECTED = NOTICE.split("**")[1]  # the notice's bold first words
WAIT = 120_000  # ms for a race to be drawn: a replica's first page loads the app's modules


@dataclass
class Deployment:
    replicas: proxy.Replicas
    nginx: proxy.Proxy

    @property
    def port(self) -> int:
        return int(urlsplit(self.nginx.url).port)

    def url(self, query: str = RACE) -> str:
        return f"http://{HOST}:{self.port}/{proxy.BASE_PATH}/?{query}"


@dataclass
class Traffic:
    """What one page received: HTTP responses and websocket handshakes, with the replica of each."""

    responses: list[Any] = field(default_factory=list)
    sockets: list[dict[str, Any]] = field(default_factory=list)  # CDP handshake responses, with url

    def replicas(self) -> set[str]:
        fetched = {r.headers.get(REPLICA) for r in self.responses if r.url.startswith("http")}
        return fetched | {s["replica"] for s in self.sockets}


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    require(chromium_available(), f"{CHROMIUM} is missing (apt-get install chromium)")
    require(proxy.nginx_available(), f"{proxy.NGINX} is missing (apt-get install nginx)")
    from optviz.racing import run_race
    from optviz.settings import RaceSettings

    run_race(RaceSettings(steps=5))  # compile or load the kernels before the replicas need them
    with proxy.replicas() as replicas, proxy.nginx(replicas.ports) as nginx:
        yield Deployment(replicas, nginx)
        log = replicas.log()
        assert "Traceback" not in log, log[-4000:]


@pytest.fixture(scope="module")
def named_browser(playwright: Any) -> Iterator[Any]:
    b = launch(playwright, (f"--host-resolver-rules=MAP {HOST} 127.0.0.1",))
    yield b
    b.close()


@pytest.fixture
def page(named_browser: Any) -> Iterator[Any]:
    """A fresh browser context at laptop size; fails on a script error."""
    context = named_browser.new_context(viewport={"width": 1366, "height": 768})
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda error: errors.append(str(error)))
    yield p
    context.close()
    assert not errors, f"script errors on the page: {errors}"


def watch(page: Any) -> Traffic:
    traffic = Traffic()
    page.on("response", lambda response: traffic.responses.append(response))
    cdp = page.context.new_cdp_session(page)
    urls: dict[str, str] = {}
    cdp.on("Network.webSocketCreated", lambda e: urls.__setitem__(e["requestId"], e["url"]))
    cdp.on(
        "Network.webSocketHandshakeResponseReceived",
        lambda e: traffic.sockets.append(
            {
                "url": urls.get(e["requestId"]),
                "status": e["response"]["status"],
                "replica": {k.lower(): v for k, v in e["response"]["headers"].items()}.get(REPLICA),
            }
        ),
    )
    cdp.send("Network.enable")
    return traffic


def replica_port(replica: str) -> int:
    """The port of the replica that answered (nginx lists every one it tried, the last answered)."""
    host, port = replica.split(",")[-1].strip().rsplit(":", 1)
    assert host == "127.0.0.1", replica
    return int(port)


def starts_at(info: dict[str, Any], point: tuple[float, float]) -> bool:
    """Every competitor starts at `point`, within 2% of the map's span (a click's pixel)."""
    (x0, x1), (y0, y1) = info["plot"]["domain"]
    first = np.asarray(info["first"])
    return bool(np.allclose(first, np.broadcast_to(point, first.shape), atol=0.02 * max(x1 - x0, y1 - y0)))


def get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def test_the_health_check_answers_on_each_replica_and_through_nginx(deployment):
    for port in deployment.replicas.ports:
        assert healthy(proxy.Replicas.url(port))
        assert get(f"{proxy.Replicas.url(port)}/_stcore/health")[2] == b"ok"
    status, headers, body = get(f"{deployment.nginx.url}/_stcore/health")
    assert (status, body) == (200, b"ok")
    assert replica_port(headers[REPLICA]) in deployment.replicas.ports


def test_browsers_spread_over_the_replicas_and_each_keeps_its_own(deployment):
    health = f"{deployment.nginx.url}/_stcore/health"
    # Without the affinity cookie every request is a new browser: a random key spreads them.
    first = [get(health) for _ in range(40)]
    assert {replica_port(h[REPLICA]) for _, h, _ in first} == set(deployment.replicas.ports)
    cookie = first[0][1]["set-cookie"].split(";")[0]
    assert cookie.startswith("optviz_affinity=")
    # With it, every request reaches the same replica, and no new cookie is handed out.
    again = [get(health, cookie) for _ in range(10)]
    assert {h[REPLICA] for _, h, _ in again} == {first[0][1][REPLICA]}
    assert not any("optviz_affinity" in h.get("set-cookie", "") for _, h, _ in again)


def test_the_page_loads_at_the_sub_path_with_compressed_scripts_and_stays_on_its_replica(deployment, page):
    traffic = watch(page)
    page.goto(deployment.url())
    wait_for_race(page, timeout=WAIT)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert state(page)["steps"] == 300

    fetched = [r for r in traffic.responses if r.url.startswith("http")]  # not the page's own blobs
    assert {urlsplit(r.url).netloc for r in fetched} == {f"{HOST}:{deployment.port}"}
    assert all(urlsplit(r.url).path.startswith(f"/{proxy.BASE_PATH}/") for r in fetched)
    ok = [r for r in fetched if r.ok]
    scripts = [r for r in ok if urlsplit(r.url).path.endswith(".js")]
    assert scripts, [r.url for r in traffic.responses]
    # Streamlit's page scripts are served uncompressed; nginx compresses them (above 1 KB).
    compressed = [r for r in scripts if r.headers.get("content-encoding") == "gzip"]
    sizes = {r.url: r.request.sizes()["responseBodySize"] for r in scripts}
    assert {r.url for r in compressed} >= {u for u, size in sizes.items() if size > 1024}, sizes
    assert any("/static/js/index." in r.url for r in compressed)

    # The websocket went through nginx, at the sub-path, to the page's replica.
    assert [s["status"] for s in traffic.sockets] == [101]
    assert traffic.sockets[0]["url"] == f"ws://{HOST}:{deployment.port}/{proxy.BASE_PATH}/_stcore/stream"
    (replica,) = traffic.replicas()
    assert replica_port(replica) in deployment.replicas.ports
    assert any(c["name"] == "optviz_affinity" for c in page.context.cookies())

    for _ in range(3):  # reloads: the page, its scripts and a new websocket, all on the same replica
        traffic.responses.clear()
        page.reload()
        wait_for_race(page, timeout=WAIT)
        assert traffic.replicas() == {replica}
    assert [s["status"] for s in traffic.sockets] == [101] * 4


def test_a_slider_change_and_a_map_click_update_the_race_over_the_proxied_websocket(deployment, page):
    traffic = watch(page)
    page.goto(deployment.url())
    revision = wait_for_race(page, timeout=WAIT)
    before = state(page)

    steps = slider_input(page, "Steps")
    steps.focus()
    page.keyboard.press("ArrowRight")
    revision = wait_for_race(page, revision, timeout=WAIT)
    after = state(page)
    assert after["steps"] == before["steps"] + 1
    assert after["last"] != before["last"]

    target = click_map(page, 0.30, 0.65)
    wait_for_race(page, revision, timeout=WAIT)
    assert starts_at(state(page), target)
    assert len(traffic.sockets) == 1  # both changes went over the page's one proxied websocket


def test_live_changes_reach_the_replicas_route_under_the_sub_path(deployment, page):
    traffic = watch(page)
    page.goto(deployment.url())
    revision = wait_for_race(page, timeout=WAIT)
    slider = page.locator('[data-testid="optviz-live-lr"]').first
    slider.focus()
    page.keyboard.press("ArrowRight")  # a live change, then its release
    wait_for_race(page, revision, timeout=WAIT)
    assert state(page)["liveLine"] == "direct"
    # The change while the key is down, then its release's race (drawn before the page reruns).
    posts = [r for r in traffic.responses if r.request.method == "POST"]
    paths = {urlsplit(r.url).path for r in posts}
    assert posts and paths == {"/optviz/api/optviz/live"}, [r.url for r in posts]
    assert all(r.status == 200 and r.header_value("content-type") == "application/json" for r in posts)


def test_a_stopped_replica_hands_its_page_to_the_other_with_a_notice(deployment, page, tmp_path):
    traffic = watch(page)
    page.goto(deployment.url())
    revision = wait_for_race(page, timeout=WAIT)
    steps = slider_input(page, "Steps")
    steps.focus()
    page.keyboard.press("ArrowRight")  # a change the opening link does not have: the address carries it
    wait_for_race(page, revision, timeout=WAIT)
    page.wait_for_function("() => location.search.includes('steps=301')")
    before = state(page)
    (socket,) = traffic.sockets
    stopped = replica_port(socket["replica"])
    (other,) = set(deployment.replicas.ports) - {stopped}

    deployment.replicas.stop(stopped)
    assert not healthy(proxy.Replicas.url(stopped))

    # Streamlit's page reconnects through nginx, which passes over the stopped replica; the other
    # starts a session from the page's address, runs it at once and says what happened.
    notice = page.get_by_text(RECONNECTED)
    notice.wait_for(timeout=WAIT)
    page.locator(IDLE).wait_for(timeout=WAIT)
    page.screenshot(path=tmp_path / "reconnected.png")
    assert [s["status"] for s in traffic.sockets] == [101, 101]
    assert replica_port(traffic.sockets[-1]["replica"]) == other
    assert notice.is_visible()
    assert page.locator('[role="dialog"]').count() == 0  # no "connection error" box
    restored = state(page)
    assert restored["steps"] == 301
    assert (restored["first"], restored["last"]) == (before["first"], before["last"])

    # ...and keeps working: a change reaches the new replica, and the notice has done its job.
    steps.focus()
    page.keyboard.press("ArrowRight")
    revision = wait_for_race(page, restored["revision"], timeout=WAIT)
    assert state(page)["steps"] == 302
    target = click_map(page, 0.70, 0.25)
    wait_for_race(page, revision, timeout=WAIT)
    assert starts_at(state(page), target)
    assert page.get_by_text(RECONNECTED).count() == 0
    assert len(traffic.sockets) == 2
    assert healthy(deployment.nginx.url)
