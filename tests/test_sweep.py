"""Stability maps: every cell is the single run it stands for, and known boundaries sit where
theory puts them."""

from __future__ import annotations

import numpy as np
import pytest

import optviz
import surfaces
from optviz.sweep import MAX_CELLS_PER_SIDE, Axis, sweep


def _run_cell(m, i, j):
    kwargs = m.cell_settings(i, j)
    return optviz.run(kwargs.pop("optimizer"), kwargs.pop("surface"), **kwargs)


@pytest.mark.parametrize(
    ("optimizer", "surface", "x", "y", "settings"),
    [
        ("adam", "beale", ("lr", 1e-3, 0.5, 16), ("beta1", 0.0, 0.99, 12, "linear"), {}),
        ("momentum", "rosenbrock", ("lr", 1e-4, 1e-2, 9), ("gamma", 0.5, 0.99, 7, "linear"), {}),
        ("rmsprop", "saddle", ("eps", 1e-10, 1e-2, 8), ("lr", 1e-3, 0.1, 6), {"eps_placement": "outside"}),
        ("sgd", "line_fit", ("lr", 1e-3, 0.3, 8), ("batch_size", 1, 50, 6, "linear"), {"seed": 4}),
    ],
)
def test_every_sampled_cell_equals_the_single_run(optimizer, surface, x, y, settings):
    m = sweep(optimizer, surface, x, y, steps=120, **settings)
    rng = np.random.default_rng(1)
    cells = [(0, 0), (m.x.size - 1, m.y.size - 1)] + [
        (int(rng.integers(m.x.size)), int(rng.integers(m.y.size))) for _ in range(6)
    ]
    for i, j in cells:
        r = _run_cell(m, i, j)
        assert r.loss[-1] == m.final_loss[j, i]
        assert (r.diverged_at if r.diverged_at is not None else -1) == m.diverged_at[j, i]
        assert m.distance[j, i] == surfaces.get(surface).distance_to_minimum(r.xy[-1])


def test_gradient_descent_diverges_exactly_above_two_over_the_largest_curvature():
    # On the bowl (u^2 + kappa v^2) / 2 the largest curvature is L = kappa: plain gradient descent
    # contracts for eta < 2 / L and grows for eta > 2 / L.
    kappa = 25.0
    bowl = surfaces.get("bowl", kappa=kappa)
    m = sweep(
        "batch_gd", bowl, ("lr", 0.02, 0.12, 101, "linear"), ("gamma", 0.0, 0.1, 2, "linear"), steps=500
    )
    start = np.hypot(*bowl.start)
    unstable = m.diverged[0] | (m.distance[0] > start)
    lr = m.x.values
    first_unstable = lr[np.argmax(unstable)]
    step = lr[1] - lr[0]
    assert unstable.any() and not unstable[0]
    assert np.all(unstable[lr > 2 / kappa + step]) and not np.any(unstable[lr < 2 / kappa - step])
    assert abs(first_unstable - 2 / kappa) <= step


def test_momentum_stable_region_matches_the_quadratic_condition():
    # Heavy ball on a quadratic with curvature lam is stable iff 0 < eta lam < 2 (1 + gamma).
    kappa = 10.0
    bowl = surfaces.get("bowl", kappa=kappa)
    m = sweep(
        "momentum", bowl, ("lr", 0.05, 0.5, 60, "linear"), ("gamma", 0.0, 0.9, 46, "linear"), steps=2000
    )
    lr, gamma = np.meshgrid(m.x.values, m.y.values)
    theory_unstable = lr * kappa > 2 * (1 + gamma)
    unstable = m.diverged | (m.distance > np.hypot(*bowl.start))
    step = m.x.values[1] - m.x.values[0]
    # Cells farther than one cell from the boundary agree exactly.
    margin = np.abs(lr * kappa - 2 * (1 + gamma)) > kappa * step
    assert np.array_equal(unstable[margin], theory_unstable[margin])
    assert theory_unstable.any() and (~theory_unstable).any()


def test_a_batch_size_axis_runs_each_size_once_per_cell():
    m = sweep("minibatch_gd", "line_fit", ("lr", 0.01, 0.2, 5), ("batch_size", 1, 50, 5, "linear"), steps=80)
    assert set(m.y.values) == {1.0, 13.0, 26.0, 38.0, 50.0}
    assert m.final_loss.shape == (5, 5)


@pytest.mark.parametrize(
    ("axis", "message"),
    [
        (("lr", 1.0, 0.1), "min < max"),
        (("lr", 0.1, 0.1), "min < max"),
        (("lr", 0.0, 1.0, 8, "log"), "positive minimum"),
        (("lr", -1.0, 1.0, 8, "log"), "positive minimum"),
        (("lr", 1e-3, 1.0, MAX_CELLS_PER_SIDE + 1), "between 2 and 512"),
        (("lr", 1e-3, 1.0, 1), "between 2 and 512"),
        (("lr", 1e-3, float("nan")), "finite"),
        (("lr", 1e-3, 1.0, 8, "cubic"), "'log' or 'linear'"),
        (("start", 0.0, 1.0), "cannot sweep"),
        (("batch_size", 0, 10, 4, "linear"), "start at 1"),
    ],
)
def test_bad_axes_are_refused_with_a_clear_message(axis, message):
    with pytest.raises(ValueError, match=message):
        Axis(*axis)


def test_bad_sweeps_are_refused():
    with pytest.raises(ValueError, match="different hyperparameters"):
        sweep("adam", "beale", ("lr", 1e-3, 1.0, 4), ("lr", 1e-3, 1.0, 4))
    with pytest.raises(ValueError, match="is swept"):
        sweep("adam", "beale", ("lr", 1e-3, 1.0, 4), ("beta1", 0.1, 0.9, 4, "linear"), lr=0.1)
    with pytest.raises(ValueError, match="gamma must be in"):
        sweep("momentum", "beale", ("lr", 1e-3, 1.0, 4), ("gamma", 0.5, 1.5, 4, "linear"))
    with pytest.raises(ValueError, match="unknown optimizer"):
        sweep("no_such_optimizer", "beale", ("lr", 1e-3, 1.0, 4), ("beta1", 0.1, 0.9, 4, "linear"))
