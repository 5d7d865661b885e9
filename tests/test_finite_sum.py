"""The finite-sum form of every surface: the examples average to the surface exactly, the line fit's
examples are its data points, and the batch schedule is the lecture's (without replacement within
an epoch, reshuffled every epoch). Also checked through `optviz.run`, which builds on them.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import optviz
import surfaces
from optviz.engine.batches import batch_means, batch_order
from surfaces import Surface

SURFACES = list(surfaces.SURFACES.values())


def _id(surface: Surface) -> str:
    return surface.name


def _random_points(surface: Surface, n: int) -> list[tuple[float, float]]:
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(zlib.crc32(surface.name.encode()))
    return list(zip(rng.uniform(x0, x1, n).tolist(), rng.uniform(y0, y1, n).tolist(), strict=True))


def _terms(ex: surfaces.Examples) -> np.ndarray:
    """Each example's (dxx, dxy, dyy, ax, ay), the columns `batch_means` averages."""
    return np.column_stack((ex.D, ex.a))


# --- the examples average to the surface -----------------------------------------------------------


@pytest.mark.parametrize("surface", SURFACES, ids=_id)
def test_mean_of_example_gradients_is_the_exact_gradient(surface: Surface) -> None:
    ex = surfaces.examples(surface, seed=3)
    for x, y in _random_points(surface, 20):
        grads = ex.gradients(surface, x, y)
        assert grads.shape == (ex.n, 2)
        exact = np.array(surface.gradient(x, y))
        # The per-example terms sum to zero up to rounding of terms of size spread * (1 + |w|).
        atol = 1e-12 * (1.0 + np.abs(grads).max()) * (1.0 + abs(x) + abs(y))
        np.testing.assert_allclose(grads.mean(axis=0), exact, rtol=1e-12, atol=atol)
        # The examples really differ (else SGD would be batch GD): the spread is not lost.
        assert np.ptp(grads[:, 0]) > 0.0 and np.ptp(grads[:, 1]) > 0.0


@pytest.mark.parametrize("surface", SURFACES, ids=_id)
def test_mean_of_example_losses_is_the_surface(surface: Surface) -> None:
    ex = surfaces.examples(surface, seed=4)
    for x, y in _random_points(surface, 20):
        losses = ex.losses(surface, x, y)
        assert losses.shape == (ex.n,)
        atol = 1e-12 * (1.0 + np.abs(losses).max()) * (1.0 + abs(x) + abs(y))
        assert losses.mean() == pytest.approx(surface(x, y), rel=1e-12, abs=atol)


@pytest.mark.parametrize("surface", SURFACES, ids=_id)
def test_example_gradient_is_the_gradient_of_the_example_loss(surface: Surface) -> None:
    ex = surfaces.examples(surface, seed=5)
    h = 1e-6
    for x, y in _random_points(surface, 5):
        grads = ex.gradients(surface, x, y)
        fd_x = (ex.losses(surface, x + h, y) - ex.losses(surface, x - h, y)) / (2.0 * h)
        fd_y = (ex.losses(surface, x, y + h) - ex.losses(surface, x, y - h)) / (2.0 * h)
        scale = 1.0 + np.abs(grads).max() + np.abs(ex.losses(surface, x, y)).max()
        np.testing.assert_allclose(grads, np.column_stack((fd_x, fd_y)), rtol=1e-5, atol=1e-5 * scale)


def test_line_fit_examples_are_the_data_points_squared_errors() -> None:
    surface = surfaces.get("line_fit")
    assert surface.data is not None
    t, y = surface.data
    ex = surfaces.examples(surface)
    assert ex.n == len(t) == 50
    for w0, w1 in _random_points(surface, 20):
        residual = w0 + w1 * t - y
        # E_n = (w0 + w1 t_n - y_n)^2 / 2, with gradient residual_n * (1, t_n).
        scale = 1e-12 * (1.0 + (residual**2).max())
        np.testing.assert_allclose(ex.losses(surface, w0, w1), 0.5 * residual**2, rtol=1e-10, atol=scale)
        np.testing.assert_allclose(
            ex.gradients(surface, w0, w1), np.column_stack((residual, residual * t)), rtol=1e-10, atol=scale
        )
        assert surface(w0, w1) == pytest.approx(0.5 * np.mean(residual**2), rel=1e-12)


def test_line_fit_has_a_fixed_data_set() -> None:
    surface = surfaces.get("line_fit")
    # The data set does not depend on the seed or the spread: those are for the synthetic examples.
    a = surfaces.examples(surface, seed=1, spread=5.0)
    b = surfaces.examples(surface, seed=2)
    assert np.array_equal(a.a, b.a) and np.array_equal(a.D, b.D)
    assert surfaces.examples(surface, n_examples=50).n == 50
    with pytest.raises(ValueError, match=r"n_examples.*fixed data set of 50"):
        surfaces.examples(surface, n_examples=10)


def test_examples_depend_on_seed_spread_and_n() -> None:
    beale = surfaces.get("beale")
    ex = surfaces.examples(beale, seed=0)
    assert ex.n == 100 and ex.a.shape == (100, 2)
    assert np.array_equal(ex.a, surfaces.examples(beale, seed=0).a)
    assert not np.array_equal(ex.a, surfaces.examples(beale, seed=1).a)
    assert surfaces.examples(beale, n_examples=7).n == 7
    # The spread scales the examples' offsets a_n (same draw, same seed).
    wide = surfaces.examples(beale, spread=2.0 * beale.spread, seed=0)
    np.testing.assert_allclose(wide.a, 2.0 * ex.a, rtol=1e-12, atol=1e-15)
    assert not np.any(surfaces.examples(beale, spread=0.0).a)
    # The default spread is the surface's own, in gradient units.
    assert np.std(ex.a) == pytest.approx(beale.spread, rel=0.2)


# --- the batch schedule ----------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "batch_size"), [(100, 1), (100, 10), (100, 7), (100, 100), (50, 13), (5, 4)])
def test_batch_means_are_the_means_over_batch_order(n: int, batch_size: int) -> None:
    ex = surfaces.examples(surfaces.get("beale"), n_examples=n, seed=2)
    line = surfaces.examples(surfaces.get("line_fit"))
    for examples in (ex, line) if n == 50 else (ex,):
        terms = _terms(examples)
        steps = 37
        means = batch_means(examples, batch_size, steps, seed=9)
        order = batch_order(examples.n, batch_size, steps, seed=9)
        assert means.shape == (steps, 5) and len(order) == steps
        want = np.array([terms[idx].mean(axis=0) for idx in order])
        np.testing.assert_allclose(means, want, rtol=1e-12, atol=1e-14 * np.abs(terms).max())


def test_each_epoch_partitions_the_examples_and_is_reshuffled() -> None:
    n, batch_size = 23, 5
    epochs = 4
    order = batch_order(n, batch_size, 5 * epochs, seed=11)
    # 23 = 4 * 5 + 3: the last batch of every epoch holds the 3 examples left over.
    assert [len(idx) for idx in order] == [5, 5, 5, 5, 3] * epochs
    shuffles = [np.concatenate(order[5 * e : 5 * e + 5]) for e in range(epochs)]
    for shuffle in shuffles:
        # Without replacement: every example exactly once per epoch.
        assert np.array_equal(np.sort(shuffle), np.arange(n))
    # A new order every epoch (two equal permutations of 23 would be a 1 in 23! chance).
    for e in range(1, epochs):
        assert not np.array_equal(shuffles[e], shuffles[0])
    assert not np.array_equal(shuffles[0], np.arange(n)), "the first epoch must be shuffled too"


def test_one_epoch_of_batches_averages_to_the_full_batch() -> None:
    ex = surfaces.examples(surfaces.get("rosenbrock"), n_examples=30, seed=6)
    sizes = np.array([len(idx) for idx in batch_order(30, 8, 4, seed=1)])
    assert sizes.tolist() == [8, 8, 8, 6]
    # Weighted by batch size, one epoch of batch gradients is the exact gradient: the a_n sum to 0.
    epoch_sum = (batch_means(ex, 8, 4, seed=1) * sizes[:, None]).sum(axis=0)
    np.testing.assert_allclose(epoch_sum, 0.0, atol=1e-12 * np.abs(ex.a).max())


def test_batch_order_depends_on_the_seed_only() -> None:
    a = batch_order(40, 6, 25, seed=123)
    b = batch_order(40, 6, 25, seed=123)
    c = batch_order(40, 6, 25, seed=124)
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c, strict=True))
    ex = surfaces.examples(surfaces.get("booth"), n_examples=40)
    assert np.array_equal(batch_means(ex, 6, 25, seed=123), batch_means(ex, 6, 25, seed=123))
    assert not np.array_equal(batch_means(ex, 6, 25, seed=123), batch_means(ex, 6, 25, seed=124))


@pytest.mark.parametrize("batch_size", [0, -1, 101, 2.5, True, "10", None])
def test_bad_batch_size_is_refused(batch_size: object) -> None:
    ex = surfaces.examples(surfaces.get("beale"))
    with pytest.raises(ValueError, match="batch_size"):
        batch_means(ex, batch_size, 10, seed=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size"):
        batch_order(ex.n, batch_size, 10, seed=0)  # type: ignore[arg-type]


@pytest.mark.parametrize("n_examples", [0, -5, 2.5, True, "100"])
def test_bad_n_examples_is_refused(n_examples: object) -> None:
    with pytest.raises(ValueError, match="n_examples"):
        surfaces.examples(surfaces.get("beale"), n_examples=n_examples)  # type: ignore[arg-type]


@pytest.mark.parametrize("spread", [-1.0, float("nan"), float("inf"), "1", True])
def test_bad_spread_is_refused(spread: object) -> None:
    with pytest.raises(ValueError, match="spread"):
        surfaces.examples(surfaces.get("beale"), spread=spread)  # type: ignore[arg-type]


def test_bad_steps_is_refused() -> None:
    ex = surfaces.examples(surfaces.get("beale"))
    with pytest.raises(ValueError, match="steps"):
        batch_means(ex, 10, -1, seed=0)
    with pytest.raises(ValueError, match="steps"):
        batch_order(ex.n, 10, 1.5, seed=0)  # type: ignore[arg-type]


# --- through the public API ------------------------------------------------------------------------


@pytest.mark.parametrize("surface", SURFACES, ids=_id)
def test_batch_of_all_examples_is_batch_gradient_descent(surface: Surface) -> None:
    full = optviz.run("batch_gd", surface.name)
    n = full.settings.n_examples
    for optimizer in ("batch_gd", "minibatch_gd"):
        every = optviz.run(optimizer, surface.name, batch_size=n)
        for field in ("xy", "loss", "grad", "rate"):
            assert np.array_equal(getattr(every, field), getattr(full, field)), (optimizer, field)


def _gentle_lr(surface: Surface) -> float:
    """A rate whose first step moves ~1% of the domain, so that SGD stays within every surface's
    bounds and whole trajectories are compared (Goldstein-Price's start has a gradient of ~1e6)."""
    (x0, x1), (y0, y1) = surface.domain
    gx, gy = surface.gradient(*surface.start)
    return 0.01 * max(x1 - x0, y1 - y0) / (math.hypot(gx, gy) + 3.0 * surface.spread)


@pytest.mark.parametrize("surface", SURFACES, ids=_id)
def test_sgd_is_reproducible_by_seed(surface: Surface) -> None:
    lr = _gentle_lr(surface)
    a = optviz.run("sgd", surface.name, seed=5, lr=lr)
    b = optviz.run("sgd", surface.name, seed=5, lr=lr)
    c = optviz.run("sgd", surface.name, seed=6, lr=lr)
    assert a.diverged_at is None
    assert np.array_equal(a.xy, b.xy) and np.array_equal(a.grad, b.grad)
    assert not np.array_equal(a.xy, c.xy)
    assert not np.array_equal(a.grad[0], c.grad[0])


@pytest.mark.parametrize(("name", "batch_size"), [("beale", 1), ("line_fit", 1), ("line_fit", 8)])
def test_run_uses_the_scheduled_batch_gradients(name: str, batch_size: int) -> None:
    surface = surfaces.get(name)
    seed = 21
    run = optviz.run("minibatch_gd", name, steps=30, batch_size=batch_size, seed=seed)
    ex = surfaces.examples(surface, seed=seed)
    order = batch_order(ex.n, batch_size, 31, seed=seed)
    # The gradient recorded at iterate k is the mean of the per-example gradients of batch k there.
    for k in range(31):
        x, y = run.xy[k]
        want = ex.gradients(surface, x, y)[order[k]].mean(axis=0)
        np.testing.assert_allclose(run.grad[k], want, rtol=1e-10, atol=1e-12)
