"""A class dragging sliders at once: many sessions on one server, each dragging a learning rate live.

    python -m loadtest.drag [--sessions 30] [--duration 120] [--period 10] [--burst 2] [--span 30]
                            [--line direct|host ...] [--own-races] [--seed 0]
                            [--url http://host:port[/path/] [--pid PID] | --app PATH]
    python -m loadtest.drag --ramp [--counts 5 10 20 30 40 60] [--ramp-duration 40]

Each session opens the race settings' defaults at 500 steps (the lecture's seven optimizers on the
long valley) by its link, picks one competitor, and every `--period` seconds (the first time at a
random moment, so the sessions are staggered) drags that competitor's η slider for `--burst`
seconds, then lets go. While dragging, the emulated pointer moves at 60 Hz one slider position per
frame, back and forth over `--span` positions either side of the competitor's own value (30
positions: a decade), and the session does what the player does in the browser
(`optviz/views/player/src/player.js`, `live.js`: `Coalescer`, `postChange`): at most one change is
in flight, a value that comes meanwhile waits (replacing the one waiting before), and when the race
answering the change in flight arrives (its `live.seq` is the change's) the waiting value goes out.
A change unanswered for 2 s no longer holds the next one back, as in the page. Like the page, each
change says which runs it already holds (`have`), so an answer carries only the run that changed
and refers to the others (`{"same": digest}`), which the session resolves from the runs it holds.
At the end of a burst the session sends ("commit", value) through the player's component over
Streamlit's websocket, the release, which reruns the whole page. The server keeps every run it made
(keyed on all it depends on), so sessions dragging the same competitor share runs, and a value
dragged over again costs less the second time; with `--own-races` each session races from its own
start point, sharing nothing.

How a live change travels (`--line`, default direct):
- direct: as the page does when its data names the live route (`live.url`, `live.settings`:
  `optviz.app.live_endpoint`): an HTTP POST of {"settings": live.settings, "change": change} to that
  path on the server's origin, over a kept-alive connection of the session's own; the answer is the
  player's data, drawn without rerunning anything. A refusal (4xx) lets the next value go out, as
  in the page; 429 (the server shedding a flood) is counted apart, any other is an error. A server
  whose page names no route (`streamlit run optviz/app/script.py`) cannot be dragged this way: the
  run stops with a message saying so.
- host: the way the page takes without a route: a ("live", change) event of the player's component
  over the websocket, rerunning only the player's fragment. The route need not be there.
`--line direct host` runs each in turn on the same server and compares them.

Measured, as the player would see it:
- lag: from the moment the pointer moved to a value to the arrival of the race showing it (the
  player's `data-live-lags` in the browser, less the drawing): median, 90th, 95th, 99th percentile;
- updates drawn per second while dragging, per session and over all;
- release: from the commit to the race showing the released value, and to the whole page finished;
- errors: exceptions and error boxes on the page, answers that do not match the change they name
  (a seq other than the one sent, a value other than the one sent, a run the session does not
  hold, settings other than the ones sent), refusals other than 429, changes or releases never
  answered (`--timeout`), dropped connections;
- the server process's CPU (% of one core, from /proc/<pid>/stat) and resident memory (peak); the
  machine's load average, the cores it kept busy and the share of the time some task waited for a
  CPU (/proc/pressure/cpu): other work on the machine shows here.

`--ramp` runs the drag for each count of sessions in `--counts` in turn (on one server, fresh
sessions each time, `--ramp-duration` seconds each) and reports the largest count whose p95 lag is
within 250 ms with no errors and no change refused; it stops after the first count over it
(`--ramp-all`: runs every count).

Without `--url` it starts its own server with the project's `.streamlit/config.toml`, serving
`--app` (default app.py: the page with the live route; optviz/app/script.py: the bare page, without
it). `--url` takes a running server or a proxy in front of one, a path included
(http://host:port/optviz/); give the server's process id with `--pid` to have its CPU and memory
measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from loadtest.client import PLAYER_KEY, AppSession
from loadtest.load import machine_busy, percentile, warm_up
from loadtest.server import cpu_seconds, healthy, memory_mb, serve
from optviz.link import to_query
from optviz.params import HYPERPARAMETERS
from optviz.settings import RaceSettings, start_ranges

# The race settings' defaults (the lecture's seven optimizers on the long valley) at 500 steps, as a
# link: the front page without a link shows the long-valley preset's five.
SETTINGS = replace(RaceSettings(), steps=500)
QUERY = urlencode(to_query(SETTINGS))
PARAM = "lr"  # the slider dragged: a competitor's learning rate η
FRAME = 1 / 60  # seconds between pointer moves (a 60 Hz display)
GIVE_UP = 2.0  # seconds after which an unanswered change no longer holds the next one back (live.js)
TARGET = 0.250  # seconds: the p95 lag the ramp looks for
TIMEOUT = 60.0  # seconds a release may take, or a change's answer, before it counts as an error
FINISHED = 0  # ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY: a whole-page run ended
COMPILE_ERROR = 1


def own_race(rng: random.Random) -> str:
    """The link of the race with a start point of its own: it shares no run with another session's."""
    (x, y), (rx, ry) = SETTINGS.start, start_ranges(SETTINGS.surface_object())
    x = min(max(x + rng.uniform(-2, 2), rx.low), rx.high)
    y = min(max(y + rng.uniform(-2, 2), ry.low), ry.high)
    return urlencode(to_query(replace(SETTINGS, start=(round(x, 4), round(y, 4)))))


# --- One session: the pointer, the player's one-in-flight sender, and what comes back. -------------


@dataclass
class Stats:
    """What one session saw. Times in seconds."""

    runner: int = 0
    bursts: int = 0
    dragging: float = 0.0  # seconds spent dragging (every burst's length)
    moves: int = 0  # pointer moves to a new value
    sent: int = 0  # live changes sent
    answers: int = 0  # races drawn that answer a change in flight while dragging
    routed: int = 0  # races drawn that the live route sent (the rest came over the websocket)
    lags: list[float] = field(default_factory=list)  # pointer at a value -> the race showing it
    commits: list[float] = field(default_factory=list)  # release -> the race showing the value
    pages: list[float] = field(default_factory=list)  # release -> the whole page finished
    gave_up: int = 0  # changes sent while one was in flight for over GIVE_UP
    busy: int = 0  # live changes the route refused with 429 (the server shedding load)
    late_frames: list[float] = field(default_factory=list)  # pointer moves' lateness (this script's load)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.answers / self.dragging if self.dragging else 0.0


LINES = ("direct", "host")  # how live changes travel: the live route, or the component's events


def no_route(url: str) -> str:
    return (
        f"the page at {url} names no live route (its player data has no live.url): the server runs the "
        "page without optviz.app.live_endpoint (e.g. `streamlit run optviz/app/script.py`); serve "
        "app.py or `python -m optviz serve`, or drag over the websocket with --line host"
    )


def origin(url: str) -> str:
    """scheme://host:port of `url`: the live route's path (`live.url`) already has the base path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Dragger:
    """A session whose user drags one competitor's η slider: the player's side of a live change."""

    def __init__(
        self, url: str, rng: random.Random, timeout: float = TIMEOUT, own: bool = False, line: str = "direct"
    ) -> None:
        if line not in LINES:
            raise ValueError(f"line must be one of {LINES}, got {line!r}")
        self.url = url
        self.session = AppSession(url, own_race(rng) if own else QUERY)
        self.rng = rng
        self.timeout = timeout
        self.line = line
        self.stats = Stats()
        self.positions = list(HYPERPARAMETERS[PARAM].fine)
        self.fragment: str | None = None
        self.data: dict[str, Any] | None = None  # the race drawn last, references resolved
        self.held: dict[str, dict[str, Any]] = {}  # runs by digest, as the player keeps them
        # The coalescer (live.js): the change in flight {seq, at, input}, the one waiting, sent seqs.
        self.seq = 0
        self.inflight: dict[str, Any] | None = None
        self.pending: tuple[float, float] | None = None  # (value, when the pointer reached it)
        self.values: dict[int, float] = {}  # value sent with each seq
        self.drag = False
        self.release: dict[str, Any] | None = None  # {seq, value, at, drawn} while a release is pending
        self.released_seq = 0  # the last release's seq: a direct answer older than it is not drawn
        self.released = asyncio.Event()
        self.lock = asyncio.Lock()
        self.reader: asyncio.Task | None = None
        # The direct line: one kept-alive client per session, as a browser tab keeps its connection;
        # the posts under way (more than one only after a change went unanswered for GIVE_UP).
        self.http: httpx.AsyncClient | None = None
        self.posts: set[asyncio.Task] = set()
        self.closing = False

    def error(self, message: str) -> None:
        self.stats.errors.append(message)

    async def open(self) -> bool:
        result = await self.session.open(timeout=self.timeout)
        player = self.session.player
        self.fragment = self.session.fragments.get(PLAYER_KEY)
        if not result.clean or player is None or self.fragment is None:
            detail = "; ".join(result.exceptions) or result.status
            self.error(f"first load: {detail}" if not result.clean else "first load: no player in a fragment")
            return False
        self.draw(json.loads(player.bytes))
        if self.line == "direct":
            if not self.data["live"].get("url"):
                self.error(f"first load: {no_route(self.url)}")
                return False
            self.http = httpx.AsyncClient(
                base_url=origin(self.url),
                timeout=self.timeout,
                headers={"Content-Type": "application/json"},
                limits=httpx.Limits(max_connections=4, max_keepalive_connections=1),
            )
        self.stats.runner = self.rng.randrange(len(self.data["runners"]))
        self.reader = asyncio.create_task(self.read())
        return True

    async def close(self) -> None:
        # The reader may still take a message or the close itself (a cancel that comes as the
        # message does is lost in asyncio.wait_for on Python 3.11): the close is not a dropped connection.
        self.closing = True
        if self.reader is not None:
            self.reader.cancel()
        for post in list(self.posts):
            post.cancel()
        await asyncio.gather(*self.posts, return_exceptions=True)
        if self.http is not None:
            await self.http.aclose()
        await self.session.close()
        if self.reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader

    # The page's side.

    def resolve(self, sent: dict[str, Any], keep: bool = True) -> dict[str, Any]:
        """A payload taken as the player takes it (`Player.resolve`): references to runs it holds are
        replaced by them, and a reference to one it does not hold is an error. `keep`: the runs
        shown become the ones held (an answer the player does not draw leaves them as they were)."""
        runners = []
        for r in sent["runners"]:
            run = self.held.get(r["same"]) if "same" in r else r
            if run is None:
                raise LookupError(f"the race refers to a run this page does not hold: {r['same']}")
            runners.append(run)
        if keep:
            for run in runners:
                if "digest" in run:  # the runners shown are the most recent (data.js `heldRunners`)
                    self.held.pop(run["digest"], None)
                    self.held[run["digest"]] = run
            while len(self.held) > 64:
                self.held.pop(next(iter(self.held)))
        surface = self.data["surface"] if "same" in sent["surface"] else sent["surface"]
        return {**sent, "runners": runners, "surface": surface}

    def draw(self, sent: dict[str, Any]) -> None:
        self.data = self.resolve(sent)

    def holding(self) -> dict[str, Any]:
        return {
            "surface": self.data["surface"]["key"],
            "runners": [r["digest"] for r in self.data["runners"]],
        }

    def shown(self, data: dict[str, Any] | None = None) -> float:
        """The dragged hyperparameter's value in the race drawn last (or in `data`)."""
        return float((data or self.data)["live"]["runners"][self.stats.runner][PARAM])

    async def send(self, event: str, change: dict[str, Any]) -> None:
        async with self.lock:
            await self.session.send({PLAYER_KEY: {event: change}}, fragment=self.fragment)

    async def live(self, value: float, input_at: float) -> None:
        """A pointer move (`Coalescer.live`): sent now if nothing is in flight, else kept."""
        if self.inflight and time.perf_counter() - self.inflight["at"] < GIVE_UP:
            self.pending = (value, input_at)
            return
        if self.inflight:
            self.stats.gave_up += 1
        self.pending = None
        self.seq += 1
        self.values[self.seq] = value
        self.inflight = {"seq": self.seq, "at": time.perf_counter(), "input": input_at}
        self.stats.sent += 1
        change = {"runner": self.stats.runner, "name": PARAM, "value": value, "seq": self.seq}
        change["have"] = self.holding()
        if self.http is None:
            await self.send("live", change)
        else:
            # The page does not wait for the answer before the pointer moves on: neither does this.
            post = asyncio.create_task(self.post(change))
            self.posts.add(post)
            post.add_done_callback(self.posts.discard)

    async def post(self, change: dict[str, Any]) -> None:
        """A live change over the direct line (`Player.direct`, `postChange`), and what answers it."""
        seq, line = change["seq"], self.data["live"]
        body = {"settings": line["settings"], "change": change}
        try:
            response = await self.http.post(line["url"], content=json.dumps(body))
            at = time.perf_counter()
        except httpx.HTTPError as error:
            # The page takes the line for down and gives this change and the ones after to the host.
            self.error(f"the live route did not answer change {seq}: {type(error).__name__}: {error}")
            await self.http.aclose()
            self.http = None
            await self.send("live", change)
            return
        if response.status_code != 200:
            try:
                message = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                message = f"no JSON message: {response.text[:200]!r}"
            if response.status_code == 429:
                self.stats.busy += 1
            else:
                self.error(f"change {seq} refused: {response.status_code} {message}")
            # Refused: nothing is drawn, and the value waiting goes out (`Coalescer.answered`).
            await self.answered(seq, at, drawn=False)
            return
        try:
            await self.direct_answer(body, response.json(), at)
        except Exception as error:  # an answer the page could not take
            self.error(f"the answer to change {seq}: {type(error).__name__}: {error}")

    async def direct_answer(self, body: dict[str, Any], sent: dict[str, Any], at: float) -> None:
        """The route's answer to the change in `body`: it must name that change and show its value,
        refer only to runs the session holds, and keep the settings the change applied to."""
        seq = body["change"]["seq"]
        answers = sent["live"]["seq"]
        if answers != seq:
            self.error(f"the answer to change {seq} says it answers change {answers}")
            return
        if (
            sent["live"].get("settings") != body["settings"]
            or sent["live"].get("url") != self.data["live"]["url"]
        ):
            self.error(f"the answer to change {seq} names another line or other settings than the ones sent")
        if seq <= self.released_seq:  # a release came after it: checked, not drawn (`Player.direct`)
            stale = self.resolve(sent, keep=False)
            if not math.isclose(self.shown(stale), self.values[seq], rel_tol=1e-9):
                self.error(
                    f"the answer to change {seq} shows η = {self.shown(stale)}, not {self.values[seq]}"
                )
            return
        self.draw(sent)
        self.stats.routed += 1
        await self.race(seq, at)

    async def answered(self, seq: int, at: float, drawn: bool = True) -> None:
        """A race arrived answering changes up to `seq` (`Coalescer.answered`); `drawn`: False for a
        change the route refused, which lets the next value go out without a race to count."""
        if self.inflight and seq >= self.inflight["seq"]:
            if drawn:
                self.stats.lags.append(at - self.inflight["input"])
                self.stats.answers += 1
            self.inflight = None
            if self.pending:
                await self.live(*self.pending)

    async def commit(self, value: float) -> None:
        """The release (`Coalescer.commit`): sent at once, nothing kept."""
        self.pending = None
        self.inflight = None
        self.seq += 1
        self.released_seq = self.seq
        self.released.clear()
        self.release = {"seq": self.seq, "value": value, "at": time.perf_counter(), "drawn": False}
        await self.send(
            "commit", {"runner": self.stats.runner, "name": PARAM, "value": value, "seq": self.seq}
        )

    # What comes back over the websocket.

    async def read(self) -> None:
        """Every message from the server, as long as the session lasts."""
        while True:
            try:
                at, msg = await self.session.receive(timeout=3600)
            except TimeoutError:
                continue
            if msg is None:
                if not self.closing:
                    self.error("the connection dropped")
                self.released.set()
                return
            try:
                await self.message(at, msg)
            except Exception as error:  # a payload the page could not take
                self.error(f"{type(error).__name__}: {error}")

    async def message(self, at: float, msg: Any) -> None:
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            if msg.script_finished == COMPILE_ERROR:
                self.error("the app did not compile")
            elif msg.script_finished == FINISHED and self.release and self.release["drawn"]:
                self.stats.pages.append(at - self.release["at"])
                self.release = None
                self.released.set()
            return
        if kind != "delta" or msg.delta.WhichOneof("type") != "new_element":
            return
        element = msg.delta.new_element
        what = element.WhichOneof("type")
        if what == "exception":
            self.error(f"exception on the page: {element.exception.type}: {element.exception.message}")
        elif what == "alert" and element.alert.format == 1:
            self.error(f"error box on the page: {element.alert.body[:200]}")
        elif what == "bidi_component" and element.bidi_component.id.rsplit("-", 1)[-1] == PLAYER_KEY:
            if msg.delta.fragment_id:
                self.fragment = msg.delta.fragment_id
            self.draw(json.loads(element.bidi_component.bytes))
            seq = int(self.data["live"]["seq"])
            if seq > 0 and self.http is not None:
                self.error(f"the host answered change {seq}, which went over the direct line")
            await self.race(seq, at)

    async def race(self, seq: int, at: float) -> None:
        """A new race drawn: checked against the change it says it answers."""
        if seq > 0:
            if seq not in self.values:
                self.error(f"an answer to change {seq}, never sent")
            elif not math.isclose(self.shown(), self.values[seq], rel_tol=1e-9):
                self.error(f"the answer to change {seq} shows η = {self.shown()}, not {self.values[seq]}")
            await self.answered(seq, at)
        elif self.release is not None and not self.release["drawn"]:
            if math.isclose(self.shown(), self.release["value"], rel_tol=1e-9):
                self.release["drawn"] = True
                self.stats.commits.append(at - self.release["at"])
            else:
                self.error(
                    f"after the release the race shows η = {self.shown()}, not {self.release['value']}"
                )

    # The user.

    def nearest(self, value: float) -> int:
        """The slider position nearest `value` (live.js `nearest`)."""
        return min(range(len(self.positions)), key=lambda i: abs(self.positions[i] - value))

    async def burst(self, seconds: float, span: int) -> None:
        """Drags the slider for `seconds` (one position per frame, back and forth), then lets go."""
        low, high = max(0, self.home - span), min(len(self.positions) - 1, self.home + span)
        at = min(max(self.nearest(self.shown()), low), high)
        step = self.rng.choice((-1, 1))
        start = time.perf_counter()
        frames = round(seconds / FRAME)
        for k in range(1, frames + 1):
            due = start + k * FRAME
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            now = time.perf_counter()
            self.stats.late_frames.append(now - due)
            if not low <= at + step <= high:
                step = -step
            at += step
            self.stats.moves += 1
            await self.live(self.positions[at], now)
        self.stats.dragging += time.perf_counter() - start
        self.stats.bursts += 1
        await self.commit(self.positions[at])
        try:
            await asyncio.wait_for(self.released.wait(), self.timeout)
        except TimeoutError:
            self.error(f"a release unanswered for {self.timeout:g} s")
            self.release = None
        if self.inflight is not None:
            self.inflight = None

    async def run(self, start: float, until: float, period: float, burst: float, span: int) -> None:
        """Bursts every `period` seconds from a random moment in the first period, while the time lasts."""
        self.home = self.nearest(self.shown())  # the slider's position at the start: the drags stay near it
        first = start + self.rng.uniform(0, max(0.0, min(period, until - start - burst)))
        at = first
        while at + burst <= until and self.reader is not None and not self.reader.done():
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            await self.burst(burst, span)
            at += period
        # A change still in flight at the end is let go; one the server never answered is counted.
        if self.inflight is not None and time.perf_counter() - self.inflight["at"] > self.timeout:
            self.error(f"a change unanswered for {self.timeout:g} s")


async def run_drag(
    url: str, sessions: int, duration: float, period: float = 10.0, burst: float = 2.0, span: int = 30,
    seed: int = 0, arrive: float = 10.0, timeout: float = TIMEOUT, own: bool = False, line: str = "direct",
) -> list[Stats]:  # fmt: skip
    """`sessions` dragging users on the server at `url`: all open the page (within `arrive` seconds),
    then drag for `duration` seconds. Returns what each saw. `own`: each on a race of its own;
    `line`: how live changes travel (`LINES`)."""
    draggers = [Dragger(url, random.Random(seed * 1000 + i), timeout, own, line) for i in range(sessions)]

    async def opened(i: int, d: Dragger) -> bool:
        await asyncio.sleep(arrive * i / max(1, sessions))
        try:
            return await d.open()
        except Exception as error:
            d.error(f"first load: {type(error).__name__}: {error}")
            return False

    try:
        ready = await asyncio.gather(*(opened(i, d) for i, d in enumerate(draggers)))
        start = time.perf_counter()
        until = start + duration

        async def drag(d: Dragger) -> None:
            try:
                await d.run(start, until, period, burst, span)
            except Exception as error:
                d.error(f"session ended: {type(error).__name__}: {error}")

        await asyncio.gather(*(drag(d) for d, ok in zip(draggers, ready, strict=True) if ok))
    finally:
        await asyncio.gather(*(d.close() for d in draggers), return_exceptions=True)
    return [d.stats for d in draggers]


# --- The server's side: CPU and memory sampled while the sessions drag. ----------------------------


@dataclass
class Usage:
    cpu: float  # % of one core over the run
    cpu_peak: float  # % of one core over the busiest 5 s
    rss_start: float  # MB
    rss_peak: float  # MB, sampled each second during the run
    samples: int


class Sampler:
    """Samples a process's CPU time and resident memory every second in a background task."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.points: list[tuple[float, float, float]] = []  # (time, cpu seconds, rss MB)
        self.task: asyncio.Task | None = None

    def sample(self) -> None:
        with contextlib.suppress(OSError):
            self.points.append((time.perf_counter(), cpu_seconds(self.pid), memory_mb(self.pid)[0]))

    async def loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(1.0)

    def start(self) -> None:
        if self.pid is not None:
            self.task = asyncio.create_task(self.loop())

    async def stop(self) -> Usage | None:
        if self.task is None:
            return None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.sample()
        p = self.points
        if len(p) < 2:
            return None
        wall, cpu = p[-1][0] - p[0][0], p[-1][1] - p[0][1]
        peak = 0.0
        for i, (t, c, _) in enumerate(p):
            j = next((j for j in range(i, len(p)) if p[j][0] - t >= 5.0), None)
            if j is not None:
                peak = max(peak, (p[j][1] - c) / (p[j][0] - t))
        return Usage(100 * cpu / wall, 100 * peak, p[0][2], max(r for _, _, r in p), len(p))


async def measured(url: str, pid: int | None, sessions: int, duration: float, **options: Any) -> Run:
    sampler = Sampler(pid)
    load0 = loadavg()
    own0, t0 = time.process_time(), time.perf_counter()
    busy0, waited0 = machine_busy(), cpu_pressure()
    sampler.start()
    stats = await run_drag(url, sessions, duration, **options)
    usage = await sampler.stop()
    wall = time.perf_counter() - t0
    waited = None if waited0 is None else (cpu_pressure() - waited0) / wall
    return Run(
        sessions, duration, stats, usage, load0, loadavg(), (time.process_time() - own0) / wall,
        (machine_busy() - busy0) / wall, waited, options.get("line", "direct"),
    )  # fmt: skip


def cpu_pressure() -> float | None:
    """Seconds in which some runnable task of the machine waited for a CPU (Linux's pressure stall
    information, /proc/pressure/cpu), or None where the kernel does not give it."""
    try:
        with open("/proc/pressure/cpu") as f:
            some = f.readline().split()
    except OSError:
        return None
    return int(some[-1].split("=")[1]) / 1e6


@dataclass
class Run:
    sessions: int
    duration: float
    stats: list[Stats]
    usage: Usage | None
    load_before: str
    load_after: str
    own_cpu: float  # this script's CPU, cores
    machine: float  # cores the whole machine kept busy (every process, other work included)
    waited: float | None  # share of the time some task waited for a CPU (/proc/pressure/cpu)
    line: str = "direct"  # how the live changes travelled

    @property
    def busy(self) -> int:
        return sum(s.busy for s in self.stats)

    @property
    def within_target(self) -> bool:
        """p95 lag within TARGET, with every change raced and every answer right."""
        return self.p95 <= TARGET and not self.errors and not self.busy

    @property
    def lags(self) -> list[float]:
        return [lag for s in self.stats for lag in s.lags]

    @property
    def errors(self) -> list[str]:
        return [f"session {i}: {e}" for i, s in enumerate(self.stats) for e in s.errors]

    @property
    def p95(self) -> float:
        return percentile(self.lags, 0.95)

    @property
    def rate(self) -> float:
        dragging = sum(s.dragging for s in self.stats)
        return sum(s.answers for s in self.stats) / dragging if dragging else 0.0


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --- Reports. ------------------------------------------------------------------------------------------


def ms(values: list[float], q: float) -> str:
    return "-" if not values else f"{1000 * percentile(values, q):.0f}"


def report(run: Run, per_session: bool = True) -> None:
    s = run.stats
    if per_session:
        print(f"{'session':>7} {'runner':>6} {'bursts':>6} {'sent':>5} {'drawn':>5} {'drawn/s':>7} "
              f"{'lag p50':>7} {'p95':>5} {'max':>5} {'release':>7} {'errors':>6}")  # fmt: skip
        for i, x in enumerate(s):
            print(f"{i:>7} {x.runner + 1:>6} {x.bursts:>6} {x.sent:>5} {x.answers:>5} {x.rate:>7.1f} "
                  f"{ms(x.lags, 0.5):>7} {ms(x.lags, 0.95):>5} {ms(x.lags, 1.0):>5} "
                  f"{ms(x.commits, 0.5):>7} {len(x.errors):>6}")  # fmt: skip
        print("(times in ms; lag: pointer at a value -> the race showing it arrives; release: commit -> "
              "the race showing the released value)")  # fmt: skip
    lags = run.lags
    commits = [c for x in s for c in x.commits]
    pages = [c for x in s for c in x.pages]
    rates = [x.rate for x in s if x.dragging]
    bursts = sum(x.bursts for x in s)
    print(f"line: {run.line}  sessions: {run.sessions}  duration: {run.duration:g} s  bursts: {bursts}  "
          f"pointer moves: "
          f"{sum(x.moves for x in s)}  live changes sent: {sum(x.sent for x in s)}  "
          f"races drawn while dragging: {sum(x.answers for x in s)}")  # fmt: skip
    print(f"updates drawn per second while dragging: overall {run.rate:.1f}  per session: median "
          f"{statistics.median(rates) if rates else 0:.1f}  min {min(rates, default=0):.1f}  "
          f"max {max(rates, default=0):.1f}")  # fmt: skip
    print(f"lag pointer -> drawn update (ms): median {ms(lags, 0.5)}  p90 {ms(lags, 0.9)}  "
          f"p95 {ms(lags, 0.95)}  p99 {ms(lags, 0.99)}  max {ms(lags, 1.0)}  "
          f"({len(lags)} updates)")  # fmt: skip
    print(f"release -> race with the value (ms): median {ms(commits, 0.5)}  p95 {ms(commits, 0.95)}  "
          f"({len(commits)} of {bursts});  -> whole page finished: median {ms(pages, 0.5)}  "
          f"p95 {ms(pages, 0.95)}")  # fmt: skip
    gave_up = sum(x.gave_up for x in s)
    if gave_up:
        print(f"changes sent past one unanswered for {GIVE_UP:g} s: {gave_up}")
    if run.busy:
        print(f"live changes refused as the server was busy (429): {run.busy}")
    errors = run.errors
    print(f"errors: {len(errors)}")
    for e in errors[:10]:
        print(f"    {e[:300]}")
    if run.usage:
        u = run.usage
        print(f"server CPU: {u.cpu:.0f}% of one core on average, {u.cpu_peak:.0f}% over the busiest 5 s;  "
              f"RSS: {u.rss_start:.0f} MB at the start, peak {u.rss_peak:.0f} MB")  # fmt: skip
    late = [t for x in s for t in x.late_frames]
    print(f"this load generator: {run.own_cpu:.2f} cores; pointer moves late by p95 "
          f"{ms(late, 0.95)} ms;  load average (1, 5, 15 min) before {run.load_before}, "
          f"after {run.load_after} on {os.cpu_count()} cores")  # fmt: skip
    waited = (
        "" if run.waited is None else f";  some task waiting for a CPU {100 * run.waited:.0f}% of the time"
    )
    print(f"machine: {run.machine:.2f} of {os.cpu_count()} cores busy (every process){waited}")


def ramp_report(runs: list[Run]) -> None:
    """One row per run: a ramp's counts, or the lines compared."""
    print(f"{'line':>6} {'sessions':>8} {'drawn/s':>7} {'lag p50':>7} {'p90':>5} {'p95':>5} {'p99':>5} "
          f"{'release p50':>11} {'errors':>6} {'429':>4} {'CPU %':>5} {'RSS MB':>6} {'machine':>7} "
          f"{'waiting':>7} {'load avg':>15}")  # fmt: skip
    for r in runs:
        commits = [c for x in r.stats for c in x.commits]
        cpu = f"{r.usage.cpu:.0f}" if r.usage else "-"
        rss = f"{r.usage.rss_peak:.0f}" if r.usage else "-"
        waited = "-" if r.waited is None else f"{100 * r.waited:.0f}%"
        print(f"{r.line:>6} {r.sessions:>8} {r.rate:>7.1f} {ms(r.lags, 0.5):>7} {ms(r.lags, 0.9):>5} "
              f"{ms(r.lags, 0.95):>5} {ms(r.lags, 0.99):>5} {ms(commits, 0.5):>11} {len(r.errors):>6} "
              f"{r.busy:>4} {cpu:>5} {rss:>6} {r.machine:>7.2f} {waited:>7} {r.load_after:>15}")  # fmt: skip
    print("(429: live changes the server refused as busy; CPU %: the server's, of one core; machine: cores "
          "busy, every process; waiting: share of the time some task waited for a CPU; load avg: 1, 5, "
          "15 min at the end)")  # fmt: skip
    for line in dict.fromkeys(r.line for r in runs):
        good = [r.sessions for r in runs if r.line == line and r.within_target]
        print(f"{line}: largest count with p95 lag <= {1000 * TARGET:.0f} ms, no errors and no change "
              f"refused: {max(good) if good else 'none'}")  # fmt: skip


async def route_of(url: str) -> str | None:
    """The live route the page at `url` names (`live.url` in the player's data), or None."""
    session = AppSession(url, QUERY)
    try:
        result = await session.open(timeout=TIMEOUT)
        if not result.clean or session.player is None:
            raise RuntimeError(f"the page at {url} did not load: {result.status} {result.exceptions}")
        return json.loads(session.player.bytes).get("live", {}).get("url") or None
    finally:
        await session.close()


@contextlib.contextmanager
def target(url: str | None, pid: int | None, app: str = "app.py") -> Iterator[tuple[str, int | None]]:
    if url:
        yield url.rstrip("/"), pid
    else:
        with serve(app=app, timeout=300) as server:
            yield server.url, server.pid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.drag",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sessions", type=int, default=30, help="concurrent sessions (default 30)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of dragging (default 120)")
    parser.add_argument(
        "--period", type=float, default=10.0, help="seconds from one burst to the next (default 10)"
    )
    parser.add_argument("--burst", type=float, default=2.0, help="seconds each burst drags (default 2)")
    parser.add_argument(
        "--span", type=int, default=30, help="slider positions either side of the value (default 30)"
    )
    parser.add_argument(
        "--line", nargs="+", choices=LINES, default=["direct"],
        help="how live changes travel: direct (the live route, default), host (the websocket); "
        "both: each in turn, compared",
    )  # fmt: skip
    parser.add_argument(
        "--ramp", action="store_true", help="run each of --counts and find the largest within 250 ms"
    )
    parser.add_argument("--counts", type=int, nargs="+", default=[5, 10, 20, 30, 40, 60])
    parser.add_argument("--ramp-duration", type=float, default=40.0, help="seconds per count (default 40)")
    parser.add_argument("--ramp-all", action="store_true", help="run every count, even past the target")
    parser.add_argument("--url", help="a running server or proxy (default: start one)")
    parser.add_argument("--pid", type=int, help="the process id of the server at --url (for CPU and memory)")
    parser.add_argument(
        "--app", default="app.py",
        help="the app the server started without --url serves (default app.py; optviz/app/script.py: "
        "the page without the live route)",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=float, default=TIMEOUT, help="seconds before an answer counts as lost"
    )
    parser.add_argument(
        "--own-races", action="store_true",
        help="each session on a race of its own (its own start point): no session's runs serve another's",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.duration <= 0 or args.burst <= 0 or args.period < args.burst:
        parser.error("--sessions >= 1, --duration > 0, and 0 < --burst <= --period")
    lines = list(dict.fromkeys(args.line))
    options = {"period": args.period, "burst": args.burst, "span": args.span, "seed": args.seed,
               "timeout": args.timeout, "own": args.own_races}  # fmt: skip

    with target(args.url, args.pid, args.app) as (url, pid):
        warm_up(url)
        route = asyncio.run(route_of(url))
        if "direct" in lines and route is None:
            print(f"cannot drag over the direct line: {no_route(url)}", file=sys.stderr)
            return 2
        print(f"server: {url}{'' if pid else ' (no --pid: its CPU and memory are not measured)'}  "
              f"live route: {route or 'none'}  race: {len(SETTINGS.competitors)} competitors x "
              f"{SETTINGS.steps} steps on {SETTINGS.surface}  burst: {args.burst:g} s every "
              f"{args.period:g} s, pointer at {1 / FRAME:.0f} Hz over ±{args.span} positions of η"
              f"{'  each session on its own race' if args.own_races else ''}")  # fmt: skip
        runs: list[Run] = []
        for line in lines:
            if not args.ramp:
                run = asyncio.run(measured(url, pid, args.sessions, args.duration, **options, line=line))
                runs.append(run)
                if len(lines) > 1:
                    print(f"--- {line} line")
                report(run)
                continue
            for count in args.counts:
                run = asyncio.run(measured(url, pid, count, args.ramp_duration, **options, line=line))
                runs.append(run)
                print(f"--- {line} line, {count} sessions, {args.ramp_duration:g} s")
                report(run, per_session=False)
                if run.p95 > TARGET and not args.ramp_all:
                    break
        if args.ramp or len(runs) > 1:
            print()
            ramp_report(runs)
        failed = any(r.errors for r in runs)
        if not healthy(url):
            print("the server stopped answering")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
