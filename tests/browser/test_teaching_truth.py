"""What the page shows is true for the race on it: a typed formula is drawn with its own landscape
however many formulas a server has seen, messages show what was typed exactly, the player's speed
menu is the race's one speed control, and a new start point keeps a playing race playing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from loadtest.server import serve
from tests.browser.harness import PLAYER_JS, click_map, state, wait_for_race, wait_for_step

pytestmark = pytest.mark.browser

DIAGONAL = "(x+y)^2 + 0.1*(x-y)^2"
ALIGNED = "x^2 + 10 y^2"
SHORT = {"steps": "30", "c1": "adam", "c1.lr": "0.1", "c2": "momentum"}


def _link(formula: str) -> str:
    return urlencode({**SHORT, "surface": "custom", "f": formula, "dom": "-3,3,-3,3"})


def _picture(page: Any) -> str:
    """The contour view's still layer (bands, lines, axes, title) as a PNG data URL."""
    return page.evaluate(
        f"""() => {{
          const root = ({PLAYER_JS})();
          return root.querySelector('[data-testid="optviz-contour-static"]').toDataURL();
        }}"""
    )


def _type_formula(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="f(x, y) =")
    box.fill(text)
    box.press("Enter")


def test_two_typed_formulas_in_one_server_are_drawn_as_a_fresh_server_draws_them(page, app_url, browser):
    page.goto(f"{app_url}/?{_link(DIAGONAL)}")
    first = wait_for_race(page)
    diagonal = _picture(page)
    _type_formula(page, ALIGNED)
    wait_for_race(page, first)
    page.wait_for_timeout(300)
    typed = _picture(page)
    assert typed != diagonal

    # A server that has never seen the first formula draws the second one the same way.
    with serve("app.py", timeout=180) as fresh:
        context = browser.new_context(viewport=page.viewport_size)
        try:
            other = context.new_page()
            other.goto(f"{fresh.url}/?{_link(ALIGNED)}")
            wait_for_race(other)
            other.wait_for_timeout(300)
            assert _picture(other) == typed
        finally:
            context.close()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("__import__('os')", "'__import__'"),
        ("x^2 + y^2 +", "The race still uses f(x, y) = x^2 + 10 y^2."),
    ],
)
def test_a_message_shows_what_was_typed_exactly(page, app_url, typed, shown):
    page.goto(f"{app_url}/?{_link(ALIGNED)}")
    wait_for_race(page)
    _type_formula(page, typed)
    alert = page.locator('[data-testid="stSidebar"] [data-testid="stAlertContentError"]').first
    alert.wait_for()
    text = alert.inner_text()
    assert shown in text, text


def test_the_speed_menu_is_the_races_speed_and_the_link_keeps_it(page, app_url):
    page.goto(f"{app_url}/?{urlencode(SHORT)}")
    wait_for_race(page)
    menu = page.locator('[data-testid="optviz-speed"]')
    labels = menu.locator("option").all_inner_texts()
    assert "1 step/s" in labels and "60 steps/s" in labels
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Playback speed").count() == 0
    menu.select_option("60")
    page.wait_for_function("() => location.search.includes('speed=60')", timeout=15_000)
    page.reload()
    wait_for_race(page)
    assert page.locator('[data-testid="optviz-speed"]').input_value() == "60"


def test_a_new_start_point_keeps_a_playing_race_playing(page, app_url):
    page.goto(f"{app_url}/?{urlencode({**SHORT, 'surface': 'beale', 'steps': '600', 'speed': '20'})}")
    revision = wait_for_race(page)
    page.locator('[data-testid="optviz-first"]').click()
    page.locator('[data-testid="optviz-play"]').click()
    wait_for_step(page, 5)
    click_map(page, 0.3, 0.3)
    wait_for_race(page, revision)
    after = state(page)
    assert after["playing"] == "true", after
    assert after["step"] < after["steps"]
    wait_for_step(page, after["step"] + 5)  # and it goes on
