"""Every preset is valid and shareable, and every claim its note makes is true of its race."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

import surfaces
from optviz import claims
from optviz.engine.optimizers import LECTURE_OPTIMIZERS
from optviz.export.options import ExportOptions
from optviz.export.render import Renderer
from optviz.link import from_query, to_query
from optviz.presets import DEFAULT, LECTURE, PRESETS, lecture_seven, matching
from optviz.racing import Race, run_race
from optviz.settings import RaceSettings
from optviz.views import figures
from optviz.views.style import PALETTE


def _race(settings: RaceSettings) -> Race:
    return run_race(settings)


@pytest.fixture(scope="module")
def races() -> dict[str, Race]:
    return {name: _race(p.settings) for name, p in PRESETS.items()}


CLAIMS = [(name, i) for name, p in PRESETS.items() for i in range(len(p.note.claims))]


@pytest.mark.parametrize(("name", "index"), CLAIMS, ids=[f"{n}-{i}" for n, i in CLAIMS])
def test_every_claim_of_every_preset_holds_for_its_race(races, name, index):
    preset = PRESETS[name]
    claim = preset.note.claims[index]
    assert claim.problems(races[name], preset.note.cast, preset.settings.tol) == [], claim.text


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_note_is_written_from_its_race(races, name):
    preset = PRESETS[name]
    text = preset.watch(races[name])
    assert "{" not in text and "}" not in text
    # every runner the note names is named as the race's legend names it
    for role, i in preset.note.cast.items():
        if any(f"{{{role}" in c.text for c in preset.note.claims):
            assert f"**{races[name].runners[i].label}**" in text, role


def _numbers_outside_placeholders(template: str) -> list[str]:
    return re.findall(r"\d", re.sub(r"\{[^}]*\}", "", template))


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_note_writes_no_number_of_its_own(name):
    """Every number in a note comes from the preset's settings or from the race: none is typed."""
    note = PRESETS[name].note
    for template in (note.opening, *(c.text for c in note.claims)):
        assert _numbers_outside_placeholders(template) == [], template


def test_notes_quote_the_settings_the_preset_races_with(races):
    text = PRESETS["long_valley"].watch(races["long_valley"])
    wall = dict(PRESETS["long_valley"].settings.surface_options)["wall"]
    assert f"c = {wall:g}" in text and f"1/c = {1 / wall:g}" in text
    for competitor, runner in zip(
        PRESETS["long_valley"].settings.competitors, races["long_valley"].runners, strict=True
    ):
        if f"**{runner.label}** (η" in text:
            assert f"**{runner.label}** (η = {competitor.lr:g}" in text
    beale = PRESETS["beale"].watch(races["beale"])
    adam = next(c for c in PRESETS["beale"].settings.competitors if c.optimizer == "adam")
    assert f"**Adam** (η = {adam.lr:g})" in beale
    # the step counts it reports are the race's own
    momentum = next(r for r in races["beale"].runners if r.label == "Momentum")
    assert f"at step {momentum.trajectory.steps_to(1e-3)}" in beale


def _broken(name: str, role: str, **changes) -> tuple[Race, claims.Note]:
    preset = PRESETS[name]
    i = preset.note.cast[role]
    competitors = list(preset.settings.competitors)
    competitors[i] = replace(competitors[i], **changes)
    return _race(replace(preset.settings, competitors=tuple(competitors))), preset.note


@pytest.mark.parametrize(
    ("name", "role", "changes", "kind"),
    [
        ("long_valley", "batch_gd", {"lr": 0.04}, claims.ZigZags),  # below 1/(2c): no bouncing
        ("long_valley", "momentum", {"lr": 0.001}, claims.Before),  # too slow to arrive
        ("beale", "adam", {"lr": 0.001}, claims.Before),
        ("saddle", "batch_gd", {"lr": 0.5}, claims.Lingers),
        ("bowl", "unstable", {"lr": 0.07}, claims.Diverges),
        ("bowl", "rmsprop", {"lr": 1.0}, claims.NeverOvershoots),
        ("himmelblau", "momentum", {"lr": 0.0005}, claims.EndsIn),
        ("stochastic", "minibatch_gd", {"batch_size": "full"}, claims.Wanders),
    ],
)
def test_a_claim_fails_on_a_race_that_does_not_do_it(name, role, changes, kind):
    race, note = _broken(name, role, **changes)
    failing = [c for c in note.claims if c.problems(race, note.cast, 1e-3)]
    assert any(isinstance(c, kind) for c in failing), [type(c).__name__ for c in failing]


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_survives_the_url_and_is_recognised(name):
    settings = PRESETS[name].settings
    assert from_query(to_query(settings)) == (settings, ())
    assert matching(settings) == name
    assert matching(replace(settings, steps=settings.steps + 1)) is None
    # how it is shown, and its runners' colours, do not make it another race
    recoloured = tuple(replace(c, color=len(PALETTE) - 1 - k) for k, c in enumerate(settings.competitors))
    assert matching(replace(settings, competitors=recoloured, tol=1e-6)) == name


def test_the_lectures_comparisons_come_first_and_the_app_opens_on_the_first():
    names = list(PRESETS)
    assert tuple(names[: len(LECTURE)]) == LECTURE
    assert [PRESETS[n].settings.surface for n in names[:3]] == ["long_valley", "beale", "saddle"]
    assert {PRESETS[n].settings.surface for n in names[len(LECTURE) :]} >= {
        "rosenbrock",
        "himmelblau",
        "bowl",
    }
    assert DEFAULT is PRESETS[names[0]]
    # every one of the lecture's optimizers is in one of its presets
    raced = {c.optimizer for n in LECTURE for c in PRESETS[n].settings.competitors}
    assert raced == set(LECTURE_OPTIMIZERS)


def test_only_the_bowls_too_large_step_diverges(races):
    for name, race in races.items():
        diverged = [r.label for r in race.runners if r.trajectory.diverged_at is not None]
        assert diverged == (["Batch GD (η=0.09)"] if name == "bowl" else []), name


def test_the_bowls_rates_straddle_the_stability_limit():
    settings = PRESETS["bowl"].settings
    kappa = dict(settings.surface_options)["kappa"]
    stable, unstable = settings.competitors[:2]
    assert stable.lr < 2 / kappa < unstable.lr


def test_reset_to_the_lectures_seven_keeps_a_presets_rates():
    valley = lecture_seven("long_valley")
    assert [c.optimizer for c in valley] == list(LECTURE_OPTIMIZERS)
    for c in valley:
        assert c.lr == PRESETS["long_valley"].rates[c.optimizer]
    for c in PRESETS["long_valley"].settings.competitors:  # the preset races with the same rates
        assert c.lr == PRESETS["long_valley"].rates[c.optimizer]
    assert [c.lr for c in lecture_seven("booth")] == [
        None if c.lr is None else c.lr for c in lecture_seven("booth")
    ]
    assert lecture_seven("booth")[0].lr == 0.01  # no preset: the optimizer's default


def test_presets_use_known_surfaces_and_starts_inside_the_map():
    for preset in PRESETS.values():
        s = preset.settings
        (x0, x1), (y0, y1) = surfaces.SURFACES[s.surface].domain
        assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1, preset.name
        assert preset.title and preset.note.claims


def test_the_surface_text_quotes_the_options_in_use():
    valley = RaceSettings().with_surface("long_valley")
    valley = replace(valley, surface_options=(("slope", 1.0), ("wall", 10.0)))
    text = valley.surface_object().description
    assert "c = 10" in text and "0.05 < η < 0.1" in text and "65" not in text
    for surface in surfaces.SURFACES.values():
        assert not re.search(r"(eta|η) = \d", surface.description), surface.name  # no race's settings


# ------------------------------------------------------------------------------- what is drawn


def _visible_pixels(race: Race) -> dict[str, int]:
    """Pixels of each runner's own colour in a video frame of the race's last step."""
    options = ExportOptions(legend=False, step_counter=False, loss_inset=False)
    frame = Renderer(race, options).rgb(race.runners[0].trajectory.steps).astype(int)
    counts = {}
    for runner in race.runners:
        rgb = np.array([int(runner.color[i : i + 2], 16) for i in (1, 3, 5)])
        counts[runner.label] = int((np.abs(frame - rgb).sum(axis=-1) <= 24).sum())
    return counts


@pytest.mark.parametrize("name", LECTURE)
def test_every_runner_of_a_lecture_preset_can_be_seen(races, name):
    """What a note talks about is on the picture: no path is buried under another."""
    counts = _visible_pixels(races[name])
    for label, count in counts.items():
        assert count >= 150, (label, counts)


def test_a_smooth_path_is_drawn_over_the_noisy_ones(races):
    race = races["stochastic"]
    order = figures.draw_order(race)
    batches = [race.runners[i].trajectory.settings.batch_size for i in order]
    assert batches[-1] is None and batches[0] == 1  # batch GD on top, SGD at the bottom
    assert figures.draw_order(races["beale"]) == list(range(len(races["beale"].runners)))
