"""The app in a real browser: it renders, plays with the contour on screen, takes clicks on the map
before and after playing, follows a slider and reproduces a race from a shared link."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pytest

from optviz.link import to_query
from optviz.settings import RaceSettings
from tests.browser.harness import (
    assert_contour_drawn,
    check_3d_camera,
    check_play,
    click_map,
    map_pixels,
    slider_input,
    state,
    wait_for_race,
    wait_for_step,
)

pytestmark = pytest.mark.browser

# The lecture's seven optimizers, with their defaults, on Beale's function.
RACE = urlencode(to_query(replace(RaceSettings().with_surface("beale"), steps=300)))


def _open(page: Any, url: str) -> dict[str, Any]:
    page.goto(url)
    wait_for_race(page)
    return state(page)


def _close(a: list[list[float]], b: list[list[float]], tol: float) -> bool:
    return bool(np.allclose(np.asarray(a), np.asarray(b), atol=tol, rtol=0))


def _domain_span(info: dict[str, Any]) -> float:
    (x0, x1), (y0, y1) = info["plot"]["domain"]
    return max(x1 - x0, y1 - y0)


def test_page_renders_without_an_exception(page, app_url):
    info = _open(page, f"{app_url}/?{RACE}")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.locator("body").inner_text()
    assert info["steps"] == 300
    assert len(info["first"]) == 7
    for testid in ("optviz-contour", "optviz-surface3d", "optviz-loss", "optviz-distance", "optviz-play"):
        assert page.locator(f'[data-testid="{testid}"]').is_visible(), testid
    assert page.locator('[data-testid="optviz-step"]').inner_text() == "Step 300 / 300"
    assert_contour_drawn(map_pixels(page))


def test_play_moves_the_heads_while_the_contour_stays_drawn(page, app_url):
    _open(page, f"{app_url}/?{RACE}")
    check_play(page)


def test_the_3d_view_turns_zooms_and_resets(page, app_url):
    _open(page, f"{app_url}/?{RACE}")
    seen = check_3d_camera(page)
    assert "f = " in seen["readout"] and "x = " in seen["readout"]
    # the 3-D view's paths are drawn again for the new camera, the race untouched
    assert state(page)["step"] == 300


def test_clicking_the_map_sets_the_start_before_and_after_playing(page, app_url):
    info = _open(page, f"{app_url}/?{RACE}")
    tol = 0.02 * _domain_span(info)

    revision = info["revision"]
    target = click_map(page, 0.30, 0.65)
    revision = wait_for_race(page, revision)
    after = state(page)
    assert _close(after["first"], [target] * 7, tol), (after["first"][0], target)

    page.locator('[data-testid="optviz-play"]').click()
    wait_for_step(page, 30)
    page.locator('[data-testid="optviz-play"]').click()  # pause: an animation has played
    assert state(page)["playing"] == "false"
    target = click_map(page, 0.70, 0.25)
    wait_for_race(page, revision)
    again = state(page)
    assert _close(again["first"], [target] * 7, tol), (again["first"][0], target)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_slider_change_updates_the_chart(page, app_url):
    info = _open(page, f"{app_url}/?{RACE}")
    steps = slider_input(page, "Steps")
    steps.focus()
    page.keyboard.press("ArrowRight")
    wait_for_race(page, info["revision"])
    after = state(page)
    assert after["steps"] == info["steps"] + 1
    assert after["first"] == info["first"]
    assert after["last"] != info["last"]


def test_a_competitors_box_opens_and_its_slider_changes_the_chart(page, app_url):
    info = _open(page, f"{app_url}/?{RACE}")
    assert slider_input(page, "η (learning rate)").count() == 0  # closed boxes show no widgets
    page.get_by_text("7. Adam").click()
    rate = slider_input(page, "η (learning rate)")
    rate.wait_for()
    rate.focus()
    page.keyboard.press("ArrowRight")
    wait_for_race(page, info["revision"])
    after = state(page)
    assert after["first"] == info["first"] and after["steps"] == info["steps"]
    assert after["last"] != info["last"]  # Adam took a larger step and ended elsewhere


def test_a_shared_url_reproduces_the_race(browser, page, app_url):
    info = _open(page, f"{app_url}/?{RACE}")
    before = page.url
    click_map(page, 0.40, 0.30)  # a start of its own, so the link must carry it
    wait_for_race(page, info["revision"])
    chosen = state(page)
    page.wait_for_function("(before) => location.href !== before", arg=before, timeout=15_000)
    link = page.url

    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        fresh = context.new_page()
        fresh.goto(link)
        wait_for_race(fresh)
        shared = state(fresh)
    finally:
        context.close()
    assert shared["first"] == chosen["first"]
    assert shared["last"] == chosen["last"]
    assert shared["revision"] == chosen["revision"]


def test_a_diverged_runner_is_marked(page, app_url):
    _open(page, f"{app_url}/?surface=long_valley&steps=100&c1=batch_gd&c1.lr=1&c2=adam&c2.lr=0.05")
    notes = page.locator('[data-testid="optviz-diverged"]')
    assert notes.count() == 1
    assert "diverged at step" in notes.first.inner_text()


def test_the_server_logs_no_deprecation_warning(page, server):
    _open(page, f"{server.url}/?{RACE}&arrows=1&rates=1")
    page.wait_for_timeout(500)
    log = server.log().lower()
    assert "deprecat" not in log
    assert "traceback" not in log
