"""The exported interactive page plays in a real browser with no network at all."""

from __future__ import annotations

import pytest

from optviz.export import ExportOptions, write_export
from optviz.racing import run_race
from optviz.settings import Competitor, RaceSettings


@pytest.mark.browser
def test_html_plays_in_a_browser_without_the_network(browser, tmp_path):
    race = run_race(
        RaceSettings.on("beale", steps=24, competitors=(Competitor("adam", lr=0.05), Competitor("momentum")))
    )
    page_path = tmp_path / "race.html"
    write_export(race, "html", page_path, ExportOptions(fps=30))
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri())
    page.wait_for_selector(".slider-container")
    assert page.locator(".slider-label").first.text_content().startswith("step 0 of")
    page.get_by_text("Play").click()
    page.wait_for_function(
        "() => !document.querySelector('.slider-label').textContent.startsWith('step 0 ')",
        timeout=20_000,
    )
    context.close()
    assert errors == []
    assert all(url.startswith(("file:", "data:", "blob:")) for url in requests), requests
