"""The stability map view in a page of its own: the controls change the computed map, bad ranges
give a message, and a picked cell loads into the race as the single run it stands for."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import optviz
from optviz.app import map_tab, serve
from optviz.link import from_query, to_query
from optviz.racing import run_race
from optviz.settings import RaceSettings
from optviz.sweep import Axis
from optviz.views.map_figure import from_digits, read_payload

SCRIPT = str(Path(__file__).with_name("map_view_app.py"))


def _app() -> AppTest:
    at = AppTest.from_file(SCRIPT, default_timeout=300).run()
    assert not at.exception
    return at


def _map(at: AppTest) -> tuple[dict, dict[str, np.ndarray]]:
    """The map the page sends the browser: its header and its cells."""
    views = [e for e in at.get("bidi_component") if e.proto.component_name == "optviz_stability_map"]
    assert len(views) == 1
    return read_payload(views[0].proto.bytes)


def _header(at: AppTest) -> dict:
    return _map(at)[0]


def _losses(at: AppTest) -> np.ndarray:
    """The final losses hovering shows, cell by cell."""
    cells = _map(at)[1]
    return from_digits(cells["loss"], cells["loss_exp"], 4)


def _shown(values: np.ndarray, digits: int = 4) -> np.ndarray:
    return np.vectorize(lambda v: float(f"{v:.{digits}g}"))(values)


def test_the_default_map_and_its_controls():
    at = _app()
    assert "learning rate" in _header(at)["x"]["title"]
    assert _losses(at).shape == (map_tab.DEFAULT_SIZE, map_tab.DEFAULT_SIZE)

    at.select_slider(key="map.size").set_value(16).run()
    first = _losses(at)
    assert first.shape == (16, 16)
    # the values the browser shows are the map's own
    request = map_tab.make_request(
        RaceSettings(), 0, Axis("lr", 1e-4, 1.0, 16, "log"), Axis("batch_size", 1.0, 100.0, 16, "log")
    )
    m = map_tab.compute(request)
    assert np.array_equal(np.nan_to_num(first, nan=-99), np.nan_to_num(_shown(m.final_loss), nan=-99))
    assert _header(at)["x"]["values"] == list(m.x.values)

    optimizer = RaceSettings().competitors[0].optimizer
    at.number_input(key=f"map.{optimizer}.x.lr.high").set_value(0.01).run()
    assert not at.exception
    smaller = _losses(at)
    assert not np.array_equal(np.nan_to_num(first, nan=-99), np.nan_to_num(smaller, nan=-99))
    assert _header(at)["x"]["edges"][1] < 0.02

    at.selectbox(key="map.color").set_value("distance").run()
    assert "distance" in _header(at)["scale"]["title"]


def test_another_competitor_offers_its_own_hyperparameters():
    at = _app()
    settings = RaceSettings()
    index = next(k for k, c in enumerate(settings.competitors) if c.optimizer == "adam")
    at.select_slider(key="map.size").set_value(8).run()
    at.selectbox(key="map.competitor").set_value(index).run()
    assert not at.exception
    x_names = at.selectbox(key="map.adam.x.name").options
    assert set(x_names) >= {
        "learning rate η",
        "first-moment decay β₁",
        "second-moment decay β₂",
        "batch size",
    }
    at.selectbox(key="map.adam.y.name").set_value("beta2").run()
    assert "β₂" in _header(at)["y"]["title"]


def test_a_bad_range_gives_a_message_not_an_error():
    at = _app()
    optimizer = RaceSettings().competitors[0].optimizer
    at.number_input(key=f"map.{optimizer}.x.lr.low").set_value(-1.0).run()
    assert not at.exception
    assert any("positive minimum" in e.value for e in at.error)


@pytest.mark.parametrize("name", ["adam", "momentum"])
def test_a_picked_cell_loads_into_the_race_as_its_single_run(name):
    settings = RaceSettings()
    index = next(k for k, c in enumerate(settings.competitors) if c.optimizer == name)
    y = "beta1" if name == "adam" else "gamma"
    request = map_tab.make_request(
        settings, index, Axis("lr", 1e-3, 0.3, 6, "log"), Axis(y, 0.0, 0.95, 5, "linear")
    )
    m = map_tab.compute(request)
    i, j = map_tab.cell_at(m, float(m.x.values[4]) * 1.01, float(m.y.values[2]))
    assert (i, j) == (4, 2)
    picked = map_tab.pick_settings(m, index, i, j)
    assert picked["competitor"] == index

    kwargs = {k: v for k, v in picked.items() if k != "competitor"}
    single = optviz.run(kwargs.pop("optimizer"), kwargs.pop("surface"), **kwargs)
    assert single.loss[-1] == m.final_loss[j, i]

    raced = run_race(map_tab.apply_pick(settings, picked))
    runner = raced.runners[index]
    assert runner.trajectory.loss[-1] == m.final_loss[j, i]


def test_choosing_a_cell_passes_its_settings_to_on_pick():
    at = _app()
    at.select_slider(key="map.size").set_value(8).run()
    button = next(b for b in at.button if b.key.endswith(".go"))
    sliders = [s for s in at.select_slider if ".pick." in s.key]
    sliders[0].set_value(3)
    sliders[1].set_value(5)
    button.click().run()
    assert not at.exception
    picks = at.session_state["picks"]
    assert len(picks) == 1
    optimizer = RaceSettings().competitors[0].optimizer
    request = map_tab.make_request(
        RaceSettings(), 0, Axis("lr", 1e-4, 1.0, 8, "log"), Axis("batch_size", 1.0, 100.0, 8, "log")
    )
    m = map_tab.compute(request)
    assert picks[0] == map_tab.pick_settings(m, 0, 3, 5)
    assert picks[0]["optimizer"] == optimizer


def test_a_click_from_the_browser_is_checked_before_it_is_raced():
    request = map_tab.make_request(
        RaceSettings(), 0, Axis("lr", 1e-3, 0.3, 6, "log"), Axis("batch_size", 1.0, 20.0, 5, "log")
    )
    m = map_tab.compute(request)
    x, y = float(m.x.values[4]), float(m.y.values[2])
    assert map_tab.picked_cell({"i": 4, "j": 2, "x": x, "y": y}, m) == (4, 2)
    for bad in (
        None,
        "4,2",
        {"i": 4, "j": 2},  # no values: which map was clicked is unknown
        {"i": 4, "j": 2, "x": x, "y": float(m.y.values[3])},  # a map since replaced
        {"i": 6, "j": 2, "x": x, "y": y},
        {"i": -1, "j": 2, "x": x, "y": y},
        {"i": "4", "j": 2, "x": x, "y": y},
        {"i": 4.0, "j": 2, "x": x, "y": y},
        {"i": True, "j": 2, "x": x, "y": y},
        {"i": 4, "j": 2, "x": float("nan"), "y": y},
    ):
        assert map_tab.picked_cell(bad, m) is None, bad


def test_a_512_map_is_a_message_under_2_mb():
    at = _app()
    at.select_slider(key="map.size").set_value(512).run()
    assert not at.exception
    views = [e for e in at.get("bidi_component") if e.proto.component_name == "optviz_stability_map"]
    assert views[0].proto.ByteSize() < 2_000_000
    header, cells = _map(at)
    assert (header["cells"]["nx"], header["cells"]["ny"]) == (512, 512)
    assert cells["color"].shape == (512, 512) and len(header["x"]["values"]) == 512


def test_a_pick_under_a_shared_rate_sets_the_shared_rate():
    settings = replace(RaceSettings(), shared=True, shared_lr=0.05)
    picked = {"lr": 0.2, "batch_size": 7, "competitor": 1}
    changed = map_tab.apply_pick(settings, picked)
    assert changed.shared_lr == 0.2
    assert changed.competitors[1].lr == 0.2 and changed.competitors[1].batch_size == 7
    assert changed.competitors[0] == settings.competitors[0]


def test_large_maps_are_not_live():
    settings = RaceSettings()
    small = map_tab.make_request(settings, 0, Axis("lr", 1e-3, 1, 128), Axis("batch_size", 1, 50, 128))
    large = map_tab.make_request(settings, 0, Axis("lr", 1e-3, 1, 512), Axis("batch_size", 1, 50, 512))
    assert small.live and not large.live
    assert small.settings.competitors == (settings.raced()[0],)  # only the mapped one is in the key


def test_the_y_axis_never_repeats_the_x_axis():
    at = _app()
    optimizer = RaceSettings().competitors[0].optimizer
    at.select_slider(key="map.size").set_value(8).run()
    at.selectbox(key=f"map.{optimizer}.x.name").set_value("batch_size").run()
    assert not at.exception and not at.error
    assert at.selectbox(key=f"map.{optimizer}.y.name").value == "lr"
    assert "batch size" in _header(at)["x"]["title"]


def test_a_batch_size_axis_never_reaches_past_the_examples() -> None:
    from optviz.app.map_tab import _fit_batch_axis

    fitted = _fit_batch_axis(Axis("batch_size", 1, 200, 16, "log"), 50)
    assert fitted.high == 50 and fitted.low == 1
    assert _fit_batch_axis(Axis("lr", 1e-3, 1.0, 8), 5).high == 1.0


def test_the_map_names_the_competitor_as_the_race_does():
    at = _app()
    title = _header(at)["title"]
    first = RaceSettings().competitors[0]
    assert title.startswith(f"Stability map of {first.title}:")
    assert first.optimizer not in title.split(":")[0]  # not the engine's name


@pytest.mark.parametrize(
    "axis",
    [
        Axis("lr", 1e-4, 1.0, 512, "log"),
        Axis("gamma", 0.0, 0.99, 100, "linear"),
        Axis("eps", 1e-10, 0.1, 7, "log"),
        Axis("beta2", 0.9, 0.9999, 8, "linear"),
    ],
)
def test_a_cells_values_are_short_and_are_what_the_map_ran(axis):
    values = axis.values
    assert np.unique(values).size == axis.size
    assert (values[0], values[-1]) == (axis.low, axis.high)
    for v in values:
        text = repr(float(v))
        digits = len(text.replace("-", "").replace(".", "").split("e")[0].lstrip("0"))
        assert digits <= 6, text
    geometric = np.geomspace(axis.low, axis.high, axis.size) if axis.scale == "log" else None
    if geometric is not None:
        assert np.allclose(values, geometric, rtol=5e-3)


def test_a_picked_cell_races_with_exactly_the_cells_values_and_the_link_writes_them_short():
    settings = RaceSettings()
    index = next(k for k, c in enumerate(settings.competitors) if c.optimizer == "momentum")
    request = map_tab.make_request(
        settings, index, Axis("lr", 1e-4, 1.0, 64, "log"), Axis("gamma", 0.0, 0.99, 64, "linear")
    )
    m = map_tab.compute(request)
    picked = map_tab.pick_settings(m, index, 37, 11)
    chosen = map_tab.apply_pick(settings, picked)
    link = to_query(chosen)
    assert float(link[f"c{index + 1}.lr"]) == m.x.values[37] and len(link[f"c{index + 1}.lr"]) <= 8
    assert float(link[f"c{index + 1}.gamma"]) == m.y.values[11]
    raced = run_race(from_query(link)[0]).runners[index]
    assert raced.trajectory.loss[-1] == m.final_loss[11, 37]


def test_picking_a_cell_in_the_app_opens_the_race_it_made():
    app = AppTest.from_file(str(serve.SCRIPT), default_timeout=300)
    app.session_state["tab"] = "Stability map"
    app.run()
    assert not app.exception
    app.select_slider(key="map.size").set_value(8).run()
    next(b for b in app.button if b.key.endswith(".go")).click().run()
    assert not app.exception
    assert app.session_state["tab"] == "Race"
    names = [e.proto.component_name for e in app.get("bidi_component")]
    assert "optviz_stability_map" not in names  # the map tab is closed: its map is not drawn
