"""The stability map as the browser gets it: axes on the map's scales, a titled colour bar per
quantity, diverged cells in their own colour in every mode, the race's marker, hover values to the
digits shown, and a message that stays small."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optviz.params import HYPERPARAMETERS
from optviz.sweep import Axis, sweep
from optviz.views.map_figure import (
    ASSETS,
    AXIS_TITLES,
    DIVERGED_COLOR,
    NONFINITE,
    NOT_REACHED_COLOR,
    QUANTITIES,
    cell_colors,
    cell_edges,
    decimal_digits,
    from_digits,
    map_payload,
    read_payload,
    values,
)
from optviz.views.style import hex_to_rgb


@pytest.fixture(scope="module")
def m():
    # Momentum on the bowl: a stable and a diverged region in one small map.
    return sweep(
        "momentum", "bowl", ("lr", 0.01, 1.0, 12, "log"), ("gamma", 0.0, 0.99, 9, "linear"), steps=150
    )


def _painted(header: dict, cells: dict) -> np.ndarray:
    """The colours the browser paints (map.js `paint`), as RGB in [0, 1]: the scale's colour of each
    cell, red where the run diverged, grey where it never reached the tolerance (steps mode)."""
    palette = np.array([hex_to_rgb(c) for c in header["scale"]["palette"]], dtype=float) / 255
    rgb = palette[cells["color"]]
    colors = header["colors"]
    if colors["notReached"]:
        rgb[cells["event"] == -1] = np.array(hex_to_rgb(colors["notReached"])) / 255
    rgb[cells["event"] <= -2] = np.array(hex_to_rgb(colors["diverged"])) / 255
    return rgb


def test_the_map_has_both_outcomes(m):
    assert m.diverged.any() and (~m.diverged).any()


@pytest.mark.parametrize("quantity", list(QUANTITIES))
def test_axes_colour_bar_and_diverged_cells(m, quantity):
    header, cells = read_payload(map_payload(m, quantity))
    assert header["x"]["log"] and not header["y"]["log"]
    assert "learning rate" in header["x"]["title"] and "log scale" in header["x"]["title"]
    assert "momentum" in header["y"]["title"]
    assert header["x"]["values"] == list(m.x.values) and header["y"]["values"] == list(m.y.values)
    assert header["x"]["edges"] == [cell_edges(m.x)[0], cell_edges(m.x)[-1]]
    assert header["scale"]["title"] == QUANTITIES[quantity].title
    span = values(m, quantity)
    assert header["scale"]["low"] == np.nanmin(span) and header["scale"]["high"] == np.nanmax(span)
    assert header["colors"]["diverged"] == DIVERGED_COLOR
    assert cells["color"].shape == m.final_loss.shape == (9, 12)
    # what the runs did, cell by cell: diverged (and when), reached the tolerance (and when), or not
    event = cells["event"]
    assert np.array_equal(event <= -2, m.diverged)
    assert np.array_equal(-2 - event[m.diverged], m.diverged_at[m.diverged])
    kept = ~m.diverged
    assert np.array_equal(event[kept], np.maximum(m.reached_at[kept], -1))
    # the browser paints exactly the colours of the command line's PNG
    assert np.array_equal(_painted(header, cells), cell_colors(m, quantity))


def test_hover_values_are_the_cells_values_to_the_digits_shown(m):
    _, cells = read_payload(map_payload(m, "final_loss"))
    loss = from_digits(cells["loss"], cells["loss_exp"], 4)
    distance = from_digits(cells["distance"], cells["distance_exp"], 3)
    for j in range(m.y.size):
        for i in range(m.x.size):
            assert loss[j, i] == float(f"{m.final_loss[j, i]:.4g}")
            assert distance[j, i] == float(f"{m.distance[j, i]:.3g}")


def test_decimal_digits_are_the_digits_python_prints():
    rng = np.random.default_rng(7)
    edge = [1.0, 10.0, 9.9995, 9.99949, 0.5, 1234.5, 999.95, 1e-5, 5e-324, 1.7976931348623157e308]
    v = np.concatenate([10.0 ** rng.uniform(-320, 308, 3000), -(10.0 ** rng.uniform(-5, 5, 300)), edge])
    for digits in (3, 4):
        mantissa, exponent = decimal_digits(v, digits)
        for x, mm, ee in zip(v, mantissa, exponent, strict=True):
            shown, power = f"{abs(x):.{digits - 1}e}".split("e")
            assert (int(shown.replace(".", "")) * np.sign(x), int(power)) == (mm, ee), x
    mantissa, exponent = decimal_digits(np.array([0.0, np.nan, np.inf, -np.inf]), 4)
    assert list(mantissa) == [0, 0, 1, -1] and list(exponent) == [0, NONFINITE, NONFINITE, NONFINITE]
    back = from_digits(mantissa, exponent, 4)
    assert back[0] == 0 and np.isnan(back[1]) and back[2] == np.inf and back[3] == -np.inf


def test_cells_have_even_widths_on_a_log_axis():
    edges = cell_edges(Axis("lr", 1e-3, 1.0, 4, "log"))
    assert len(edges) == 5
    assert np.allclose(np.diff(np.log10(edges)), 1.0)
    assert np.allclose(np.sqrt(edges[:-1] * edges[1:]), Axis("lr", 1e-3, 1.0, 4, "log").values)


def test_steps_mode_marks_runs_that_never_reached_the_tolerance(m):
    header, cells = read_payload(map_payload(m, "reached_at"))
    assert header["colors"]["notReached"] == NOT_REACHED_COLOR
    never = (m.reached_at < 0) & ~m.diverged
    assert never.any() and np.array_equal(cells["event"] == -1, never)
    z = values(m, "reached_at")
    reached = (m.reached_at >= 0) & ~m.diverged
    assert np.array_equal(z[reached], m.reached_at[reached].astype(float))
    ticks = header["scale"]["ticks"]
    assert len(ticks) >= 3 and all(label == str(int(v)) for v, label in ticks)  # whole steps
    assert all(header["scale"]["low"] <= v <= header["scale"]["high"] for v, _ in ticks)
    # grey is for the steps mode only
    assert read_payload(map_payload(m, "final_loss"))[0]["colors"]["notReached"] is None


def test_the_log_colour_bar_has_decade_ticks(m):
    header, _ = read_payload(map_payload(m, "final_loss"))
    ticks = header["scale"]["ticks"]
    assert ticks and all(float(v).is_integer() for v, _ in ticks)
    assert all(header["scale"]["low"] <= v <= header["scale"]["high"] for v, _ in ticks)
    assert "10⁻" in "".join(label for _, label in ticks)


def test_the_marker_shows_the_race_values_only_on_the_map(m):
    marked, _ = read_payload(map_payload(m, current={"lr": 0.1, "gamma": 0.9}))
    assert marked["current"] == [0.1, 0.9]
    off, _ = read_payload(map_payload(m, current={"lr": 5.0, "gamma": 0.9}))
    assert off["current"] is None
    other, _ = read_payload(map_payload(m, current={"lr": 0.1, "beta1": 0.9}))
    assert other["current"] is None


def test_the_title_names_the_competitor(m):
    header, _ = read_payload(map_payload(m, "distance", title="2. Momentum (fast)"))
    assert header["title"].startswith("Stability map of 2. Momentum (fast): distance")
    assert read_payload(map_payload(m))[0]["title"].startswith("Stability map of Momentum:")


def test_a_payload_names_its_content(m):
    first = read_payload(map_payload(m, current={"lr": 0.1, "gamma": 0.9}))[0]
    moved = read_payload(map_payload(m, current={"lr": 0.2, "gamma": 0.9}))[0]
    recoloured = read_payload(map_payload(m, "distance"))[0]
    assert first["revision"] != moved["revision"] and first["cells"]["key"] == moved["cells"]["key"]
    assert recoloured["cells"]["key"] != first["cells"]["key"]
    assert read_payload(map_payload(m, current={"lr": 0.1, "gamma": 0.9}))[0] == first


def test_static_colours_match_and_diverged_is_red(m):
    rgb = cell_colors(m, "final_loss")
    assert rgb.shape == (*m.final_loss.shape, 3)
    red = np.array([0xD6, 0x27, 0x28]) / 255
    assert np.allclose(rgb[m.diverged], red)
    assert not np.allclose(rgb[~m.diverged], red)


def test_unknown_quantity_is_refused(m):
    with pytest.raises(ValueError, match="unknown quantity"):
        map_payload(m, "colour")


def test_even_a_512_map_of_noise_is_a_message_under_2_mb():
    """Real maps are smooth and compress to 0.05-0.5 MB; cells of pure noise (every loss, distance
    and step random) are the most a 512 x 512 map can take. The message also carries the view's
    code."""
    m = sweep("adam", "beale", ("lr", 1e-4, 1.0, 512), ("beta1", 0.0, 0.99, 512, "linear"), steps=3)
    rng = np.random.default_rng(0)
    shape = m.final_loss.shape
    noise = dataclasses.replace(
        m,
        final_loss=10.0 ** rng.uniform(-30, 8, shape),
        distance=10.0 ** rng.uniform(-15, 3, shape),
        reached_at=np.where(rng.random(shape) < 0.5, rng.integers(0, 2000, shape), -1),
        diverged_at=np.where(rng.random(shape) < 0.3, rng.integers(0, 2000, shape), -1),
    )
    code = sum(len(p.read_bytes()) for p in ASSETS.iterdir() if p.is_file())  # what the page loads, not src/
    for quantity in QUANTITIES:
        payload = map_payload(noise, quantity, current={"lr": 0.01, "beta1": 0.9})
        assert len(payload) + code < 2_000_000, quantity
        _, cells = read_payload(payload)
        assert np.array_equal(cells["event"] <= -2, noise.diverged)


def test_every_sweepable_setting_has_an_axis_title():
    """The map's axes are titled from the parameter table, so a new hyperparameter has a title."""
    assert set(AXIS_TITLES) == {*HYPERPARAMETERS, "batch_size"}
    assert AXIS_TITLES["lr"] == "learning rate η" and AXIS_TITLES["gamma"] == "momentum γ"
    assert AXIS_TITLES["weight_decay"] == "weight decay λ"
