"""A class at once: many real sessions on one `streamlit run` server, and what they experienced.

    python -m loadtest.load [--sessions 30] [--duration 120] [--think 3 8] [--exporters 3]
                            [--replicas 1] [--proxy | --url http://host:port[/path/] ...] [--seed 0]

Each session opens the page (with one of a few shared links), then, until the time is up, does what
a student does: drags a learning-rate or decay slider (now and then to its maximum), changes the
step count, switches surface, loads a preset, toggles a view, clicks the map for a new start point;
between changes it waits a random "think time". `--exporters` of the sessions instead prepare MP4
and GIF files one after another. Sessions talk to the server over its own websocket protocol
(`loadtest.client`), so the server does exactly the work it does for browsers while this script
stays light. Pressing play costs the server nothing (the animation runs in the browser from data
already sent), so it is not part of a session's load; `benchmarks/bench_app.py` measures it.

Prints: sessions, interactions, errors, the time from a change to the updated chart (its data
received) p50/p95/max, export times, the server's CPU use and its resident memory (start, peak, end).
Without `--url` it starts its own servers with the project's `.streamlit/config.toml`: `--replicas`
of them, the sessions taking them in turn (as behind a load balancer, each session on one server).
With `--proxy` they are started as deployed instead (`deploy/replicas.sh`, under /optviz/) behind
Debian's nginx with the project's site (`deploy/nginx-optviz.conf`, `loadtest.proxy`), and every
session goes through nginx, which spreads them; the report then says how many each replica took,
and nginx's own CPU use. `--url` takes a running server or proxy, a path included
(http://host:port/optviz/).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from loadtest import proxy
from loadtest.client import AppSession, Rerun
from loadtest.server import cpu_seconds, healthy, memory_mb, serve
from optviz import presets
from optviz.link import to_query

# Links a teacher might share: the app's front page and every ready-made race, as the app's "Share"
# link writes them.
LINKS = ("", *(urlencode(to_query(p.settings)) for p in presets.PRESETS.values()))
TIMEOUT = 60.0  # seconds a change may take before it counts as an error


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- What a student does. ---------------------------------------------------------------------------
# Each action looks at the page the session shows now and returns the widget changes to send.


def _pick(rng: random.Random, session: AppSession, pattern: Callable[[str], bool]) -> str | None:
    keys = [k for k in session.widgets if pattern(k)]
    return rng.choice(keys) if keys else None


def hyperparameter(session: AppSession, rng: random.Random) -> dict[str, Any]:
    """A learning-rate, momentum or decay slider, dragged somewhere; one time in ten to its maximum.
    With no competitor's box open (a closed box shows no sliders), opens one first, as a student
    would."""
    key = _pick(rng, session, lambda k: k.startswith("w.c") and k.endswith(".slider"))
    if key is None:
        box = _pick(rng, session, lambda k: k.startswith("w.box"))
        return {box: True} if box else {}
    options = session.find(key).options
    return {key: options[-1] if rng.random() < 0.1 else rng.choice(options)}


def steps(session: AppSession, rng: random.Random) -> dict[str, Any]:
    widget = session.find("w.steps")
    return {"w.steps": rng.randint(int(widget.proto.min), int(widget.proto.max))}


def surface(session: AppSession, rng: random.Random) -> dict[str, Any]:
    return {"w.surface": rng.choice(session.find("w.surface").options)}


def preset(session: AppSession, rng: random.Random) -> dict[str, Any]:
    return {"w.preset": rng.choice(session.find("w.preset").options)}


def view(session: AppSession, rng: random.Random) -> dict[str, Any]:
    return {rng.choice(("w.show_3d", "w.show_arrows", "w.show_rates")): rng.random() < 0.5}


def start_point(session: AppSession, rng: random.Random) -> dict[str, Any]:
    """A click on the contour map: the player sends the point as its "start" event."""
    return {"race": {"start": {"x": rng.uniform(-2, 2), "y": rng.uniform(-2, 2)}}}


ACTIONS: tuple[tuple[Callable[[AppSession, random.Random], dict[str, Any]], int], ...] = (
    (hyperparameter, 6),
    (steps, 2),
    (surface, 2),
    (preset, 1),
    (view, 2),
    (start_point, 1),
)


def export_request(rng: random.Random) -> dict[str, Any]:
    return {"export.format": rng.choice(("MP4 video", "Animated GIF"))}


# --- Running sessions. -------------------------------------------------------------------------------


@dataclass
class Tally:
    """Everything the sessions saw; errors are described, not just counted."""

    changes: list[float] = field(default_factory=list)  # seconds from a change to the chart's data
    finishes: list[float] = field(default_factory=list)  # seconds from a change to the page complete
    first_loads: list[float] = field(default_factory=list)
    exports: list[float] = field(default_factory=list)
    actions: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    refusals: int = 0  # reruns whose page says a setting was refused (st.error): expected, not errors
    replicas: Counter = field(default_factory=Counter)  # sessions per replica, when a proxy names it

    def record(self, what: str, result: Rerun, into: list[float]) -> None:
        self.actions[what] += 1
        if not result.clean:
            detail = "; ".join(result.exceptions) or result.status
            self.errors.append(f"{what}: {detail}")
            return
        into.append(result.chart if result.chart is not None else result.finished)
        if into is self.changes:
            self.finishes.append(result.finished)
        self.refusals += any(kind == "error" for kind, _ in result.alerts)


async def _session(
    url: str,
    rng: random.Random,
    tally: Tally,
    until: float,
    think: tuple[float, float],
    act: Callable[[AppSession, random.Random, Tally], Awaitable[None]],
) -> None:
    """One tab: opens the page, then until the time is up waits a think time and does `act`;
    a dropped connection or a page without its widgets ends it as an error."""
    session = AppSession(url, rng.choice(LINKS))
    try:
        tally.record("first load", await session.open(timeout=TIMEOUT), tally.first_loads)
        if session.replica:
            tally.replicas[session.replica] += 1
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(*think))
            await act(session, rng, tally)
    except Exception as error:
        tally.errors.append(f"session ended: {type(error).__name__}: {error}")
    finally:
        await session.close()


async def change_something(session: AppSession, rng: random.Random, tally: Tally) -> None:
    """A student's turn: one change, chosen by the ACTIONS' weights."""
    action = rng.choices([a for a, _ in ACTIONS], [w for _, w in ACTIONS])[0]
    changes = action(session, rng)
    if changes:
        tally.record(action.__name__, await session.rerun(changes, timeout=TIMEOUT), tally.changes)


async def export_something(session: AppSession, rng: random.Random, tally: Tally) -> None:
    """An exporting student's turn: picks MP4 or GIF and prepares the file."""
    if "export.format" not in session.widgets:  # the export box is closed: open it
        tally.record("open export", await session.rerun({"export.box": True}), tally.changes)
    tally.record("export format", await session.rerun(export_request(rng)), tally.changes)
    result = await session.rerun({"export.prepare": True}, timeout=10 * TIMEOUT)
    tally.record("export", result, tally.exports)
    if result.clean:
        tally.exports[-1] = result.finished  # the file is ready when the page is
        if "export.download" not in session.widgets:
            tally.errors.append("export: no download button after preparing")


async def run_class(
    url: str | list[str], sessions: int, exporters: int, duration: float, think: tuple[float, float],
    ramp: float, seed: int,
) -> Tally:  # fmt: skip
    """`sessions` students (the first `exporters` of them exporting), spread over the server URLs
    given in turn: each session stays on its server, as behind a load balancer with affinity."""
    urls = [url] if isinstance(url, str) else url
    tally = Tally()
    until = time.monotonic() + duration
    tasks = []
    for i in range(sessions):
        rng = random.Random(seed * 1000 + i)
        act = export_something if i < exporters else change_something
        tasks.append(asyncio.create_task(_session(urls[i % len(urls)], rng, tally, until, think, act)))
        await asyncio.sleep(ramp / max(1, sessions))  # everyone arrives within the same minute
    await asyncio.gather(*tasks)
    return tally


@dataclass(frozen=True)
class Target:
    """Where the sessions go and what to measure."""

    urls: list[str]  # the sessions take these in turn
    servers: list[str] = field(default_factory=list)  # each server's own address (warmed, checked)
    pids: list[int] = field(default_factory=list)  # the server processes started here
    proxy_pids: list[int] = field(default_factory=list)  # nginx's, when started here


@contextlib.contextmanager
def target(urls: list[str] | None, replicas: int, behind_proxy: bool) -> Iterator[Target]:
    """The given URLs (nothing started), or `replicas` servers started here, behind nginx or not."""
    if urls:
        urls = [url.rstrip("/") for url in urls]
        yield Target(urls, urls)
    elif behind_proxy:
        with proxy.replicas(count=replicas) as started, proxy.nginx(started.ports) as nginx:
            servers = [started.url(port) for port in started.ports]
            yield Target([nginx.url], servers, list(started.pids.values()), nginx.pids())
    else:
        with contextlib.ExitStack() as stack:
            started = [stack.enter_context(serve(timeout=300)) for _ in range(replicas)]
            servers = [server.url for server in started]
            yield Target(servers, servers, [server.pid for server in started])


def warm_up(url: str) -> None:
    """One page first, so the figures do not include loading the compiled kernels."""

    async def once() -> None:
        session = AppSession(url)
        try:
            await session.open(timeout=600)
        finally:
            await session.close()

    asyncio.run(once())


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (every process: servers, exports, this script)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def report(tally: Tally, args: argparse.Namespace, cpu: float | None, wall: float,
           memory: tuple[float, float, float] | None, proxy_cpu: float | None = None) -> None:  # fmt: skip
    interactions = sum(tally.actions.values())
    servers = len(args.url) if args.url else args.replicas
    behind = " behind nginx (deploy/nginx-optviz.conf)" if args.proxy else ""
    print(f"servers: {servers}{behind}  sessions: {args.sessions} ({args.exporters} exporting)  "
          f"duration: {wall:.0f} s  think time: {args.think[0]:g}-{args.think[1]:g} s")  # fmt: skip
    if tally.replicas:
        print(f"sessions per replica (as the proxy named it): "
              f"{', '.join(f'{k} {v}' for k, v in sorted(tally.replicas.items()))}")  # fmt: skip
    print(f"interactions: {interactions}  ({', '.join(f'{k} {v}' for k, v in tally.actions.most_common())})")
    print(f"errors: {len(tally.errors)}")
    for message, count in Counter(tally.errors).most_common(10):
        print(f"    {count} x {message[:300]}")
    print(f"pages saying a setting was refused (expected for extreme settings): {tally.refusals}")
    c = tally.changes
    print(f"change -> chart data: p50 {percentile(c, 0.5):.2f} s  p95 {percentile(c, 0.95):.2f} s  "
          f"max {max(c, default=float('nan')):.2f} s  ({len(c)} changes)")  # fmt: skip
    f = tally.finishes
    print(f"change -> page complete: p50 {percentile(f, 0.5):.2f} s  p95 {percentile(f, 0.95):.2f} s")
    first = tally.first_loads
    print(
        f"first load (server side): p50 {percentile(first, 0.5):.2f} s  "
        f"max {max(first, default=float('nan')):.2f} s"
    )
    if tally.exports:
        e = tally.exports
        print(f"exports: {len(e)}  median {statistics.median(e):.1f} s  max {max(e):.1f} s")
    if cpu is not None:
        print(
            f"server processes' CPU: {cpu:.0f} s over {wall:.0f} s = {cpu / wall:.2f} cores "
            "(exports run in their own processes)"
        )
    if proxy_cpu is not None:
        print(f"nginx's CPU: {proxy_cpu:.1f} s = {proxy_cpu / wall:.3f} cores")
    if memory is not None:
        start, peak, end = memory
        print(f"server memory (RSS, all servers): start {start:.0f} MB  peak {peak:.0f} MB  "
              f"end {end:.0f} MB  "
              f"-> {(peak - start) / max(1, args.sessions):.1f} MB per session at peak")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sessions", type=int, default=30, help="concurrent sessions (default 30)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of activity (default 120)")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds between one session's changes (default 3 8)")  # fmt: skip
    parser.add_argument("--exporters", type=int, default=3, help="sessions that export files (default 3)")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which sessions arrive")
    parser.add_argument(
        "--url", action="append", help="a running server (repeat for several; default: start them)"
    )
    parser.add_argument("--replicas", type=int, default=1, help="servers to start, sessions spread over them")
    parser.add_argument(
        "--proxy", action="store_true",
        help="start the servers as deployed (deploy/replicas.sh) behind nginx (deploy/nginx-optviz.conf) "
        "and send every session through it",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.sessions < 1 or not 0 <= args.exporters <= args.sessions:
        parser.error("--sessions must be at least 1 and --exporters between 0 and --sessions")
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    if args.duration <= 0 or not 0 <= args.think[0] <= args.think[1]:
        parser.error("--duration must be positive and --think MIN MAX with 0 <= MIN <= MAX")
    if args.proxy and args.url:
        parser.error("--proxy starts its own servers; give --url for one already running")

    with target(args.url, args.replicas, args.proxy) as where:
        for url in where.servers:
            warm_up(url)
        pids, proxy_pids = where.pids, where.proxy_pids
        rss0 = sum(memory_mb(pid)[0] for pid in pids)
        cpu0 = sum(cpu_seconds(pid) for pid in pids)
        proxy_cpu0 = sum(cpu_seconds(pid) for pid in proxy_pids)
        busy0 = machine_busy()
        own0 = time.process_time()
        t0 = time.monotonic()
        tally = asyncio.run(
            run_class(
                where.urls, args.sessions, args.exporters, args.duration, tuple(args.think), args.ramp,
                args.seed,
            )
        )  # fmt: skip
        wall = time.monotonic() - t0
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu0 if pids else None
        proxy_cpu = sum(cpu_seconds(pid) for pid in proxy_pids) - proxy_cpu0 if proxy_pids else None
        memory = (rss0, sum(memory_mb(pid)[1] for pid in pids), sum(memory_mb(pid)[0] for pid in pids))
        tally.errors += [f"the server on {url} stopped" for url in where.servers if not healthy(url)]
        report(tally, args, cpu, wall, memory if pids else None, proxy_cpu)
        print(f"this load generator's CPU: {(time.process_time() - own0) / wall:.2f} cores")
        print(f"machine: {(machine_busy() - busy0) / wall:.2f} of {os.cpu_count()} cores busy on average "
              f"(every process on it, this script and other work included)")  # fmt: skip
    return 1 if tally.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
