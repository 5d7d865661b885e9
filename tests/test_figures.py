"""The figure builders and the player's payload: titles and labels everywhere, one colour per runner,
the end marker of a diverged run, log colours where the surface asks for them, a compact payload."""

from __future__ import annotations

import base64
import io
import json
import math

import numpy as np
import pytest

from optviz.racing import run_race
from optviz.settings import Competitor, RaceSettings, View
from optviz.views import figures
from optviz.views.player import chosen_speed, clicked_point, payload

STEPS = 500


@pytest.fixture(scope="module")
def race():
    """The lecture's seven optimizers on Beale's function: the size the app is measured at."""
    return run_race(RaceSettings.on("beale", steps=STEPS))


@pytest.fixture(scope="module")
def diverging():
    """Batch GD with eta far above 2 / (the valley's wall curvature): it blows up, Adam does not."""
    r = run_race(
        RaceSettings.on(
            "long_valley",
            steps=200,
            competitors=(Competitor("batch_gd", lr=1.0), Competitor("adam", lr=0.05)),
        )
    )
    assert r.runners[0].trajectory.diverged_at is not None
    assert r.runners[1].trajectory.diverged_at is None
    return r


def _title(fig) -> str:
    return fig.layout.title.text or ""


def _runner_traces(fig, runner) -> list:
    return [t for t in fig.data if getattr(t, "legendgroup", None) == runner.label]


def _color(trace) -> str | None:
    line = getattr(trace, "line", None)
    if line is not None and line.color is not None:
        return line.color
    marker = getattr(trace, "marker", None)
    return marker.color if marker is not None else None


# ------------------------------------------------------------------------------------- titles, axes


def test_contour_figure_has_title_axis_titles_and_the_step(race):
    fig = figures.contour_figure(race, 120)
    assert race.surface.title in _title(fig)
    assert "step 120 of 500" in _title(fig)
    assert fig.layout.xaxis.title.text == "x"
    assert fig.layout.yaxis.title.text == "y"
    (x0, x1), (y0, y1) = race.surface.domain
    assert tuple(fig.layout.xaxis.range) == (x0, x1)
    assert tuple(fig.layout.yaxis.range) == (y0, y1)


def test_surface_figure_has_title_and_three_axis_titles(race):
    fig = figures.surface_figure(race, 10)
    assert "3-D" in _title(fig)
    scene = fig.layout.scene
    assert scene.xaxis.title.text == "x"
    assert scene.yaxis.title.text == "y"
    assert scene.zaxis.title.text == "log₁₀(f − f*)"
    assert any(t.type == "surface" for t in fig.data)


def test_curves_figure_has_log_panels_with_titles(race):
    fig = figures.curves_figure(race, 50, show_rates=True)
    titles = [a.text for a in fig.layout.annotations]
    assert any("Loss above the minimum" in t for t in titles)
    assert any("Distance to the nearest minimum" in t for t in titles)
    assert any("learning rate" in t for t in titles)
    for axis in (fig.layout.yaxis, fig.layout.yaxis2, fig.layout.yaxis3):
        assert axis.type == "log"
        assert axis.title.text
    assert fig.layout.xaxis3.title.text == "step"
    assert _title(fig)


def test_data_surface_axes_are_the_weights():
    r = run_race(RaceSettings.on("line_fit", steps=20, competitors=(Competitor("adam"),)))
    fig = figures.contour_figure(r)
    assert fig.layout.xaxis.title.text.startswith("w₀")
    assert fig.layout.yaxis.title.text.startswith("w₁")


# ------------------------------------------------------------------------------------------ colours


@pytest.mark.parametrize("build", [figures.contour_figure, figures.surface_figure, figures.curves_figure])
def test_every_runner_has_one_colour_its_own(race, build):
    fig = build(race, 200)
    for runner in race.runners:
        traces = _runner_traces(fig, runner)
        assert traces, runner.label
        assert {_color(t) for t in traces} == {runner.color}, runner.label
    legend = [t for t in fig.data if t.showlegend is not False and t.legendgroup]
    assert [t.legendgroup for t in legend] == [r.label for r in race.runners]


def test_runner_colours_are_distinct(race):
    colors = [r.color for r in race.runners]
    assert len(set(colors)) == len(colors)


def test_rates_panel_shows_only_the_adaptive_runners(race):
    fig = figures.curves_figure(race, show_rates=True)
    on_rates = {t.legendgroup for t in fig.data if t.yaxis == "y3"}
    assert on_rates == {r.label for r in race.runners if figures.is_adaptive(r)}
    assert on_rates == {"Adagrad", "RMSProp", "Adam"}


# --------------------------------------------------------------------------------------- the step


def test_head_and_trail_follow_the_step(race):
    runner = race.runners[0]
    fig = figures.contour_figure(race, 40, trail=10)
    line, start, head = _runner_traces(fig, runner)[:3]
    xy = runner.trajectory.xy
    assert np.allclose(np.column_stack([line.x, line.y]), xy[30:41])
    assert (start.x[0], start.y[0]) == tuple(xy[0])
    assert (head.x[0], head.y[0]) == tuple(xy[40])


def test_curves_mark_the_step(race):
    fig = figures.curves_figure(race, 77)
    assert [s.x0 for s in fig.layout.shapes] == [77, 77]
    marker = next(t for t in fig.data if t.legendgroup == race.runners[0].label and t.mode == "markers")
    assert marker.x[0] == 77


# -------------------------------------------------------------------------------------- divergence


def test_diverged_runner_ends_with_an_x_and_a_note(diverging):
    runner = diverging.runners[0]
    d = runner.trajectory.diverged_at
    note = f"diverged at step {d}"
    fig = figures.contour_figure(diverging)
    ends = [t for t in _runner_traces(fig, runner) if t.marker and t.marker.symbol == "x"]
    assert len(ends) == 1
    assert ends[0].text == (note,)
    assert tuple(ends[0].x) == (runner.trajectory.xy[d - 1, 0],)
    assert any(note in (t.name or "") for t in _runner_traces(fig, runner))
    # before it diverged there is no X yet
    early = figures.contour_figure(diverging, d - 1)
    assert not [t for t in _runner_traces(early, runner) if t.marker and t.marker.symbol == "x"]
    # the runner that did not diverge has no X
    assert not [t for t in _runner_traces(fig, diverging.runners[1]) if t.marker and t.marker.symbol == "x"]


def test_diverged_runner_is_marked_in_the_curves_and_in_3d(diverging):
    runner = diverging.runners[0]
    curves = figures.curves_figure(diverging)
    assert [t for t in _runner_traces(curves, runner) if t.mode == "markers" and t.marker.symbol == "x"]
    surface = figures.surface_figure(diverging)
    assert [t for t in _runner_traces(surface, runner) if t.mode == "markers" and t.marker.symbol == "x"]


def test_payload_carries_the_divergence(diverging):
    data = payload(diverging, View())
    assert data["runners"][0]["divergedAt"] == diverging.runners[0].trajectory.diverged_at
    assert data["runners"][1]["divergedAt"] is None
    assert data["style"]["note"].format(step=7) == "diverged at step 7"


# ------------------------------------------------------------------------------------ colour scale


def test_log_colours_when_the_surface_asks_for_them(race):
    scale = figures.color_scale(race.surface)
    assert race.surface.log_color and scale.log
    labels = [label for _, label in scale.ticks()]
    assert "1" in labels and "10⁴" in labels
    bar = figures.contour_figure(race).data[0].marker.colorbar
    assert bar.title.text == "f − f* (log)"
    assert list(bar.ticktext) == labels
    # equal ratios of f - f* (well above the scale's floor) get equal shares of the scale
    f = scale.offset + np.array([10.0, 100.0, 1000.0])
    steps = np.diff(scale.unit(f))
    assert np.allclose(steps, 1.0 / (scale.high - scale.low), rtol=1e-2)


def test_linear_colours_otherwise():
    r = run_race(RaceSettings.on("bowl", steps=10, competitors=(Competitor("momentum"),)))
    scale = figures.color_scale(r.surface)
    assert not r.surface.log_color and not scale.log
    assert figures.contour_figure(r).data[0].marker.colorbar.title.text == "f(x, y)"
    assert figures.titles(r).z == "f(x, y)"


def test_contour_image_covers_the_domain_with_the_scale(race):
    fig = figures.contour_figure(race)
    (image,) = fig.layout.images
    (x0, x1), (y0, y1) = race.surface.domain
    assert (image.x, image.y, image.sizex, image.sizey) == (x0, y1, x1 - x0, y1 - y0)
    assert image.layer == "below"
    png = base64.b64decode(image.source.split(",", 1)[1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pil = pytest.importorskip("PIL.Image")
    picture = pil.open(io.BytesIO(png))
    assert picture.size == (figures.IMAGE_SIZE, figures.IMAGE_SIZE)
    # low loss at the minimum (3, 0.5) is the darkest band; the corners are the highest
    band = figures.band_image(race.surface)
    n = figures.IMAGE_SIZE
    row = int((y1 - 0.5) / (y1 - y0) * n)
    col = int((3.0 - x0) / (x1 - x0) * n)
    assert band.bands[row, col] == 0
    assert band.bands[0, 0] == figures.BANDS - 1


def test_band_runs_decode_to_the_bands(race):
    image = figures.band_image(race.surface, 480)
    pairs = np.frombuffer(image.runs(), dtype=np.uint8).reshape(-1, 2)
    assert (pairs[:, 1] > 0).all()
    assert np.array_equal(np.repeat(pairs[:, 0], pairs[:, 1]), image.bands.ravel())


def test_paths_in_3d_sit_on_the_drawn_surface(race):
    x, y, z = figures.surface_mesh(race.surface)
    points = np.column_stack([x[[3, 10]], y[[7, 20]]])
    assert np.allclose(figures.mesh_heights(race.surface, points), [z[7, 3], z[20, 10]])


# ----------------------------------------------------------------------------------------- payload


def _floats(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


@pytest.mark.parametrize("options", [View(), View(show_arrows=True, show_rates=True, trail=50)])
def test_payload_for_seven_runners_by_500_steps_is_under_1_mb(race, options):
    size = len(json.dumps(payload(race, options)))
    assert size < 1_000_000
    assert size < 400_000  # float32 in base64 and a run-length image: well under the bound


def test_payload_arrays_round_trip(race):
    data = payload(race, View(show_arrows=True, show_rates=True))
    for entry, runner in zip(data["runners"], race.runners, strict=True):
        t = runner.trajectory
        assert entry["color"] == runner.color and entry["label"] == runner.label
        assert np.allclose(_floats(entry["xy"]).reshape(-1, 2), t.xy, rtol=1e-6, atol=1e-6)
        assert np.allclose(_floats(entry["gap"]), figures.loss_gap(race, runner), rtol=1e-6)
        assert ("rate" in entry) == figures.is_adaptive(runner)
        assert _floats(entry["grad"]).size == t.grad.size
    assert data["steps"] == STEPS
    assert data["start"] == list(race.runners[0].trajectory.xy[0])


def test_payload_leaves_out_what_is_not_shown(race):
    data = payload(race, View())
    assert all("grad" not in r and "rate" not in r for r in data["runners"])


def test_payload_revision_changes_with_the_race(race):
    same = payload(race, View())
    assert payload(race, View())["rev"] == same["rev"]
    other = run_race(RaceSettings.on("beale", steps=STEPS, start=(0.5, 1.0)))
    assert payload(other, View())["rev"] != same["rev"]


def test_payload_titles_are_all_set(race):
    titles = payload(race, View())["titles"]
    assert all(isinstance(v, str) and v for v in titles.values())


@pytest.mark.parametrize(
    ("value", "point"),
    [
        ({"x": 1.5, "y": -2}, (1.5, -2.0)),
        ({"x": "1", "y": 2}, None),
        ({"x": True, "y": 2}, None),
        ({"x": math.nan, "y": 2}, None),
        ({"x": 1.0}, None),
        ([1, 2], None),
        (None, None),
    ],
)
def test_clicked_point_takes_only_plain_finite_numbers(value, point):
    assert clicked_point(value) == point


@pytest.mark.parametrize(
    ("value", "speed"),
    [
        (60, 60),
        (1, 1),
        (240.0, 240),
        (7, None),
        (0, None),
        (True, None),
        ("60", None),
        (math.nan, None),
        (None, None),
    ],
)
def test_the_speed_menu_sends_only_its_own_choices(value, speed):
    assert chosen_speed(value) == speed


@pytest.mark.parametrize("options", [View(trail=-1), View(speed=0), View(speed=241)])
def test_bad_player_options_are_refused(race, options):
    from optviz.views.player import _check

    with pytest.raises(ValueError):
        _check(options, 560)
    with pytest.raises(ValueError):
        _check(View(), 50)  # a height no screen has


def test_nice_ticks():
    assert figures.nice_ticks(-4.5, 4.5, 4) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert figures.nice_ticks(0, 500, 6) == [0, 100, 200, 300, 400, 500]
    assert figures.format_number(1e-7) == "1e-7"
    assert figures.format_number(0.25) == "0.25"


def test_where_a_typed_formula_is_undefined_the_map_shows_its_own_band():
    import surfaces as surfaces_module

    s = surfaces_module.from_formula("sqrt(x) + y^2", domain=((-1, 3), (-2, 2)), minima=[(0, 0)])
    image = figures.band_image(s, 64)
    undefined = len(image.colors) - 1
    assert image.colors[undefined] == figures.UNDEFINED_COLOR
    # x < 0 is the left quarter of the domain: those pixels, and only those, carry the extra band.
    assert (image.bands[:, :15] == undefined).all()
    assert not (image.bands[:, 17:] == undefined).any()
