"""Measures the app in headless Chromium and prints the numbers the README reports.

    python benchmarks/bench_app.py [--query "surface=beale&steps=500"] [--runs 9]

- first load: from navigation to the race drawn (data and contour image in, every view painted), in a
  fresh browser context each time, after one warm-up load that lets the server import and load its
  compiled kernels;
- slider change: from the key press on the "Steps" slider to the updated race drawn (median);
- bytes: what the page receives over the websocket for one race (a slider change), and for a first
  load (websocket and HTTP);
- animation: frames the contour view draws per second while playing (at 60 and 120 steps/s the step
  changes on every display frame, so this is the frame rate the view sustains), and the time one frame
  of every view takes.
Default: the lecture's seven optimizers x 500 steps on Beale's function.

    python benchmarks/bench_app.py --first-visits 5

measures only the first visitor after a server start, each time with a new server (the kernels
already in the on-disk cache, as after `python -m optviz warm`): from navigation to the race
drawn, and when the player got its data (the rest is the browser drawing the page).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from tests.browser.harness import (
    PLAYER_JS,
    launch,
    slider_input,
    state,
    streamlit_server,
    wait_for_race,
)


class Bytes:
    """Counts what the page receives: websocket frames and HTTP bodies (as sent, compressed or not)."""

    def __init__(self, page: Any) -> None:
        self.ws = 0
        self.http = 0
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.webSocketFrameReceived", self._frame)
        session.on("Network.loadingFinished", self._loaded)

    def _frame(self, params: dict) -> None:
        frame = params["response"]
        data = frame["payloadData"]
        self.ws += len(base64.b64decode(data)) if frame.get("opcode") == 2 else len(data.encode())

    def _loaded(self, params: dict) -> None:
        self.http += int(params.get("encodedDataLength", 0))


def first_load(browser: Any, url: str) -> tuple[float, int, int]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    counter = Bytes(page)
    start = time.perf_counter()
    page.goto(url)
    wait_for_race(page)
    seconds = time.perf_counter() - start
    page.wait_for_timeout(300)
    context.close()
    return seconds, counter.ws, counter.http


def slider_changes(page: Any, runs: int) -> tuple[list[float], list[int], list[float]]:
    """Per change: seconds to the updated chart, bytes received, and the player's own share (ms from
    its data arriving to every view drawn)."""
    counter = Bytes(page)
    steps = slider_input(page, "Steps")
    times, sizes, draws = [], [], []
    for _ in range(runs):
        revision = state(page)["revision"]
        page.wait_for_timeout(400)  # let the previous rerun settle
        steps.focus()
        before = counter.ws
        start = time.perf_counter()
        # always up: a value seen before would come from the browser's message cache, not the server
        page.keyboard.press("ArrowRight")
        wait_for_race(page, revision)
        times.append(time.perf_counter() - start)
        draws.append(float(state(page)["drawMs"]))
        page.wait_for_timeout(300)
        sizes.append(counter.ws - before)
    return times, sizes, draws


def frame_rate(page: Any, speed: int, seconds: float = 3.0) -> tuple[float, float, bool]:
    """Frames drawn per second while playing, the smoothed ms per frame, and whether the contour map
    stayed on screen (a pixel of the map read back during playback)."""
    page.locator('[data-testid="optviz-speed"]').select_option(str(speed))
    page.locator('[data-testid="optviz-first"]').click()
    page.locator('[data-testid="optviz-play"]').click()
    result = page.evaluate(
        f"""async (seconds) => {{
          const root = ({PLAYER_JS})();
          await new Promise((r) => setTimeout(r, 300));
          const f0 = Number(root.dataset.frames || 0), t0 = performance.now();
          await new Promise((r) => setTimeout(r, seconds * 1000));
          const f1 = Number(root.dataset.frames || 0), t1 = performance.now();
          const map = root.querySelector('[data-testid="optviz-contour-static"]');
          const box = JSON.parse(root.dataset.plot);
          const ctx = map.getContext('2d');
          const scale = map.width / map.getBoundingClientRect().width;
          const px = ctx.getImageData(Math.round((box.left + box.width / 2) * scale),
                                      Math.round((box.top + box.height / 2) * scale), 1, 1).data;
          return {{fps: (f1 - f0) / ((t1 - t0) / 1000), ms: Number(root.dataset.renderMs),
                   drawn: px[3] > 0, playing: root.dataset.playing}};
        }}""",
        seconds,
    )
    page.locator('[data-testid="optviz-play"]').click()  # pause
    return result["fps"], result["ms"], result["drawn"]


def first_visits(app: str, query: str, count: int) -> None:
    """Starts a server `count` times each way, `streamlit run app.py` and `python -m optviz serve`
    (alternating, so both see the same machine); each time the first visitor's wait, browser open."""
    ways = {"streamlit run app.py": False, "python -m optviz serve": True}
    waits: dict[str, list[float]] = {way: [] for way in ways}
    received: dict[str, list[float]] = {way: [] for way in ways}
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context()
        context.new_page().goto("about:blank")  # the browser's own first page is not the app's
        context.close()
        for _ in range(count):
            for way, preload in ways.items():
                with streamlit_server(app, timeout=300, preload=preload) as server:
                    context = browser.new_context(viewport={"width": 1366, "height": 768})
                    page = context.new_page()
                    start = time.perf_counter()
                    page.goto(f"{server.url}/?{query}")
                    wait_for_race(page)
                    waits[way].append(time.perf_counter() - start)
                    received[way].append(float(state(page)["received"]) / 1000)  # ms since navigation
                    context.close()
        browser.close()
    print(f"race: {query}; load average {Path('/proc/loadavg').read_text().split()[0]}")
    for way in ways:
        runs = ", ".join(f"{s:.2f}" for s in waits[way])
        got = ", ".join(f"{s:.2f}" for s in received[way])
        wait = statistics.median(waits[way])
        print(f"{way}: first visitor after a server start: median {wait:.2f} s")
        data = statistics.median(received[way])
        print(f"  runs [{runs}]; until the player had its data: median {data:.2f} s")
        print(f"  [{got}]")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--app", default="app.py")
    parser.add_argument("--query", default="surface=beale&steps=500", help="the race to measure")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--first-visits", type=int, default=0, metavar="N", help="only the first visitor, N server starts"
    )
    args = parser.parse_args()
    if args.first_visits:
        first_visits(args.app, args.query, args.first_visits)
        return

    with streamlit_server(args.app, timeout=300) as server, sync_playwright() as p:
        url = f"{server.url}/?{args.query}"
        browser = launch(p)
        cold, _, _ = first_load(browser, url)
        loads = [first_load(browser, url) for _ in range(3)]
        load_s = statistics.median(s for s, _, _ in loads)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto(url)
        wait_for_race(page)
        times, sizes, draws = slider_changes(page, args.runs)
        rates = {speed: frame_rate(page, speed) for speed in (30, 60, 120)}
        info = state(page)
        browser.close()

    print(f"race: {args.query}  ({info['steps']} steps, {len(info['first'])} runners)")
    print(f"first load, cold server:        {cold:6.2f} s")
    print(f"first load (median of 3):       {load_s:6.2f} s   [{', '.join(f'{s:.2f}' for s, _, _ in loads)}]")
    _, ws, http = loads[-1]
    print(f"  bytes received on first load: websocket {ws / 1e6:.2f} MB, http {http / 1e6:.2f} MB")
    print(
        f"slider change -> updated chart: median {statistics.median(times) * 1000:6.0f} ms"
        f"   [min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, n={len(times)}]"
    )
    print(f"  of which the player (data in -> drawn): median {statistics.median(draws):.0f} ms")
    print(f"bytes received for one race:    median {statistics.median(sizes) / 1e6:.3f} MB")
    for speed, (fps, ms, drawn) in rates.items():
        print(
            f"animation at {speed:3d} steps/s:      {fps:5.1f} frames/s on the contour view,"
            f" {ms:.2f} ms per frame (all views), contour drawn during playback: {drawn}"
        )


if __name__ == "__main__":
    main()
