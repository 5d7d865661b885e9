"""The player's drawing times in headless Chromium, printed (the machine is shared: compare figures
from one run). The page is the standalone HTML export of the lecture's seven optimizers on Beale's
function, with every view the app shows.

    python -m benchmarks.bench_player [--steps 500] [--moves 60]

1. First draw: each view's still layer (contour picture, 3-D surface, curves), as the player times it.
2. Turning the 3-D view (a mouse drag) and zooming it (the wheel): the 3-D surface drawn again for
   each new camera, and its paths cut where the surface hides them (data-surface-ms), per frame.
3. Playing: one step of every view (trails, heads, markers; data-render-ms) and frames per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optviz.export.html import page
from optviz.racing import run_race
from optviz.settings import RaceSettings
from tests.browser.harness import PLAYER_JS, launch

DATASET = f"() => ({{...({PLAYER_JS})().dataset}})"


def _figures(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
    median = statistics.median(values)
    return f"median {median:5.1f} ms, p90 {p90:5.1f} ms, max {values[-1]:5.1f} ms (n={len(values)})"


def _new_frame(pg, key: str, before: str) -> str:
    pg.wait_for_function(
        f"([key, before]) => ({PLAYER_JS})().dataset[key] !== before", arg=[key, before], polling="raf"
    )
    return pg.evaluate(DATASET)[key]


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--moves", type=int, default=60, help="drag and wheel events to time")
    args = parser.parse_args()

    race = run_race(RaceSettings.on("beale", steps=args.steps))
    text = page(race)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        path = Path(folder) / "race.html"
        path.write_text(text, encoding="utf-8")
        browser = launch(p)
        pg = browser.new_page(viewport={"width": 1366, "height": 768})
        pg.goto(path.as_uri())
        pg.wait_for_function(f"() => ({PLAYER_JS})().dataset.revision")
        first = pg.evaluate(DATASET)
        print(f"{len(race.runners)} paths x {args.steps} steps, page {len(text.encode()) / 1e3:.0f} kB")
        print(f"(1) first draw, still layers (ms): {first['staticMs']}")

        view = pg.locator('[data-testid="optviz-surface3d"]')
        box = view.bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        turn: list[float] = []
        pg.mouse.move(cx, cy)
        pg.mouse.down()
        camera = pg.evaluate(DATASET)["camera"]
        for i in range(1, args.moves + 1):
            pg.mouse.move(cx + 3 * (i % 40), cy + (i % 20))
            camera = _new_frame(pg, "camera", camera)
            pg.wait_for_timeout(20)  # the frame has been drawn
            turn.append(float(pg.evaluate(DATASET)["surfaceMs"]))
        pg.mouse.up()
        zoom: list[float] = []
        for i in range(args.moves):
            pg.mouse.wheel(0, -40 if i < args.moves // 2 else 40)
            camera = _new_frame(pg, "camera", camera)
            pg.wait_for_timeout(20)
            zoom.append(float(pg.evaluate(DATASET)["surfaceMs"]))
        print(f"(2) 3-D surface and hidden paths per new camera: turning {_figures(turn)}")
        print(f"    zooming {_figures(zoom)}")

        pg.locator('[data-testid="optviz-speed"]').select_option("60")
        pg.locator('[data-testid="optviz-first"]').click()
        pg.locator('[data-testid="optviz-play"]').click()
        render: list[float] = []
        for _ in range(40):
            pg.wait_for_timeout(100)
            render.append(float(pg.evaluate(DATASET)["renderMs"]))
        info = pg.evaluate(DATASET)
        print(f"(3) one step of every view while playing at 60 steps/s: {_figures(render)}")
        print(f"    {info.get('fps', '?')} frames/s, step {info['step']} after 4 s")
        browser.close()


if __name__ == "__main__":
    main()
