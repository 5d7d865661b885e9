"""The race's colours: every runner stands out on every part of the map, keeps its colour for its
life, and two runners are never the same colour."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optviz.link import from_query, to_query
from optviz.racing import run_race
from optviz.settings import Competitor, RaceSettings, assign_colors, default_competitor, own_color
from optviz.views import figures, style

BANDS = [style.colormap((i + 0.5) / figures.BANDS) for i in range(figures.BANDS)]
EVERY_BAND = [*BANDS, figures.UNDEFINED_COLOR]


def test_contrast_ratio_matches_wcag():
    assert style.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert style.contrast("#777777", "#777777") == pytest.approx(1.0)
    assert style.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # WCAG's grey on white


@pytest.mark.parametrize("color", style.PALETTE)
def test_every_runner_stands_out_on_every_band_of_the_map(color):
    """A path is its colour over its casing: on each band, one of the two contrasts with the band,
    and the colour contrasts with its casing."""
    casing = style.casing(color)
    assert style.contrast(color, casing) >= style.MIN_CONTRAST
    for band in EVERY_BAND:
        assert max(style.contrast(color, band), style.contrast(casing, band)) >= style.MIN_CONTRAST, band


def test_the_yellow_end_of_the_map_needs_the_casing():
    """Why the casing is there: yellow on the map's pale-yellow end would all but vanish."""
    yellow = next(c for c in style.PALETTE if c.upper() == "#F0E442")
    assert style.contrast(yellow, BANDS[-1]) < 1.5
    assert style.casing(yellow) == style.DARK_CASING


def test_palette_colours_are_distinct():
    assert len(set(style.PALETTE)) == len(style.PALETTE)


def test_each_lecture_optimizer_has_its_own_colour():
    from optviz.engine.optimizers import LECTURE_OPTIMIZERS, OPTIMIZERS

    assert [own_color(n) for n in LECTURE_OPTIMIZERS] == list(range(len(LECTURE_OPTIMIZERS)))
    assert all(0 <= own_color(n) < len(style.PALETTE) for n in OPTIMIZERS)


def test_a_competitor_keeps_its_colour_when_another_leaves():
    seven = assign_colors(tuple(Competitor(n) for n in ("batch_gd", "sgd", "momentum", "adam")))
    without_sgd = assign_colors(seven[:1] + seven[2:])
    assert [c.color for c in without_sgd] == [seven[0].color, seven[2].color, seven[3].color]


def test_a_newcomer_takes_its_own_colour_or_the_first_free_one():
    race = assign_colors((Competitor("adam"), Competitor("adam"), Competitor("batch_gd")))
    assert [c.color for c in race] == [own_color("adam"), 1, own_color("batch_gd")]
    # a repeated colour is given up by the later competitor only
    repeated = assign_colors((replace(Competitor("sgd"), color=4), replace(Competitor("adam"), color=4)))
    assert [c.color for c in repeated] == [4, own_color("adam")]


def test_colours_survive_a_link_and_a_repeat_is_refused():
    settings, warnings = from_query({"c1": "adam", "c1.color": "2", "c2": "sgd", "c2.color": "2"})
    assert [c.color for c in settings.competitors] == [2, own_color("sgd")]
    assert any(w.startswith("c2.color") for w in warnings)
    again, none = from_query(to_query(settings))
    assert again == settings and none == ()


def test_the_race_draws_each_runner_in_its_own_colour():
    competitors = (replace(default_competitor("adam"), color=8), default_competitor("sgd"))
    race = run_race(RaceSettings.on("beale", steps=5, competitors=competitors))
    assert [r.color for r in race.runners] == [style.PALETTE[8], style.PALETTE[own_color("sgd")]]
    assert [r.casing for r in race.runners] == [style.casing(r.color) for r in race.runners]


def test_two_runners_of_one_optimizer_are_named_by_the_setting_they_differ_in():
    from optviz.settings import labels

    assert labels((Competitor("adam", lr=0.2), Competitor("adam", lr=0.001))) == [
        "Adam (η=0.2)",
        "Adam (η=0.001)",
    ]
    assert labels((Competitor("adam", beta1=0.5), Competitor("adam", beta1=0.9))) == [
        "Adam (β₁=0.5)",
        "Adam (β₁=0.9)",
    ]
    assert labels((Competitor("sgd", batch_size=1), Competitor("sgd", batch_size=8))) == [
        "SGD (B=1)",
        "SGD (B=8)",
    ]
    assert labels((Competitor("adam"), Competitor("adam"))) == ["Adam #1", "Adam #2"]
