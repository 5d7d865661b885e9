"""The stability map in a real browser: hovering a cell shows that cell's values, a box zooms in,
and a click on a cell races with that cell's values."""

from __future__ import annotations

import io
import json
import math
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from optviz.app import map_tab
from optviz.link import from_query
from optviz.sweep import Axis
from optviz.views.map_figure import cell_colors, outcome
from tests.browser.harness import wait_for_race

pytestmark = pytest.mark.browser

# Momentum alone on Beale: its map sweeps the learning rate (x) against gamma (y).
RACE = "surface=beale&steps=100&c1=momentum&c1.lr=0.001&c1.gamma=0.5&c1.batch=full"
MAP = '[data-testid="optviz-map"]'


def _query(page: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _expected_map():
    """The map the tab shows by default for RACE, computed here."""
    settings = from_query({k: v[0] for k, v in parse_qs(RACE).items()})[0]
    axes = [Axis(n, *map_tab.default_range(n, settings)[:2], map_tab.DEFAULT_SIZE,
                 map_tab.default_range(n, settings)[2]) for n in ("lr", "gamma")]  # fmt: skip
    return map_tab.compute(map_tab.make_request(settings, 0, *axes))


def _open_map(page: Any, app_url: str) -> dict[str, Any]:
    """Opens RACE and its map tab; the map view's hooks, with the race's revision under "race"."""
    page.goto(f"{app_url}/?{RACE}")
    race = wait_for_race(page)
    page.get_by_role("tab", name="Stability map").click()
    page.locator(f"{MAP}[data-revision]").wait_for(timeout=120_000)
    return {**_view(page), "race": race}


def _view(page: Any) -> dict[str, Any]:
    data = page.locator(MAP).evaluate("(root) => ({...root.dataset})")
    data["plot"] = json.loads(data["plot"])
    return data


def _cell_centre(view: dict[str, Any], i: int, j: int, n: int) -> dict[str, float]:
    """Where cell (column i, row j) of an n x n map is on the canvas, unzoomed."""
    plot = view["plot"]
    x = plot["left"] + (i + 0.5) / n * plot["width"]
    return {"x": x, "y": plot["top"] + (1 - (j + 0.5) / n) * plot["height"]}


def _tip(page: Any, field: str) -> str:
    return page.locator(f'[data-testid="optviz-map-tip"] [data-field="{field}"]').inner_text()


def _pixel(page: Any, position: dict[str, float]) -> np.ndarray:
    """The colour painted at a point of the map's canvas, read from a screenshot."""
    pil = pytest.importorskip("PIL.Image")
    box = page.locator('[data-testid="optviz-map-canvas"]').bounding_box()
    x, y = box["x"] + position["x"], box["y"] + position["y"]
    shot = page.screenshot(clip={"x": x - 1, "y": y - 1, "width": 3, "height": 3})
    return np.asarray(pil.open(io.BytesIO(shot)).convert("RGB"), dtype=float)[1, 1] / 255


def test_hovering_a_cell_shows_its_values(page, app_url):
    view = _open_map(page, app_url)
    n = map_tab.DEFAULT_SIZE
    assert view["cells"] == f"{n}x{n}" and view["zoomed"] == "false"
    m = _expected_map()
    canvas = page.locator('[data-testid="optviz-map-canvas"]')
    colors = cell_colors(m, "final_loss")
    for i, j in [(5, 60), (40, 20), (63, 0)]:
        at = _cell_centre(view, i, j, n)
        canvas.hover(position=at)
        page.locator(f'{MAP}[data-hover="[{i},{j}]"]').wait_for(timeout=10_000)
        title = page.locator('[data-testid="optviz-map-tip"] b').inner_text()
        lr, gamma = (float(part.split("=")[1]) for part in title.split(","))
        assert (lr, gamma) == (m.x.values[i], m.y.values[j])
        assert _tip(page, "loss") == f"{m.final_loss[j, i]:.4g}"
        assert _tip(page, "distance") == f"{m.distance[j, i]:.3g}"
        assert _tip(page, "outcome") == outcome(m, j, i)
        # the cell is painted in the colour the command line's PNG gives it
        assert np.allclose(_pixel(page, at), colors[j, i], atol=2.5 / 255), (i, j)
    assert m.diverged.any() and (~m.diverged).any()  # both outcomes were on the map


def test_a_box_zooms_in_and_hovering_still_reads_the_right_cell(page, app_url):
    view = _open_map(page, app_url)
    n = map_tab.DEFAULT_SIZE
    m = _expected_map()
    box = page.locator('[data-testid="optviz-map-canvas"]').bounding_box()
    start, end = _cell_centre(view, 10, 40, n), _cell_centre(view, 19, 31, n)  # 10 x 10 cells
    page.mouse.move(box["x"] + start["x"], box["y"] + start["y"])
    page.mouse.down()
    page.mouse.move(box["x"] + end["x"], box["y"] + end["y"], steps=6)
    page.mouse.up()
    zoomed = _view(page)
    assert zoomed["zoomed"] == "true"
    (x0, x1), (y0, y1) = zoomed["plot"]["x"], zoomed["plot"]["y"]
    # ten whole cells each way: on the log axis in decades, on the linear one in gamma
    assert math.isclose(x1 - x0, 10 * math.log10(m.x.high / m.x.low) / (n - 1), rel_tol=1e-9)
    assert math.isclose(y1 - y0, 10 * (m.y.high - m.y.low) / (n - 1), rel_tol=1e-9)
    plot = zoomed["plot"]
    # the middle of the zoomed view: cell (14 or 15, 35 or 36), read at its own place
    page.locator('[data-testid="optviz-map-canvas"]').hover(
        position={"x": plot["left"] + 0.25 * plot["width"], "y": plot["top"] + 0.25 * plot["height"]}
    )
    page.locator(f'{MAP}[data-hover="[12,38]"]').wait_for(timeout=10_000)
    assert _tip(page, "loss") == f"{m.final_loss[38, 12]:.4g}"
    page.locator('[data-testid="optviz-map-zoom-out"]').click()
    assert _view(page)["zoomed"] == "false"


def test_clicking_a_map_cell_races_with_its_values(page, app_url):
    view = _open_map(page, app_url)
    before = _query(page)
    m = _expected_map()
    n = map_tab.DEFAULT_SIZE
    # A cell towards the right (a larger learning rate) and the top (a larger gamma).
    i, j = 51, 51
    at = _cell_centre(view, i, j, n)
    canvas = page.locator('[data-testid="optviz-map-canvas"]')
    canvas.hover(position=at)
    page.locator(f'{MAP}[data-hover="[{i},{j}]"]').wait_for(timeout=10_000)
    canvas.click(position=at)
    page.wait_for_function(
        "(before) => !window.location.search.includes(before)", arg=f"c1.lr={before['c1.lr']}", timeout=60_000
    )
    after = _query(page)
    assert float(after["c1.lr"]) == m.x.values[i] > float(before["c1.lr"])
    assert float(after["c1.gamma"]) == m.y.values[j] > float(before["c1.gamma"])
    # the Race tab opens on the race with the cell's values
    page.get_by_role("tab", name="Race", selected=True).wait_for(timeout=60_000)
    wait_for_race(page, view["race"])
    assert page.locator('[data-testid="stException"]').count() == 0
