"""The stability map in the app, in headless Chromium: how long a map takes to appear and what it sends.

    python benchmarks/bench_map.py [--rounds 3] [--sizes 128 256 512]

Each round starts a fresh browser context on a race of its own (Adam on Beale, 500 steps; the step
count differs per round, so no map comes from the server's cache or the browser's message cache):

- first open: from the click on the "Stability map" tab to the 64 x 64 map drawn;
- grid size: from the key press on "Grid size" (64 -> 128 -> 256 -> 512) to the new map drawn, with
  the map's computation in it (the sweep itself takes ~0.5 s for 512 x 512 x 500 steps);
- bytes: what the page receives over the websocket between asking and the map drawn, and the
  largest single message (the map's);
- in the page: of that time, the part from the map's bytes reaching the view to the map drawn
  (the map view's own data-received and data-draw-ms hooks; not there for the plotly chart);
- the sweep alone: the same 512 x 512 map computed in this process (best of 2, before and after
  the browser rounds), the part of "grid size 512" that is the engine's; the machine is shared, so
  this moves with the load.

Before all that, the server-side part alone: building the map's element for each size, and the
size of what it sends (the element's protobuf), without a browser.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from benchmarks.bench_app import Bytes
from tests.browser.harness import launch, slider_input, streamlit_server, wait_for_race

SIZES = (64, 128, 256, 512)
QUERY = "surface=beale&steps={steps}&c1=adam&c1.lr=0.01&c1.batch=full"
# Drawn: the map view holds a map of n x n cells and has painted it. Works for the map as a
# component (its root's data-cells and data-revision) and as the plotly chart it was before (a
# heatmap of n rows whose image changed), so that the two can be compared.
DRAWN_JS = """([n, before]) => {
  if (document.querySelector('[data-testid="stException"]')) return 'error';
  for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    const root = host.shadowRoot && host.shadowRoot.querySelector('[data-testid="optviz-map"]');
    if (root) return root.dataset.cells === `${n}x${n}` && root.dataset.revision !== before;
  }
  const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  if (!gd || !gd._fullData || !gd._fullData.length) return false;
  const z = gd._fullData[0].z;
  const image = gd.querySelector('.hm image');
  if (!z || z.length !== n || !image) return false;
  const href = image.getAttribute('href') || '';
  return href.length + ':' + href.slice(-48) !== before;
}"""
# What identifies the map on screen now (to tell the next one from it).
CURRENT_JS = """() => {
  for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    const root = host.shadowRoot && host.shadowRoot.querySelector('[data-testid="optviz-map"]');
    if (root) return root.dataset.revision || '';
  }
  const image = document.querySelector('[data-testid="stPlotlyChart"] .hm image');
  const href = image ? image.getAttribute('href') || '' : '';
  return href.length + ':' + href.slice(-48);
}"""
# The map view's own timing: ms from its bytes arriving to the map drawn (none for a plotly chart).
DRAW_MS_JS = """() => {
  for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    const root = host.shadowRoot && host.shadowRoot.querySelector('[data-testid="optviz-map"]');
    if (root) return Number(root.dataset.drawMs);
  }
  return null;
}"""
Result = tuple[float, int, int, float | None]  # seconds, bytes received, largest message, ms in the page


class Frames(Bytes):
    """`Bytes`, and the largest websocket frame since `reset`."""

    def __init__(self, page: Any) -> None:
        self.largest = 0
        super().__init__(page)

    def _frame(self, params: dict) -> None:
        before = self.ws
        super()._frame(params)
        self.largest = max(self.largest, self.ws - before)

    def reset(self) -> tuple[int, int]:
        mark = (self.ws, self.largest)
        self.largest = 0
        return mark


def wait_drawn(page: Any, n: int, before: str, timeout: float = 300_000) -> None:
    result = page.wait_for_function(DRAWN_JS, arg=[n, before], timeout=timeout, polling="raf")
    if result.json_value() == "error":
        raise AssertionError(page.locator('[data-testid="stException"]').first.inner_text())


def one_round(browser: Any, url: str, sizes: tuple[int, ...]) -> dict[str, Result]:
    """Seconds, bytes received, the largest message and the view's own ms: for the first open and
    per grid size."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    counter = Frames(page)
    page.goto(url)
    wait_for_race(page)
    page.wait_for_timeout(500)
    out = {}
    counter.reset()
    ws0 = counter.ws
    start = time.perf_counter()
    page.get_by_role("tab", name="Stability map").click()
    wait_drawn(page, 64, "none")
    seconds = time.perf_counter() - start
    out["first open (64)"] = (seconds, counter.ws - ws0, counter.largest, page.evaluate(DRAW_MS_JS))
    grid = slider_input(page, "Grid size")
    current = 64
    for n in sizes:
        while current < n:
            page.wait_for_timeout(500)  # the previous map settled
            before = page.evaluate(CURRENT_JS)
            counter.reset()
            ws0 = counter.ws
            grid.focus()
            start = time.perf_counter()
            page.keyboard.press("ArrowRight")
            current *= 2
            wait_drawn(page, current, before)
            seconds = time.perf_counter() - start
            page.wait_for_timeout(300)
            drawn = page.evaluate(DRAW_MS_JS)
            out[f"grid size {current}"] = (seconds, counter.ws - ws0, counter.largest, drawn)
    context.close()
    return out


def server_side(sizes: tuple[int, ...]) -> None:
    """The map's element as the app builds it, per size: build time and protobuf bytes."""
    from streamlit.testing.v1 import AppTest

    script = Path(__file__).resolve().parents[1] / "tests" / "map_view_app.py"
    at = AppTest.from_file(str(script), default_timeout=300).run()
    for n in sizes:
        at.select_slider(key="map.size").set_value(n).run()  # computes (and caches) the map
        start = time.perf_counter()
        at.run()  # the map from the cache: what is left is the view
        seconds = time.perf_counter() - start
        elements = at.get("bidi_component")
        size = sum(e.proto.ByteSize() for e in elements)
        print(
            f"  {n:3d} x {n:<3d}  rerun, map cached: {seconds * 1000:5.0f} ms; element {size / 1e6:6.3f} MB"
        )


def sweep_alone(n: int = 512, repeats: int = 2) -> float:
    """Seconds the engine takes for the map the tab shows for QUERY at n x n (best of `repeats`)."""
    from urllib.parse import parse_qsl

    from optviz.app import map_tab
    from optviz.link import from_query
    from optviz.sweep import Axis

    settings = from_query(dict(parse_qsl(QUERY.format(steps=500))))[0]
    axes = [Axis(a, *map_tab.default_range(a, settings)[:2], n, map_tab.default_range(a, settings)[2])
            for a in ("lr", "beta1")]  # fmt: skip
    request = map_tab.make_request(settings, 0, *axes)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        map_tab.compute(request)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--app", default="app.py")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[128, 256, 512])
    parser.add_argument("--no-server-side", action="store_true")
    args = parser.parse_args()

    if not args.no_server_side:
        print("server side (the default race's map, lr x batch size; AppTest):")
        server_side(SIZES)

    engine = [sweep_alone()]
    results: list[dict[str, Result]] = []
    with streamlit_server(args.app, timeout=300) as server, sync_playwright() as p:
        browser = launch(p)
        # warm-up: the server imports everything and loads the kernels; Chromium caches nothing
        # across contexts, so every round loads the page's scripts again
        one_round(browser, f"{server.url}/?{QUERY.format(steps=499)}", (128,))
        for k in range(args.rounds):
            url = f"{server.url}/?{QUERY.format(steps=500 + k)}"
            results.append(one_round(browser, url, tuple(args.sizes)))
        browser.close()
    engine.append(sweep_alone())

    print(f"in Chromium (Adam on Beale, 500 steps, lr x beta1; median of {len(results)} rounds):")
    for name in results[0]:
        seconds = [r[name][0] for r in results]
        received = statistics.median(r[name][1] for r in results)
        largest = statistics.median(r[name][2] for r in results)
        drawn = [r[name][3] for r in results if r[name][3] is not None]
        in_page = f", in the page {statistics.median(drawn):4.0f} ms" if drawn else ""
        print(
            f"  {name:18s} {statistics.median(seconds):6.2f} s  [{', '.join(f'{s:.2f}' for s in seconds)}]"
            f"   received {received / 1e6:6.2f} MB, largest message {largest / 1e6:6.2f} MB{in_page}"
        )
    print(f"  the 512 x 512 sweep alone, in this process: {engine[0]:.2f} s before, {engine[1]:.2f} s after")


if __name__ == "__main__":
    main()
