"""The stability map figure: axes on the map's scales, a titled colour bar per quantity, diverged
cells in their own colour in every mode, and the race's marker."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.sweep import Axis, sweep
from optviz.views.map_figure import (
    DIVERGED_COLOR,
    NOT_REACHED_COLOR,
    QUANTITIES,
    cell_colors,
    cell_edges,
    map_figure,
    values,
)


@pytest.fixture(scope="module")
def m():
    # Momentum on the bowl: a stable and a diverged region in one small map.
    return sweep(
        "momentum", "bowl", ("lr", 0.01, 1.0, 12, "log"), ("gamma", 0.0, 0.99, 9, "linear"), steps=150
    )


def test_the_map_has_both_outcomes(m):
    assert m.diverged.any() and (~m.diverged).any()


@pytest.mark.parametrize("quantity", list(QUANTITIES))
def test_axes_colour_bar_and_diverged_cells(m, quantity):
    fig = map_figure(m, quantity)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "linear"
    assert "learning rate" in fig.layout.xaxis.title.text and "log scale" in fig.layout.xaxis.title.text
    assert "momentum" in fig.layout.yaxis.title.text
    heat = fig.data[0]
    assert heat.colorbar.title.text == QUANTITIES[quantity].title
    z = np.array(heat.z, dtype=float)
    assert np.isnan(z[m.diverged]).all()  # the scale leaves diverged cells to their own trace
    diverged = next(t for t in fig.data if t.name == "diverged")
    assert diverged.colorscale[0][1] == DIVERGED_COLOR
    assert np.array_equal(~np.isnan(np.array(diverged.z, dtype=float)), m.diverged)
    assert "final loss" in heat.hovertemplate and "lr = " in heat.hovertemplate


def test_cells_have_even_widths_on_a_log_axis():
    edges = cell_edges(Axis("lr", 1e-3, 1.0, 4, "log"))
    assert len(edges) == 5
    assert np.allclose(np.diff(np.log10(edges)), 1.0)
    assert np.allclose(np.sqrt(edges[:-1] * edges[1:]), Axis("lr", 1e-3, 1.0, 4, "log").values)


def test_steps_mode_marks_runs_that_never_reached_the_tolerance(m):
    fig = map_figure(m, "reached_at")
    never = next(t for t in fig.data if t.name == "not reached")
    assert never.colorscale[0][1] == NOT_REACHED_COLOR
    z = values(m, "reached_at")
    reached = (m.reached_at >= 0) & ~m.diverged
    assert np.array_equal(z[reached], m.reached_at[reached].astype(float))


def test_the_marker_shows_the_race_values_only_on_the_map(m):
    marked = map_figure(m, current={"lr": 0.1, "gamma": 0.9})
    assert [(t.x, t.y) for t in marked.data if t.type == "scatter"] == [((0.1,), (0.9,))]
    off = map_figure(m, current={"lr": 5.0, "gamma": 0.9})
    assert not [t for t in off.data if t.type == "scatter"]


def test_static_colours_match_and_diverged_is_red(m):
    rgb = cell_colors(m, "final_loss")
    assert rgb.shape == (*m.final_loss.shape, 3)
    red = np.array([0xD6, 0x27, 0x28]) / 255
    assert np.allclose(rgb[m.diverged], red)
    assert not np.allclose(rgb[~m.diverged], red)


def test_unknown_quantity_is_refused(m):
    with pytest.raises(ValueError, match="unknown quantity"):
        map_figure(m, "colour")
