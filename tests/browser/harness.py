"""Running the app in a real browser: a `streamlit run` server on 127.0.0.1 (`loadtest.server`) and
Debian's Chromium.

Shared by the browser tests and `benchmarks/bench_app.py`. The player lives in a shadow root:
Playwright's CSS locators reach into it, page scripts go through `PLAYER_JS`.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

from loadtest.server import Server
from loadtest.server import serve as streamlit_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PLAYER = '[data-testid="optviz-player"]'
# The player's root element, found through the component's shadow root.
PLAYER_JS = """() => {
  for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    const root = host.shadowRoot && host.shadowRoot.querySelector('[data-testid="optviz-player"]');
    if (root) return root;
  }
  return document.querySelector('[data-testid="optviz-player"]');
}"""


__all__ = ["Server", "streamlit_server"]  # for the fixtures and benchmarks


def launch(playwright: Any, args: tuple[str, ...] = ()) -> Any:
    """Debian's Chromium, headless; the project never downloads a browser of its own. `args` are
    Chromium switches added to `CHROMIUM_ARGS`."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *args])


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def require(available: bool, message: str) -> None:
    """Skips the test when a program it needs is missing on a developer's machine; fails it in CI
    (where `CI` is set), so a missing program can never pass for a green run."""
    import pytest

    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def wait_for_race(page: Any, previous: str | None = None, timeout: float = 300_000) -> str:
    """Waits until the player has drawn a race other than `previous`; returns its revision.

    The first race of a fresh checkout can take a minute (the engine's kernels compile once); an
    exception shown by the app ends the wait at once.
    """
    page.wait_for_function(
        f"""(previous) => {{
          if (document.querySelector('[data-testid="stException"]')) return true;
          const root = ({PLAYER_JS})();
          return root && root.dataset.revision && root.dataset.revision !== previous;
        }}""",
        arg=previous,
        timeout=timeout,
        polling="raf",
    )
    errors = page.locator('[data-testid="stException"]')
    if errors.count():
        raise AssertionError(f"the app shows an exception:\n{errors.first.inner_text()}")
    return state(page)["revision"]


def wait_for_step(page: Any, at_least: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        f"(n) => {{ const r = ({PLAYER_JS})(); return r && Number(r.dataset.step) >= n; }}",
        arg=at_least,
        timeout=timeout,
    )


def state(page: Any) -> dict[str, Any]:
    """The player's hooks: step, steps, playing, revision, frames, heads/first/last points, plot box."""
    data = page.evaluate(f"() => {{ const r = ({PLAYER_JS})(); return r ? {{...r.dataset}} : null; }}")
    if data is None:
        raise AssertionError("no race player on the page")
    for name in ("heads", "first", "last", "plot", "pending", "camera"):
        if name in data:
            data[name] = json.loads(data[name])
    for name in ("step", "steps", "frames"):
        if name in data:
            data[name] = int(data[name])
    return data


def slider_input(page: Any, label: str) -> Any:
    """The hidden range input of the Streamlit slider whose label starts with `label`."""
    box = page.locator('div[data-testid="stSlider"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)
    )
    return box.first.locator('input[type="range"]')


def click_map(page: Any, fx: float, fy: float) -> tuple[float, float]:
    """Clicks the contour map at fractions (fx from the left, fy from the top) of its plot area;
    returns the point in surface coordinates."""
    box = state(page)["plot"]
    canvas = page.locator('[data-testid="optviz-contour"]')
    canvas.click(position={"x": box["left"] + fx * box["width"], "y": box["top"] + fy * box["height"]})
    (x0, x1), (y0, y1) = box["domain"]
    return x0 + fx * (x1 - x0), y1 - fy * (y1 - y0)


def map_pixels(page: Any) -> Any:
    """What the contour view shows inside its plot area, as RGB pixels (numpy) read from the screen."""
    import numpy as np
    from PIL import Image

    box = state(page)["plot"]
    canvas = page.locator('[data-testid="optviz-contour"]')
    shot = canvas.screenshot()
    image = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=np.int16)
    scale = image.shape[1] / canvas.bounding_box()["width"]
    top, left = (round(box[k] * scale) + 2 for k in ("top", "left"))
    bottom = round((box["top"] + box["height"]) * scale) - 2
    right = round((box["left"] + box["width"]) * scale) - 2
    return image[top:bottom, left:right]


def assert_contour_drawn(pixels: Any) -> None:
    """The map is coloured bands with contour lines: hardly any white, many distinct colours."""
    import numpy as np

    white = (pixels > 245).all(axis=2).mean()
    assert white < 0.1, f"{white:.0%} of the map is white"
    colours = np.unique(pixels.reshape(-1, 3) // 8, axis=0)
    assert len(colours) > 15


# Every scroll offset on the page: the window's and any scrolled element's (Streamlit scrolls its
# main section, not the window).
SCROLLED_JS = """() => {
  let total = window.scrollY;
  for (const e of document.querySelectorAll('*')) total += e.scrollTop;
  return total;
}"""


def check_3d_camera(page: Any) -> dict[str, Any]:
    """Turns the 3-D view by a drag, zooms it with the wheel (the page must not scroll) and resets it
    with a double click, checking the camera the player reports after each; returns the read-outs."""
    view = page.locator('[data-testid="optviz-surface3d"]')
    view.scroll_into_view_if_needed()
    home = state(page)["camera"]
    assert home["zoom"] == 1 and home["pan"] == [0, 0]
    box = view.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    page.mouse.move(cx, cy)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(cx + 8 * i, cy + 3 * i)
    page.mouse.up()
    page.wait_for_timeout(100)
    turned = state(page)["camera"]
    assert turned["az"] != home["az"] and turned["el"] != home["el"], (home, turned)
    assert turned["zoom"] == 1

    scrolled = page.evaluate(SCROLLED_JS)
    page.mouse.move(cx, cy)
    page.mouse.wheel(0, -400)  # towards the viewer: zoom in
    page.wait_for_function(
        f"() => JSON.parse(({PLAYER_JS})().dataset.camera).zoom > 1.2", timeout=5_000, polling="raf"
    )
    zoomed = state(page)["camera"]
    assert (zoomed["az"], zoomed["el"]) == (turned["az"], turned["el"])
    assert page.evaluate(SCROLLED_JS) == scrolled, "the wheel scrolled the page instead of zooming"

    # hovering the surface reads out x, y and f there
    page.mouse.move(cx + 1, cy + 1)
    tip = page.locator('[data-testid="optviz-surface3d-tip"]')
    tip.wait_for(state="visible", timeout=5_000)
    readout = tip.inner_text()

    view.dblclick(position={"x": box["width"] / 2, "y": box["height"] / 2})
    page.wait_for_function(
        f"() => JSON.parse(({PLAYER_JS})().dataset.camera).zoom === 1", timeout=5_000, polling="raf"
    )
    assert state(page)["camera"] == home
    return {"home": home, "turned": turned, "zoomed": zoomed, "readout": readout}


def check_play(page: Any) -> dict[str, Any]:
    """From the first step, Play moves the heads while the contour stays drawn (its pixels read while
    it plays), and Pause stops it; returns the paused state."""
    import math

    page.locator('[data-testid="optviz-first"]').click()
    start = state(page)
    assert start["step"] == 0
    page.locator('[data-testid="optviz-play"]').click()
    wait_for_step(page, 40)
    during = state(page)
    pixels = map_pixels(page)  # taken while it plays
    assert during["playing"] == "true"
    assert during["step"] > 0
    moved = [math.dist(a, b) > 1e-9 for a, b in zip(start["heads"], during["heads"], strict=True)]
    assert sum(moved) >= 3, f"heads that moved: {moved}"
    assert_contour_drawn(pixels)
    assert page.locator('[data-testid="optviz-step"]').inner_text().startswith("Step ")
    page.locator('[data-testid="optviz-play"]').click()
    paused = state(page)
    assert paused["playing"] == "false"
    page.wait_for_timeout(400)
    assert state(page)["step"] == paused["step"]
    return paused
