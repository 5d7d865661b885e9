"""Live dragging in a real browser: a hyperparameter's slider and the start point each draw several
races while the pointer moves, and the race left at release is `optviz.run`'s for the final values,
which the link then reproduces."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import pytest

import optviz
from optviz.link import from_query, to_query
from optviz.settings import RaceSettings
from tests.browser.harness import PLAYER_JS, state, streamlit_server, wait_for_race

pytestmark = pytest.mark.browser

SETTINGS = replace(RaceSettings.on("beale"), steps=120)
QUERY = urlencode(to_query(SETTINGS))

# Moves the pointer as a person does: one step per display frame, for `frames` frames.
DRAG = (
    """async ([selector, frames, kind]) => {
  const root = (PLAYER_ROOT)();
  const target = root.querySelector(selector);
  const box = target.getBoundingClientRect();
  const revisions = new Set([root.dataset.revision]);
  const seen = new MutationObserver(() => revisions.add(root.dataset.revision));
  seen.observe(root, {attributes: true, attributeFilter: ['data-revision']});
  const at = (f) => ({
    clientX: box.left + box.width * (0.2 + 0.6 * f),
    clientY: box.top + box.height * (kind === 'map' ? 0.3 + 0.4 * f : 0.5),
    bubbles: true, pointerId: 1, button: 0,
  });
  if (kind === 'map') target.dispatchEvent(new PointerEvent('pointerdown', at(0)));
  for (let i = 1; i <= frames; i++) {
    await new Promise(requestAnimationFrame);
    if (kind === 'map') target.dispatchEvent(new PointerEvent('pointermove', at(i / frames)));
    else {
      target.value = String(Math.round((0.2 + 0.6 * i / frames) * Number(target.max)));
      target.dispatchEvent(new Event('input', {bubbles: true}));
    }
  }
  await new Promise((r) => setTimeout(r, 600));  // the last live race arrives
  const before = {drawn: revisions.size, rev: root.dataset.revision, line: root.dataset.liveLine};
  if (kind === 'map') target.dispatchEvent(new PointerEvent('pointerup', at(1)));
  else target.dispatchEvent(new Event('change', {bubbles: true}));
  seen.disconnect();
  return before;
}"""
).replace("PLAYER_ROOT", PLAYER_JS)


def _open(page: Any, app_url: str) -> None:
    page.goto(f"{app_url}/?{QUERY}")
    wait_for_race(page)


def test_dragging_a_learning_rate_draws_races_while_the_pointer_moves(page, app_url):
    _open(page, app_url)
    page.locator('[data-testid="optviz-live-runner"]').select_option(label="Adam")
    slider = '[data-testid="optviz-live-lr"]'
    page.locator(slider).wait_for()
    dragged = page.evaluate(DRAG, [slider, 40, "slider"])
    assert dragged["drawn"] >= 4, dragged  # several distinct races before the release
    assert dragged["line"] == "direct", dragged  # over the app's live route, not a rerun
    # The release makes it the race's setting: the link carries Adam's new eta ...
    index = next(i for i, c in enumerate(SETTINGS.competitors) if c.optimizer == "adam") + 1
    page.wait_for_function(
        "(k) => new URLSearchParams(location.search).get(k) !== null && "
        "new URLSearchParams(location.search).get(k) !== '0.001'",
        arg=f"c{index}.lr",
        timeout=30_000,
    )
    link = parse_qs(urlsplit(page.url).query)
    settings, warnings = from_query(link)
    assert warnings == ()
    lr = settings.competitors[index - 1].lr
    assert lr != 0.001
    # ... and the race on screen is optviz.run's for it: the one the live route drew last, to the bit.
    wait_for_race(page, None)
    page.wait_for_timeout(500)
    shown = state(page)
    assert shown["revision"] == dragged["rev"]
    run = optviz.run("adam", "beale", start=settings.start, steps=settings.steps, lr=lr)
    assert np.allclose(shown["last"][index - 1], run.xy[-1], rtol=1e-6, atol=1e-6)


def test_dragging_the_start_point_moves_every_path_while_the_pointer_moves(page, app_url):
    _open(page, app_url)
    dragged = page.evaluate(DRAG, ['[data-testid="optviz-contour"]', 40, "map"])
    assert dragged["drawn"] >= 4 and dragged["line"] == "direct", dragged
    page.wait_for_function(
        "(x) => new URLSearchParams(location.search).get('x0') !== x",
        arg=to_query(SETTINGS)["x0"],
        timeout=30_000,
    )
    settings, warnings = from_query(parse_qs(urlsplit(page.url).query))
    assert warnings == () and settings.start != SETTINGS.start
    page.wait_for_timeout(500)
    shown = state(page)
    assert shown["revision"] == dragged["rev"]  # the live route's last race is the released one
    assert all(np.allclose(first, settings.start, atol=1e-9) for first in shown["first"])
    for i, c in enumerate(settings.competitors):
        if c.optimizer in ("sgd", "minibatch_gd"):
            continue
        run = optviz.run(c.optimizer, "beale", start=settings.start, steps=settings.steps, lr=c.lr)
        assert np.allclose(shown["last"][i], run.xy[-1], rtol=1e-5, atol=1e-5), c.optimizer


def test_the_link_after_a_drag_opens_the_same_race(browser, page, app_url):
    _open(page, app_url)
    page.evaluate(DRAG, ['[data-testid="optviz-contour"]', 20, "map"])
    page.wait_for_function(
        "(x) => new URLSearchParams(location.search).get('x0') !== x",
        arg=to_query(SETTINGS)["x0"],
        timeout=30_000,
    )
    page.wait_for_timeout(800)
    mine = state(page)
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    other.goto(page.url)
    wait_for_race(other)
    assert state(other)["last"] == mine["last"]
    other.context.close()


@pytest.fixture(scope="module")
def bare_url(server) -> Iterator[str]:
    """The page served without the app's live route (`streamlit run optviz/app/script.py`)."""
    with streamlit_server("optviz/app/script.py", timeout=180) as bare:
        yield bare.url


def test_without_the_live_route_dragging_reruns_the_player_and_still_follows(page, bare_url):
    _open(page, bare_url)
    page.locator('[data-testid="optviz-live-runner"]').select_option(label="Adam")
    dragged = page.evaluate(DRAG, ['[data-testid="optviz-live-lr"]', 40, "slider"])
    assert dragged["drawn"] >= 3 and dragged["line"] == "host", dragged
    page.wait_for_function(
        "(k) => !['0.001', null].includes(new URLSearchParams(location.search).get(k))",
        arg="c7.lr",  # Adam, the seventh
        timeout=30_000,
    )
    wait_for_race(page, None)
    page.wait_for_timeout(500)
    assert state(page)["revision"] == dragged["rev"]


def test_a_release_that_leaves_the_preset_keeps_the_player_and_what_it_shows(page, app_url):
    """The front page is a preset's, with its note above the player; a released η makes the settings
    no preset's, and the note goes. The player stays the same one: a competitor hidden in its legend
    stays hidden (a player mounted afresh would show it again)."""
    page.goto(app_url)
    wait_for_race(page)
    page.locator('[data-testid="optviz-note"]').wait_for()
    page.evaluate(f"() => {{ ({PLAYER_JS})().__kept = true; }}")
    first = page.locator('[data-testid="optviz-legend"] [aria-pressed]').first
    first.click()
    assert first.get_attribute("aria-pressed") == "false"
    slider = page.locator('[data-testid="optviz-live-lr"]').first
    slider.evaluate(
        "(el) => { el.value = String(Number(el.value) - 3);"
        " el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }"
    )
    page.locator('[data-testid="optviz-note"]').wait_for(state="detached", timeout=30_000)
    page.wait_for_timeout(500)
    assert page.evaluate(f"() => ({PLAYER_JS})().__kept") is True
    assert first.get_attribute("aria-pressed") == "false"
