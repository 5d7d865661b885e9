"""The classroom screen, in a real browser: at a projector's and a laptop's sizes every lecture preset
shows its map (with both axes), the player's controls, its legend, the live row and the preset's note
without scrolling, with nothing clipped and no text too small to read from the back of a room; presenter
mode (by link, button and key), its shortcuts, and the keyboard's way to the player.

One server for the module; one browser context per screen size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from optviz import presets
from optviz.link import from_query, to_query
from tests.browser.harness import PLAYER_JS, state, wait_for_race

SIZES = [(1024, 768), (1280, 720), (1366, 768), (1920, 1080)]
LECTURE = ("long_valley", "beale", "saddle")
MAP = '[data-testid="optviz-map"]'

# What must be on screen at once, and the boxes whose text must fit them.
ON_SCREEN = {
    "map": MAP,
    "controls": ".ovz-bar",
    "legend": '[data-testid="optviz-legend"]',
    "live row": '[data-testid="optviz-live"]',
    "note": '[data-testid="optviz-note"]',
}

# Every heading, button and the formula whose text is wider than its box (it is cut off or spills).
OVERFLOWING_JS = f"""() => {{
  const root = ({PLAYER_JS})();
  const found = [
    ...document.querySelectorAll('[data-testid="stMain"] :is(h1, h2, h3, button, .st-key-optviz-formula p)'),
    ...root.querySelectorAll('button'),
  ];
  return found
    .filter((e) => e.getClientRects().length && e.getBoundingClientRect().width > 0)
    // (a formula's fraction may stand above its line: only a title's or a button's height counts)
    .filter((e) => e.scrollWidth > e.clientWidth + 1
      || (!e.matches('p') && e.scrollHeight > e.clientHeight + 2))
    .map((e) => `${{e.tagName}} "${{e.textContent.trim().slice(0, 40)}}"`
      + ` ${{e.scrollWidth}}>${{e.clientWidth}} ${{e.scrollHeight}}>${{e.clientHeight}}`);
}}"""

# The smallest font of any visible text in the player and the note, and where it is.
SMALLEST_TEXT_JS = f"""() => {{
  const root = ({PLAYER_JS})();
  const note = document.querySelector('[data-testid="optviz-note"]');
  let best = [1000, ""];
  for (const box of [root, note]) {{
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {{
      const e = n.parentElement;
      if (!n.textContent.trim() || e.closest('.ovz-sr, [hidden], option')) continue;
      if (!e.getClientRects().length) continue;
      const size = parseFloat(getComputedStyle(e).fontSize);
      if (size < best[0]) best = [size, n.textContent.trim().slice(0, 30)];
    }}
  }}
  return best;
}}"""


def preset_url(base: str, name: str, **view: Any) -> str:
    query = to_query(presets.PRESETS[name].settings)
    query.update({k: str(v) for k, v in view.items()})
    return f"{base}?{urlencode(query)}"


def inside(box: dict[str, float] | None, width: int, height: int) -> bool:
    if box is None:
        return False
    return (
        box["x"] >= -0.5
        and box["y"] >= -0.5
        and box["x"] + box["width"] <= width + 0.5
        and box["y"] + box["height"] <= height + 0.5
    )


@pytest.fixture(scope="module", params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def sized(request: pytest.FixtureRequest, browser: Any, app_url: str) -> Iterator[tuple[Any, int, int]]:
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, width, height
    context.close()
    assert not errors, f"script errors on the page: {errors}"


@pytest.mark.parametrize("name", LECTURE)
def test_the_race_fits_the_screen(sized: tuple[Any, int, int], app_url: str, name: str):
    page, width, height = sized
    page.goto(preset_url(app_url, name))
    wait_for_race(page)
    page.locator(ON_SCREEN["note"]).wait_for()
    page.wait_for_timeout(300)  # the views settle to the window's height
    for what, selector in ON_SCREEN.items():
        box = page.locator(selector).first.bounding_box()
        assert inside(box, width, height), f"{what} is not on the {width}x{height} screen: {box}"
    assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop") == 0
    assert page.evaluate(OVERFLOWING_JS) == []
    title = page.locator("h1").first.bounding_box()
    assert inside(title, width, height)
    # The map is as large as the screen allows: it ends near the window's bottom edge.
    box = page.locator(MAP).bounding_box()
    assert box["y"] + box["height"] >= height - 40, box
    assert box["width"] >= 0.3 * (width - 360)
    if width <= 1024:
        size, text = page.evaluate(SMALLEST_TEXT_JS)
        assert size >= 14, f"{text!r} is {size}px"
    # the whole note opened: the views make room (down to their smallest height)
    page.locator(ON_SCREEN["note"]).locator("summary").click()
    page.wait_for_timeout(300)
    opened = page.locator(MAP).bounding_box()
    assert opened["height"] < box["height"]
    assert inside(opened, width, height) or opened["height"] <= 281, opened


def test_a_narrow_screen_stacks_and_plays(browser: Any, app_url: str):
    context = browser.new_context(viewport={"width": 420, "height": 860})
    page = context.new_page()
    try:
        page.goto(preset_url(app_url, "saddle"))
        wait_for_race(page)
        box = page.locator(MAP).bounding_box()
        assert box["width"] >= 300 and box["x"] >= 0 and box["x"] + box["width"] <= 420
        assert page.evaluate(OVERFLOWING_JS) == []
        page.locator('[data-testid="optviz-forward"]').click()
    finally:
        context.close()


# --------------------------------------------------------------------------------- presenter mode


def link_settings(page: Any) -> Any:
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(page.url).query)
    return from_query(query, presets.DEFAULT.settings)[0]


def wait_present(page: Any, on: bool) -> None:
    page.wait_for_function(
        f"(on) => ({PLAYER_JS})().dataset.present === String(on)", arg=on, timeout=10_000, polling="raf"
    )


def wait_link_present(page: Any, on: bool) -> None:
    page.wait_for_function(
        "(on) => new URLSearchParams(location.search).get('present') === (on ? '1' : '0')"
        " || (!on && !new URLSearchParams(location.search).has('present'))",
        arg=on,
        timeout=30_000,
    )


def map_share(page: Any, width: int, height: int) -> float:
    box = page.locator(MAP).bounding_box()
    assert inside(box, width, height), box
    return box["width"] * box["height"] / (width * height)


def test_presenter_mode_gives_the_map_most_of_every_screen(sized: tuple[Any, int, int], app_url: str):
    page, width, height = sized
    page.goto(preset_url(app_url, "saddle", present=1))
    wait_for_race(page)
    wait_present(page, True)
    page.wait_for_timeout(300)  # the views settle to the window
    assert map_share(page, width, height) >= 0.6
    assert inside(page.locator(MAP).bounding_box(), width, height)
    assert page.evaluate(OVERFLOWING_JS) == []


def test_presenter_mode_by_button_and_escape(browser: Any, app_url: str):
    width, height = 1366, 768
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(preset_url(app_url, "beale"))
        wait_for_race(page)
        page.locator('[data-testid="optviz-back"]').click()
        before = state(page)
        settings = link_settings(page)
        page.locator('[data-testid="optviz-present"]').click()
        wait_present(page, True)
        assert map_share(page, width, height) >= 0.6
        # the player covers the window: the sidebar and the header are beneath it
        hit = page.evaluate(
            f"() => ({PLAYER_JS})().contains(document.elementFromPoint(5, 5)) ||"
            " document.elementFromPoint(5, 5).dataset.testid === 'stBidiComponentIsolated'"
        )
        assert hit
        wait_link_present(page, True)
        wait_present(page, True)  # the rerun that keeps it in the link leaves it on
        # `?` shows the shortcuts; Esc hides them, a second Esc leaves presenter mode
        page.keyboard.press("?")
        shortcuts = page.locator('[data-testid="optviz-shortcuts"]')
        shortcuts.wait_for(state="visible")
        assert "next / previous preset" in shortcuts.inner_text()
        page.keyboard.press("Escape")
        shortcuts.wait_for(state="hidden")
        page.keyboard.press("Escape")
        wait_present(page, False)
        wait_link_present(page, False)
        after = state(page)
        assert after["step"] == before["step"]
        assert link_settings(page) == settings
        assert page.locator(MAP).bounding_box()["width"] < 0.6 * width
    finally:
        context.close()


def test_presenter_mode_by_link_and_next_preset(browser: Any, app_url: str):
    width, height = 1024, 768
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(preset_url(app_url, "long_valley", present=1))
        revision = wait_for_race(page)
        wait_present(page, True)
        assert map_share(page, width, height) >= 0.6
        size = page.evaluate(f"() => parseFloat(getComputedStyle(({PLAYER_JS})()).fontSize)")
        assert size >= 16  # larger type than the page's
        # N: the next preset (Beale's function) loads, still in presenter mode
        page.keyboard.press("n")
        wait_for_race(page, revision)
        page.wait_for_function(
            "() => new URLSearchParams(location.search).get('surface') === 'beale'", timeout=30_000
        )
        assert presets.matching(link_settings(page)) == "beale"
        wait_present(page, True)
        assert link_settings(page).view.present
        # F leaves it, as the button does
        page.keyboard.press("f")
        wait_present(page, False)
    finally:
        context.close()


def test_shortcuts_step_and_hide_competitors(browser: Any, app_url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(preset_url(app_url, "saddle"))
        wait_for_race(page)
        page.locator('[data-testid="optviz-first"]').click()
        page.keyboard.press("f")  # the focus is in the player: its keys work
        wait_present(page, True)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert state(page)["step"] == 2
        page.keyboard.press("1")
        item = page.locator('[data-testid="optviz-legend-item"]').first
        assert item.get_attribute("aria-pressed") == "false"
        summary = page.locator('[data-testid="optviz-summary"]').inner_text()
        assert "Step 2 of" in summary and "leads" in summary
        assert presets.PRESETS["saddle"].settings.competitors[0].title not in summary.split(".")[0]
        page.keyboard.press("1")
        assert item.get_attribute("aria-pressed") == "true"
        # D: the 3-D view goes at once, and the settings, the link and the sidebar's switch follow
        assert page.locator('[data-testid="optviz-surface3d"]').count() == 1
        page.keyboard.press("d")
        assert page.locator('[data-testid="optviz-surface3d"]').count() == 0
        page.wait_for_function(
            "() => new URLSearchParams(location.search).get('view3d') === '0'", timeout=30_000
        )
        wait_present(page, True)
        page.wait_for_timeout(500)
        assert page.locator('[data-testid="optviz-surface3d"]').count() == 0
        assert not link_settings(page).view.show_3d
        page.keyboard.press("Escape")
        wait_present(page, False)
        switch = page.locator('[data-testid="stSidebar"] label').filter(has_text="3-D view")
        assert switch.locator("input").is_checked() is False
        # R: play again from the first step
        page.locator('[data-testid="optviz-first"]').focus()
        page.keyboard.press("r")
        assert state(page)["playing"] == "true"
    finally:
        context.close()


# --------------------------------------------------------------------------------------- keyboard


def test_the_skip_link_and_a_focused_control_stay_in_sight(browser: Any, app_url: str):
    width, height = 1366, 768
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(preset_url(app_url, "beale"))
        wait_for_race(page)
        skip = page.locator('[data-testid="optviz-skip"]')
        assert skip.count() == 1
        page.locator("body").focus()
        page.keyboard.press("Tab")  # the keyboard's first stop
        assert page.evaluate("() => document.activeElement.dataset.testid") == "optviz-skip"
        assert inside(skip.bounding_box(), width, height)  # it shows when focused
        page.keyboard.press("Enter")
        assert page.evaluate(f"() => ({PLAYER_JS})().matches(':focus')")
        page.keyboard.press("Tab")
        focused = page.evaluate(f"() => ({PLAYER_JS})().getRootNode().activeElement.dataset.testid")
        assert focused == "optviz-play"
        # scrolled down, then Tab to the play button: it comes into sight below Streamlit's top bar
        page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 2000)")
        page.evaluate(f"() => ({PLAYER_JS})().focus({{preventScroll: true}})")
        page.keyboard.press("Tab")
        page.wait_for_timeout(300)
        box = page.locator('[data-testid="optviz-play"]').bounding_box()
        bar = page.locator('[data-testid="stHeader"]').bounding_box()
        assert box["y"] >= bar["y"] + bar["height"] and box["y"] + box["height"] <= height, (box, bar)
        # every control of the player has a name
        unnamed = page.evaluate(f"""() => [...({PLAYER_JS})().querySelectorAll('button, select, input')]
            .filter((e) => !(e.getAttribute('aria-label') || e.textContent.trim()))
            .map((e) => e.outerHTML.slice(0, 80))""")
        assert unnamed == []
        label = page.locator('[data-testid="optviz-contour-static"]').get_attribute("aria-label")
        assert label.startswith("Beale's function") and "Step " in label
    finally:
        context.close()
