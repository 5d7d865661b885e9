"""The stability map in a real browser: a click on a cell races with that cell's values."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.harness import wait_for_race

pytestmark = pytest.mark.browser

# Momentum alone on Beale: its map sweeps the learning rate (x) against gamma (y).
RACE = "surface=beale&steps=100&c1=momentum&c1.lr=0.001&c1.gamma=0.5&c1.batch=full"


def _query(page: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def test_clicking_a_map_cell_races_with_its_values(page, app_url):
    page.goto(f"{app_url}/?{RACE}")
    wait_for_race(page)
    before = _query(page)
    page.get_by_role("tab", name="Stability map").click()
    drag = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first
    drag.wait_for(timeout=120_000)
    box = drag.bounding_box()
    # A cell towards the right (a larger learning rate) and the top (a larger gamma).
    drag.click(position={"x": 0.8 * box["width"], "y": 0.2 * box["height"]})
    page.wait_for_function(
        "(before) => !window.location.search.includes(before)", arg=f"c1.lr={before['c1.lr']}", timeout=60_000
    )
    after = _query(page)
    assert float(after["c1.lr"]) > float(before["c1.lr"])
    assert float(after["c1.gamma"]) > float(before["c1.gamma"])
    assert page.locator('[data-testid="stException"]').count() == 0
