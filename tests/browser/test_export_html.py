"""The exported page is the app's player: written by the documented command, it plays offline in
Chromium with no request leaving the file and no console error, the contour stays drawn while it
plays, and its 3-D view turns, zooms and resets."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import (
    PLAYER,
    assert_contour_drawn,
    check_3d_camera,
    check_play,
    map_pixels,
    state,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
LECTURE = "batch_gd,sgd,minibatch_gd,momentum,adagrad,rmsprop,adam"
COMMAND = ["-m", "optviz", "export", "--surface", "beale", "--optimizers", LECTURE, "--steps", "300"]


@pytest.fixture(scope="module")
def race_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lecture's race written by README's command."""
    out = tmp_path_factory.mktemp("html") / "race.html"
    subprocess.run([sys.executable, *COMMAND, "--format", "html", "--out", str(out)], cwd=ROOT, check=True)
    return out


@pytest.fixture
def offline(browser: Any, race_page: Path) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    """The page opened in a context where every request but the file itself fails; yields the page and
    what it asked for, its console errors and its script errors (checked empty at the end)."""
    context = browser.new_context(viewport={"width": 1366, "height": 700})
    seen: dict[str, list[str]] = {"requests": [], "refused": [], "console": [], "errors": []}
    own = race_page.as_uri()

    def route(r: Any) -> None:
        seen["requests"].append(r.request.url)
        if r.request.url == own:
            r.continue_()
        else:
            seen["refused"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(own)
    page.wait_for_selector(f"{PLAYER}[data-revision]")
    yield page, seen
    context.close()
    assert seen["refused"] == [], seen["refused"]
    assert seen["console"] == [] and seen["errors"] == [], seen


def test_the_command_writes_at_most_400_kb(race_page):
    assert race_page.stat().st_size <= 400_000


def test_the_page_plays_offline_with_the_contour_drawn(offline):
    page, seen = offline
    info = state(page)
    assert info["steps"] == 300 and len(info["first"]) == 7
    assert page.locator('[data-testid="optviz-step"]').inner_text() == "Step 300 / 300"
    assert_contour_drawn(map_pixels(page))
    paused = check_play(page)
    # step, scrub and the speed menu work without a server behind them
    page.locator('[data-testid="optviz-forward"]').click()
    assert state(page)["step"] == paused["step"] + 1
    page.locator('[data-testid="optviz-speed"]').select_option("120")
    page.locator('[data-testid="optviz-last"]').click()
    assert state(page)["step"] == 300
    assert seen["requests"] == [page.url]


def test_the_pages_3d_view_turns_zooms_and_resets(offline):
    page, _ = offline
    seen = check_3d_camera(page)
    assert "f = " in seen["readout"]


def test_a_heads_read_out_shows_its_values(offline):
    page, _ = offline
    info = state(page)
    (x0, x1), (y0, y1) = info["plot"]["domain"]
    hx, hy = info["heads"][-1]  # Adam, drawn last
    box = info["plot"]
    x = box["left"] + (hx - x0) / (x1 - x0) * box["width"]
    y = box["top"] + (y1 - hy) / (y1 - y0) * box["height"]
    page.locator('[data-testid="optviz-contour"]').hover(position={"x": x, "y": y})
    tip = page.locator('[data-testid="optviz-contour-tip"]')
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "Adam" in text and "step 300" in text and "f = " in text and "f − f* = " in text
