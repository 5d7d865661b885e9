"""Live dragging, measured: the race itself, and the race following the pointer in headless Chromium.

    python benchmarks/bench_live.py [--seconds 3] [--rounds 3]

Prints, for the lecture's seven optimizers x 500 steps on Beale's function:
- the race itself: `run_race` cold (every competitor run), and with one competitor's learning rate
  changed (what one live update reruns), and the player's payload for it;
- while dragging Adam's η slider (pointer moves at the display's rate, from inside the page, for
  `--seconds`): races drawn per second, and how far each drawn race is behind the pointer (from the
  move to the value it shows, to drawn: the player's `data-live-lags`), median and 90th percentile;
- the same while dragging the start point across the map;
- release -> the chart showing the released value's race (0 when the last live update drew it
  already), and -> the whole page updated (the results table showing the released value), median.
The browser figures are taken twice in one run: with the app as served (live changes over the
direct line, `optviz.app.live_endpoint`) and with the bare page (`optviz/app/script.py`, no route:
live changes rerun the player's fragment). `--line direct` or `--line host` takes one of them.
No assertions: the machine is shared; compare figures from one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from optviz import racing
from optviz.link import to_query
from optviz.settings import RaceSettings
from optviz.views.player import payload
from tests.browser.harness import PLAYER_JS, launch, state, streamlit_server, wait_for_race

SETTINGS = replace(RaceSettings.on("beale"), steps=500)  # the lecture's seven with their defaults
QUERY = urlencode(to_query(SETTINGS))

# Moves the pointer over an element at the display's rate for `seconds`, from left to right and
# back, dispatching the events a real drag makes; returns the number of moves.
DRAG_JS = (
    """async ([selector, seconds, kind]) => {
  const root = (PLAYER_ROOT)();
  const target = root.querySelector(selector) || root.getRootNode().querySelector(selector);
  const box = target.getBoundingClientRect();
  const t0 = performance.now();
  let moves = 0;
  const at = (f) => ({
    x: box.left + 8 + f * (box.width - 16),
    y: box.top + box.height * (kind === 'map' ? 0.3 + 0.4 * f : 0.5),
  });
  const fire = (type, p, extra) => target.dispatchEvent(new PointerEvent(type, {
    clientX: p.x, clientY: p.y, bubbles: true, pointerId: 1, ...extra,
  }));
  if (kind === 'map') {
    const p = at(0);
    fire('pointerdown', p, {button: 0});
  }
  while (performance.now() - t0 < seconds * 1000) {
    await new Promise(requestAnimationFrame);
    const phase = ((performance.now() - t0) / 1000) % 2;
    const f = phase < 1 ? phase : 2 - phase;
    if (kind === 'map') {
      const p = at(f);
      fire('pointermove', p, {});
    } else {
      target.value = String(Math.round(f * Number(target.max)));
      target.dispatchEvent(new Event('input', {bubbles: true}));
    }
    moves += 1;
  }
  if (kind === 'map') {
    const p = at(1);
    fire('pointerup', p, {button: 0});
  } else {
    target.dispatchEvent(new Event('change', {bubbles: true}));
  }
  return moves;
}"""
).replace("PLAYER_ROOT", PLAYER_JS)


def timed(f: Any, n: int) -> float:
    f()
    start = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - start) / n


def engine_figures() -> None:
    racing._run.cache_clear()
    cold = []
    for _ in range(5):
        racing._run.cache_clear()
        start = time.perf_counter()
        racing.run_race(SETTINGS)
        cold.append(time.perf_counter() - start)
    race = racing.run_race(SETTINGS)
    rates = iter(0.001 + 1e-6 * k for k in range(100_000))

    def one_changed() -> None:
        competitors = list(SETTINGS.competitors)
        competitors[-1] = replace(competitors[-1], lr=next(rates))
        payload(racing.run_race(replace(SETTINGS, competitors=tuple(competitors))), SETTINGS.view)

    def race_one_changed() -> None:
        competitors = list(SETTINGS.competitors)
        competitors[-1] = replace(competitors[-1], lr=next(rates))
        racing.run_race(replace(SETTINGS, competitors=tuple(competitors)))

    print(f"race, every competitor run (cold):       {statistics.median(cold) * 1e3:6.2f} ms (median of 5)")
    print(f"race with one competitor's eta changed:  {timed(race_one_changed, 200) * 1e3:6.2f} ms")
    with_payload = timed(one_changed, 200) * 1e3
    print(f"  and its payload for the player:        {with_payload:6.2f} ms (race included)")
    unchanged = timed(lambda: payload(race, SETTINGS.view), 200) * 1e3
    print(f"payload of an unchanged race:            {unchanged:6.2f} ms")


def drag(page: Any, selector: str, kind: str, seconds: float) -> tuple[int, list[int], float]:
    page.evaluate(f"() => {{ const r = ({PLAYER_JS})(); r.dataset.liveLags = '[]'; }}")
    page.evaluate(
        f"""() => {{
          const r = ({PLAYER_JS})();
          window.__revs = [];
          new MutationObserver(() => window.__revs.push(r.dataset.revision))
            .observe(r, {{attributes: true, attributeFilter: ['data-revision']}});
        }}"""
    )
    moves = page.evaluate(DRAG_JS, [selector, seconds, kind])
    drawn = page.evaluate("() => window.__revs")
    lags = json.loads(state(page).get("liveLags", "[]"))
    return moves, lags, len(set(drawn)) / seconds


def release_to_page(page: Any, seconds: float) -> tuple[float, float]:
    """From a slider's release to the chart showing the released value's race, and to the results
    table showing it (the whole page). Each release drags for its own `seconds`, so it ends on a
    value of its own (a release on the value the page already shows changes nothing to wait for).
    The chart's time is when the race the page ends with was first drawn: 0 when the last live
    update had already drawn it at the release."""
    before = page.locator("table.optviz-results").first.inner_text()
    page.evaluate(
        f"""() => {{
          const r = ({PLAYER_JS})();
          window.__drawn = {{}};
          new MutationObserver(() => {{ window.__drawn[r.dataset.revision] ??= performance.now(); }})
            .observe(r, {{attributes: true, attributeFilter: ['data-revision']}});
        }}"""
    )
    page.evaluate(DRAG_JS, ['[data-testid="optviz-live-lr"]', seconds, "slider"])
    released = page.evaluate("() => performance.now()")  # the drag has just ended with its release
    shown = page.wait_for_function(
        "(before) => { const t = document.querySelector('table.optviz-results');"
        " return t && t.innerText !== before ? performance.now() : false; }",
        arg=before,
        timeout=20_000,
        polling="raf",
    ).json_value()
    page.wait_for_timeout(300)  # the player's own update from the release, if any
    chart = page.evaluate(f"() => window.__drawn[({PLAYER_JS})().dataset.revision]")
    return max(0.0, chart - released) / 1000, (shown - released) / 1000


LINES = {"direct": "app.py", "host": "optviz/app/script.py"}  # the way live changes go -> what is served


def browser_figures(line: str, seconds: float, rounds: int) -> None:
    print(f"-- live changes over the {line} line (serving {LINES[line]})")
    with streamlit_server(LINES[line], timeout=180) as server, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{server.url}/?{QUERY}")
        wait_for_race(page)
        page.locator('[data-testid="optviz-live-runner"]').select_option(label="Adam")
        page.wait_for_timeout(300)
        for what, selector, kind in (
            ("Adam's eta slider", '[data-testid="optviz-live-lr"]', "slider"),
            ("the start point", '[data-testid="optviz-contour"]', "map"),
        ):
            rates, lags = [], []
            for _ in range(rounds):
                moves, round_lags, rate = drag(page, selector, kind, seconds)
                rates.append(rate)
                lags += round_lags
                page.wait_for_timeout(1500)  # the release's whole-page rerun
            went = state(page).get("liveLine")
            assert went == line, f"live changes went over the {went} line, not the {line} line"
            lags.sort()
            p90 = lags[int(0.9 * (len(lags) - 1))] if lags else float("nan")
            print(
                f"dragging {what:18s} {statistics.median(rates):5.1f} races drawn per second; behind the "
                f"pointer: median {statistics.median(lags) if lags else float('nan'):.0f} ms, "
                f"p90 {p90:.0f} ms "
                f"({len(lags)} races, {moves} moves per round)"
            )
        releases = [release_to_page(page, 0.15 + 0.09 * i) for i in range(2 * rounds + 3)]
        chart = statistics.median(r[0] for r in releases) * 1e3
        whole = statistics.median(r[1] for r in releases) * 1e3
        waited = sorted(round(r[0] * 1e3) for r in releases)
        print(f"release -> chart showing the released value: median {chart:.0f} ms (each: {waited} ms)")
        print(f"release -> results table updated: median {whole:.0f} ms")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--line", choices=[*LINES, "both"], default="both")
    args = parser.parse_args()
    engine_figures()
    for line in LINES if args.line == "both" else [args.line]:
        browser_figures(line, args.seconds, args.rounds)


if __name__ == "__main__":
    main()
