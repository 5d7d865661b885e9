"""Every preset is valid, shareable, and still shows the phenomenon its note tells students to watch."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import surfaces
from optviz.optimizers import LECTURE_OPTIMIZERS
from optviz.presets import DEFAULT, PRESETS, matching
from optviz.race import Race, Runner, run_race
from optviz.settings_url import from_query, race_config, to_query


def _race(name: str) -> Race:
    return run_race(race_config(PRESETS[name].settings))


def _runner(race: Race, label: str) -> Runner:
    return next(r for r in race.runners if r.label == label)


def _reached(runner: Runner, tol: float = 1e-3) -> int | None:
    return runner.trajectory.steps_to(tol)


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_survives_the_url_and_is_recognised(name):
    settings = PRESETS[name].settings
    assert from_query(to_query(settings)) == (settings, ())
    assert matching(settings) == name
    assert matching(replace(settings, steps=settings.steps + 1)) is None


def test_the_lectures_slides_come_first_and_the_app_opens_on_the_first():
    names = list(PRESETS)
    assert [PRESETS[n].settings.surface for n in names[:3]] == ["long_valley", "beale", "saddle"]
    assert {PRESETS[n].settings.surface for n in names[3:]} >= {"rosenbrock", "himmelblau", "bowl"}
    assert DEFAULT is PRESETS[names[0]]
    for name in names[:3]:
        assert [c.optimizer for c in PRESETS[name].settings.competitors] == list(LECTURE_OPTIMIZERS)


def test_only_the_bowls_too_large_step_diverges():
    for name in PRESETS:
        diverged = [r.label for r in _race(name).runners if r.trajectory.diverged_at is not None]
        assert diverged == (["Batch GD (eta=0.09)"] if name == "bowl" else []), name


def test_long_valley_gd_zigzags_and_crawls_while_momentum_runs_along_the_floor():
    race = _race("long_valley")
    gd, momentum = _runner(race, "Batch GD").trajectory, _runner(race, "Momentum").trajectory
    y = gd.xy[:16, 1]
    assert (np.sign(y[1:]) != np.sign(y[:-1])).all()  # wall to wall at every step
    assert abs(y[15]) > 0.2  # and still bouncing
    assert _reached(_runner(race, "Batch GD")) is None and gd.xy[-1, 0] < -3.0  # still far up the floor
    assert _reached(_runner(race, "Momentum")) is not None
    assert momentum.xy[60, 0] > gd.xy[60, 0] + 3.0  # ahead along the floor
    for label in ("Adagrad", "RMSProp", "Adam"):
        assert _reached(_runner(race, label)) is not None, label


def test_beale_adaptive_methods_cross_the_flat_floor_gd_crawls():
    race = _race("beale")
    for label in ("Adagrad", "RMSProp", "Adam"):
        assert _reached(_runner(race, label)) is not None, label
    gd = _runner(race, "Batch GD")
    assert _reached(gd) is None
    assert gd.trajectory.loss[-1] > 5 * _runner(race, "Adam").trajectory.loss[-1] + 1e-3
    # GD's eta is the largest that works: a few times larger diverges on the steep walls.
    s = PRESETS["beale"].settings
    faster = replace(s, competitors=(replace(s.competitors[0], lr=0.05),))
    assert run_race(race_config(faster)).runners[0].trajectory.diverged_at is not None


def test_saddle_gd_lingers_at_the_saddle_adaptive_methods_leave_at_once():
    race = _race("saddle")

    def steps_near_saddle(label: str) -> int:
        xy = _runner(race, label).trajectory.xy
        return int((np.hypot(xy[:, 0], xy[:, 1]) < 0.1).sum())

    def off_the_ridge(label: str) -> int:
        """The first step at which the runner is well away from the ridge y = 0."""
        return int(np.argmax(np.abs(_runner(race, label).trajectory.xy[:, 1]) > 0.5))

    assert steps_near_saddle("Batch GD") >= 15
    for label in ("RMSProp", "Adam", "Adagrad"):
        assert steps_near_saddle(label) == 0, label
        assert off_the_ridge(label) <= 15, label
    leave = {r.label: off_the_ridge(r.label) for r in race.runners}
    assert max(leave, key=leave.get) == "Batch GD"  # the last to leave
    assert leave["SGD"] < leave["Batch GD"] and leave["Momentum"] < leave["Batch GD"]
    # Everyone ends in one of the two minima.
    for runner in race.runners:
        assert race.surface.distance_to_minimum(runner.trajectory.xy[-1]) < 0.05, runner.label


def test_rosenbrock_finding_the_valley_is_easy_following_it_is_hard():
    race = _race("rosenbrock")
    for runner in race.runners:
        t = runner.trajectory
        assert (t.loss[:15] < 5.0).any(), runner.label  # on the valley floor within a few steps
        assert race.surface.distance_to_minimum(t.xy[100]) > 0.5, runner.label  # far from (1, 1)
    for label in ("Momentum", "Adam"):
        assert _reached(_runner(race, label)) is not None, label
    for label in ("Batch GD", "Adagrad"):
        assert _reached(_runner(race, label)) is None, label


def test_himmelblau_runners_from_one_start_end_in_all_four_basins():
    race = _race("himmelblau")
    minima = np.array(race.surface.minima)
    start = np.array(PRESETS["himmelblau"].settings.start)
    basin = {}
    for runner in race.runners:
        end = runner.trajectory.xy[-1]
        assert race.surface.distance_to_minimum(end) < 1e-3, runner.label
        basin[runner.label] = minima[np.argmin(np.hypot(*(minima - end).T))]
    assert len({tuple(m) for m in basin.values()}) == 4
    nearest = minima[np.argmin(np.hypot(*(minima - start).T))]
    assert tuple(basin["Batch GD"]) == tuple(nearest)  # plain descent: the nearest basin
    for label in ("Momentum", "Nesterov"):
        assert basin[label][0] > 0 > start[0], label  # carried over the ridges to the far side
    assert tuple(basin["RMSProp"]) == tuple(basin["Adam"])


def test_bowl_gd_is_stable_below_two_over_kappa_and_the_adaptive_methods_go_straight():
    race = _race("bowl")
    kappa = dict(PRESETS["bowl"].settings.surface_options)["kappa"]
    stable, unstable = race.runners[0], race.runners[1]
    assert stable.competitor.lr < 2 / kappa < unstable.competitor.lr
    assert unstable.trajectory.diverged_at is not None
    y = stable.trajectory.xy[:10, 1]
    assert (np.sign(y[1:]) != np.sign(y[:-1])).all()  # zig-zag across the narrow direction
    for label in ("RMSProp", "Adam"):
        xy = _runner(race, label).trajectory.xy
        assert _reached(_runner(race, label)) is not None
        assert np.abs(xy[:, 1]).max() <= abs(xy[0, 1]) + 1e-9  # never overshoots across the narrow axis
    # Turned by 45 degrees, the per-coordinate rescaling no longer matches the bowl's axes.
    s = PRESETS["bowl"].settings
    turned = run_race(race_config(replace(s, surface_options=(("kappa", kappa), ("theta", 45.0)))))
    assert _reached(_runner(turned, "RMSProp")) is None or _reached(_runner(turned, "RMSProp")) > _reached(
        _runner(race, "RMSProp")
    )


def test_presets_use_known_surfaces_and_starts_inside_the_map():
    for preset in PRESETS.values():
        s = preset.settings
        (x0, x1), (y0, y1) = surfaces.SURFACES[s.surface].domain
        assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1, preset.name
        assert preset.watch and preset.title
