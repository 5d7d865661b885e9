"""What the views show, computed once in Python, and the player's payload that carries it: titles,
the colour scale (bands, ticks, labels), the 3-D mesh's lit colours, tick ladders, the curves' log
axes, the contour picture with its lines, one colour per runner, the divergence note, a compact
payload."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest

from optviz.racing import run_race
from optviz.settings import Competitor, RaceSettings, View
from optviz.views import figures, style
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


def test_titles_name_the_surface_and_every_axis(race):
    t = figures.titles(race)
    assert race.surface.title in t.contour and "3-D" in t.surface
    assert (t.x, t.y, t.z) == ("x", "y", "log₁₀(f − f*)")
    assert all(isinstance(v, str) and v for v in vars(t).values())


def test_data_surface_axes_are_the_weights():
    r = run_race(RaceSettings.on("line_fit", steps=20, competitors=(Competitor("adam"),)))
    t = figures.titles(r)
    assert t.x.startswith("w₀") and t.y.startswith("w₁")


def test_runner_colours_are_distinct(race):
    colors = [r.color for r in race.runners]
    assert len(set(colors)) == len(colors)


def test_the_rate_axis_fits_only_the_adaptive_runners(race):
    adaptive = [r for r in race.runners if figures.is_adaptive(r)]
    assert [r.label for r in adaptive] == ["Adagrad", "RMSProp", "Adam"]
    axis = figures.curve_axes(race)["rate"]
    logs = np.log10(np.concatenate([figures.rates_shown(r).ravel() for r in adaptive]))
    assert axis.low < logs.min() and axis.high > logs.max()


def test_a_diverged_run_leaves_the_loss_axis_through_its_top(diverging):
    gd, adam = diverging.runners
    axis = figures.curve_axes(diverging)["loss"]
    steady = np.log10(figures.loss_gap(diverging, adam))
    assert axis.high >= steady.max()
    # the blow-up gets two decades of headroom, not the whole axis
    assert axis.high <= steady.max() + figures.CURVE_HEADROOM + 1
    assert np.log10(figures.loss_gap(diverging, gd)[: gd.trajectory.diverged_at]).max() > axis.high
    assert [label for _, label in axis.ticks] == [figures.decade_label(int(k)) for k, _ in axis.ticks]


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
    assert scale.title == "f − f* (log)"
    # equal ratios of f - f* (well above the scale's floor) get equal shares of the scale
    f = scale.offset + np.array([10.0, 100.0, 1000.0])
    steps = np.diff(scale.unit(f))
    assert np.allclose(steps, 1.0 / (scale.high - scale.low), rtol=1e-2)


def test_linear_colours_otherwise():
    r = run_race(RaceSettings.on("bowl", steps=10, competitors=(Competitor("momentum"),)))
    scale = figures.color_scale(r.surface)
    assert not r.surface.log_color and not scale.log
    assert scale.title == "f(x, y)"
    assert figures.titles(r).z == "f(x, y)"
    assert [v for v, _ in scale.ticks()] == figures.nice_ticks(scale.low, scale.high)


def test_the_3d_mesh_is_coloured_by_the_continuous_scale_and_lit_from_above(race):
    scale = figures.color_scale(race.surface)
    _, _, z = figures.surface_mesh(race.surface)
    colors = figures.mesh_colors(race.surface).astype(int)
    assert colors.shape == (*z.shape, 3)
    unit = (z - scale.low) / (scale.high - scale.low)
    pure = np.array([style.hex_to_rgb(style.colormap(t)) for t in unit.ravel()]).reshape(colors.shape)
    # shading only darkens, and never below the floor
    assert (colors <= pure + 1).all()
    assert (colors >= np.floor(pure * figures.SHADE_FLOOR) - 1).all()
    # a level surface faces the light wholly or not: its colour is the scale's own
    import surfaces as surfaces_module

    flat = surfaces_module.from_formula("0*x + 0*y + 1", domain=((-1, 1), (-1, 1)), minima=[(0, 0)])
    level = figures.mesh_colors(flat)
    assert len(np.unique(level.reshape(-1, 3), axis=0)) == 1


def test_the_contour_picture_covers_the_domain_with_the_scale(race):
    (x0, x1), (y0, y1) = race.surface.domain
    band = figures.band_image(race.surface)
    n = figures.IMAGE_SIZE
    assert band.bands.shape == (n, n)
    # low loss at the minimum (3, 0.5) is the darkest band; the corners are the highest
    row = int((y1 - 0.5) / (y1 - y0) * n)
    col = int((3.0 - x0) / (x1 - x0) * n)
    assert band.bands[row, col] == 0
    assert band.bands[0, 0] == figures.BANDS - 1
    # lines are where a band meets another, in the band's darker colour
    rgb = band.rgb()
    assert rgb.shape == (n, n, 3)
    lines = band.indices >= len(band.colors)
    assert 0.01 < lines.mean() < 0.2
    assert tuple(rgb[0, 0]) == style.hex_to_rgb(band.colors[-1])


def test_band_runs_decode_to_the_palette_indices(race):
    image = figures.band_image(race.surface, 480)
    pairs = np.frombuffer(image.runs(), dtype=np.uint8).reshape(-1, 2)
    assert (pairs[:, 1] > 0).all()
    assert np.array_equal(np.repeat(pairs[:, 0], pairs[:, 1]), image.indices.ravel())


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


def test_payload_carries_every_tick_label_and_style_constant_the_views_draw(race):
    data = payload(race, View(show_rates=True))
    scale = figures.color_scale(race.surface)
    (x0, x1), (y0, y1) = race.surface.domain
    s = data["surface"]
    assert s["axes"] == {"x": figures.tick_ladder(x0, x1), "y": figures.tick_ladder(y0, y1)}
    assert s["scale"]["ticks"] == [[t, label] for t, label in scale.ticks()]
    assert base64.b64decode(s["mesh"]["rgb"]) == figures.mesh_colors(race.surface).tobytes()
    assert s["image"]["palette"][0] == list(style.hex_to_rgb(scale.band_colors()[0]))
    axes = figures.curve_axes(race)
    for kind in ("loss", "distance", "rate"):
        ladder = data["axes"][kind]["ticks"]
        assert ladder == figures.decade_ladder(axes[kind].low, axes[kind].high, figures.CURVE_TICKS)
        # a tall panel labels what the video frames label
        assert ladder["rungs"][ladder["pick"][-1]] == [[k, label] for k, label in axes[kind].ticks]
    assert data["axes"]["step"] == figures.tick_ladder(0, STEPS)
    st = data["style"]
    assert (st["zAspect"], st["lift"], st["camera"]) == (figures.Z_ASPECT, figures.LIFT, list(figures.CAMERA))
    assert st["colors"]["minimum"] == figures.MINIMUM_COLOR


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
    assert [figures.decade_label(k) for k in (-3, 0, 1, 2, 5)] == ["10⁻³", "1", "10", "100", "10⁵"]


@pytest.mark.parametrize(("low", "high"), [(-4.5, 4.5), (0, 300), (-2, 3), (0.001, 0.0125)])
def test_a_tick_ladder_holds_nice_ticks_for_every_count(low, high):
    ladder = figures.tick_ladder(low, high)
    assert len(ladder["pick"]) == figures.MOST_TICKS + 1
    for count, rung in enumerate(ladder["pick"]):
        ticks = ladder["rungs"][rung]
        assert [v for v, _ in ticks] == figures.nice_ticks(low, high, count)
        assert [label for _, label in ticks] == [figures.format_number(v) for v, _ in ticks]
    assert len({len(r) for r in ladder["rungs"]}) == len(ladder["rungs"])  # each rung once


def test_where_a_typed_formula_is_undefined_the_map_shows_its_own_band():
    import surfaces as surfaces_module

    s = surfaces_module.from_formula("sqrt(x) + y^2", domain=((-1, 3), (-2, 2)), minima=[(0, 0)])
    image = figures.band_image(s, 64)
    undefined = len(image.colors) - 1
    assert image.colors[undefined] == figures.UNDEFINED_COLOR
    # x < 0 is the left quarter of the domain: those pixels, and only those, carry the extra band.
    assert (image.bands[:, :15] == undefined).all()
    assert not (image.bands[:, 17:] == undefined).any()


def test_a_short_curve_panel_labels_fewer_decades_evenly():
    ladder = figures.decade_ladder(-12.0, 2.0, figures.CURVE_TICKS)
    rung = lambda count: [k for k, _ in ladder["rungs"][ladder["pick"][count]]]  # noqa: E731
    assert len(rung(2)) <= 2 and len(rung(4)) <= 4 and len(rung(16)) <= figures.CURVE_TICKS
    assert rung(1) and all(float(k).is_integer() for k in rung(3))
    gaps = {b - a for a, b in zip(rung(3), rung(3)[1:], strict=False)}
    assert len(gaps) == 1  # every few decades, evenly
