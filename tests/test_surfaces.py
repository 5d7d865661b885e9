"""Every registered surface, checked numerically: its gradient, its recorded minima, the compiled
engine's copy of it, its catalog entry, and the phenomena the lecture's three surfaces are there to
show. The tables are built from `surfaces.SURFACES`, so a new surface is tested without new code.
"""

from __future__ import annotations

import math
import re
import zlib

import numpy as np
import pytest

import optviz
import surfaces
from optviz.engine import kernels
from surfaces import Surface, catalog


def _variant(surface: Surface) -> Surface:
    """The surface with every option moved off its default, so option handling is tested too."""
    return surface.with_options(**{name: 2.0 * value + 1.0 for name, value in surface.options.items()})


SURFACES = list(surfaces.SURFACES.values())
# Each registered surface, plus a non-default variant of each surface that has options.
WITH_VARIANTS = SURFACES + [_variant(s) for s in SURFACES if s.options]


def _id(surface: Surface) -> str:
    options = ",".join(f"{k}={v:g}" for k, v in surface.options.items())
    return f"{surface.name}[{options}]" if options else surface.name


def _rng(surface: Surface) -> np.random.Generator:
    # A fixed seed per surface (and option values): failures reproduce, and no two surfaces share points.
    return np.random.default_rng(zlib.crc32(_id(surface).encode()))


def _random_points(surface: Surface, n: int) -> tuple[np.ndarray, np.ndarray]:
    (x0, x1), (y0, y1) = surface.domain
    rng = _rng(surface)
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


def _size(surface: Surface) -> float:
    (x0, x1), (y0, y1) = surface.domain
    return max(x1 - x0, y1 - y0)


def _exact_hessian(surface: Surface, x: float, y: float, h: float) -> np.ndarray:
    """The Hessian by central differences of the exact gradient."""
    gxp = np.array(surface.gradient(x + h, y))
    gxm = np.array(surface.gradient(x - h, y))
    gyp = np.array(surface.gradient(x, y + h))
    gym = np.array(surface.gradient(x, y - h))
    H = np.column_stack(((gxp - gxm) / (2.0 * h), (gyp - gym) / (2.0 * h)))
    return 0.5 * (H + H.T)


# --- the mathematics -------------------------------------------------------------------------------


@pytest.mark.parametrize("surface", WITH_VARIANTS, ids=_id)
def test_gradient_matches_central_differences(surface: Surface) -> None:
    size = _size(surface)
    h = 1e-6 * size
    p = surface.param_array
    for x, y in zip(*_random_points(surface, 50), strict=True):
        f, gx, gy = surface.function(x, y, p)
        fd_x = (surface.function(x + h, y, p)[0] - surface.function(x - h, y, p)[0]) / (2.0 * h)
        fd_y = (surface.function(x, y + h, p)[0] - surface.function(x, y - h, p)[0]) / (2.0 * h)
        # Rounding in the difference quotient is ~1e-16 |f| / h = 1e-10 |f| / size and the
        # truncation error ~h^2 f''' is smaller still; a wrong term in a gradient is off by O(|g|).
        tol = 1e-6 * (abs(gx) + abs(gy) + abs(f) / size + 1.0)
        assert abs(gx - fd_x) <= tol, f"df/dx at ({x}, {y}): formula {gx}, differences {fd_x}"
        assert abs(gy - fd_y) <= tol, f"df/dy at ({x}, {y}): formula {gy}, differences {fd_y}"


@pytest.mark.parametrize("surface", WITH_VARIANTS, ids=_id)
def test_recorded_minima_are_exact_minima(surface: Surface) -> None:
    assert surface.minima, "every surface records at least one global minimum"
    assert len(set(surface.minima)) == len(surface.minima)
    scale = max(1.0, abs(surface.min_value))
    (x0, x1), (y0, y1) = surface.domain
    for x, y in surface.minima:
        assert x0 <= x <= x1 and y0 <= y <= y1, f"minimum ({x}, {y}) lies outside the domain"
        # At a correctly rounded minimum float rounding leaves at most ~1e-14 (relative) in f and
        # in the gradient; a minimum copied from a table to 12 digits fails the gradient bound.
        assert surface(x, y) == pytest.approx(surface.min_value, rel=1e-13, abs=1e-13)
        gx, gy = surface.gradient(x, y)
        assert math.hypot(gx, gy) < 1e-12 * scale, f"gradient {gx, gy} at the minimum ({x}, {y})"
        # A stationary point could be a saddle or a maximum: the curvature must be positive.
        eigenvalues = np.linalg.eigvalsh(_exact_hessian(surface, x, y, 1e-5 * _size(surface)))
        assert eigenvalues.min() > 0.0, f"({x}, {y}) is not a minimum: Hessian eigenvalues {eigenvalues}"


@pytest.mark.parametrize("surface", WITH_VARIANTS, ids=_id)
def test_no_grid_point_is_below_the_minimum(surface: Surface) -> None:
    (x0, x1), (y0, y1) = surface.domain
    X, Y = np.meshgrid(np.linspace(x0, x1, 801), np.linspace(y0, y1, 801))
    f = optviz.evaluate(surface, X, Y)[0]
    assert np.isfinite(f).all()
    # A lower point would mean a wrong minimum (or a missing one); the slack is float rounding only.
    tol = 1e-12 * max(1.0, abs(surface.min_value), float(np.abs(f).max()) * 1e-3)
    i = np.unravel_index(np.argmin(f), f.shape)
    assert f[i] >= surface.min_value - tol, f"f({X[i]}, {Y[i]}) = {f[i]} < min_value {surface.min_value}"


@pytest.mark.parametrize("surface", WITH_VARIANTS, ids=_id)
def test_compiled_engine_matches_plain_python(surface: Surface) -> None:
    # The engine dispatches on the function's position in SURFACE_FUNCTIONS; a surface missing
    # there, or a mismatch between that tuple and the dispatch, shows up here.
    assert surface.function in kernels.SURFACE_FUNCTIONS, (
        f"add surfaces.functions.{surface.function.__name__} to optviz.engine.kernels.SURFACE_FUNCTIONS"
    )
    x, y = _random_points(surface, 200)
    f, gx, gy = optviz.evaluate(surface, x, y)
    p = surface.param_array
    ref = np.array([surface.function(xi, yi, p) for xi, yi in zip(x, y, strict=True)])
    for name, got, want in (("f", f, ref[:, 0]), ("df/dx", gx, ref[:, 1]), ("df/dy", gy, ref[:, 2])):
        # Strict IEEE in the kernels: only the last bits (e.g. of x**4) may differ.
        atol = 1e-12 * float(np.abs(want).max())
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=atol, err_msg=f"{surface.name}: {name}")


def test_evaluate_keeps_the_shape_of_its_inputs() -> None:
    X, Y = np.meshgrid(np.linspace(0.0, 1.0, 5), np.linspace(0.0, 1.0, 3))
    f, gx, gy = optviz.evaluate("booth", X, Y)
    assert f.shape == gx.shape == gy.shape == (3, 5)
    assert f[2, 4] == surfaces.get("booth")(1.0, 1.0)


# --- the catalog -----------------------------------------------------------------------------------


def test_names_are_unique_and_match_their_keys() -> None:
    # A repeated name would silently replace an earlier surface in the SURFACES dict.
    assert len(catalog._BUILT_IN) == len(surfaces.SURFACES)
    for key, surface in surfaces.SURFACES.items():
        assert key == surface.name


@pytest.mark.parametrize("surface", SURFACES, ids=_id)
def test_catalog_entry_is_complete(surface: Surface) -> None:
    (x0, x1), (y0, y1) = surface.domain
    assert all(math.isfinite(v) for v in (x0, x1, y0, y1))
    assert x0 < x1 and y0 < y1
    sx, sy = surface.start
    assert x0 < sx < x1 and y0 < sy < y1, f"start {surface.start} is not inside the domain"
    assert surface.start not in surface.minima, "a race that starts at the minimum shows nothing"
    assert math.isfinite(surface.min_value)
    assert surface.title.strip() and surface.latex.strip() and surface.description.strip()
    assert surface.tags and all(isinstance(t, str) and t.strip() for t in surface.tags)
    assert surface.group.strip()
    assert math.isfinite(surface.spread) and surface.spread > 0.0


def test_the_lecture_surfaces_are_the_three_tested_below() -> None:
    lecture = {s.name for s in SURFACES if "lecture" in s.tags}
    assert lecture == {"long_valley", "beale", "saddle"}


def test_get_unknown_surface_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown surface 'nope'") as error:
        surfaces.get("nope")
    for name in surfaces.SURFACES:
        assert name in str(error.value)


def test_get_returns_the_surface_and_passes_surfaces_through() -> None:
    beale = surfaces.get("beale")
    assert beale is surfaces.SURFACES["beale"]
    assert surfaces.get(beale) is beale
    assert surfaces.get(beale).with_options() is beale


def test_bowl_kappa_is_the_ratio_of_the_curvatures() -> None:
    bowl = surfaces.get("bowl")
    for kappa, theta in ((bowl.options["kappa"], 0.0), (100.0, 0.0), (100.0, 30.0), (4.0, -75.0)):
        surface = bowl.with_options(kappa=kappa, theta=theta)
        assert surface.options == {"kappa": kappa, "theta": theta}
        # A quadratic: central differences of the gradient give its Hessian to rounding.
        eigenvalues, vectors = np.linalg.eigh(_exact_hessian(surface, 0.3, -0.2, 1e-3))
        assert eigenvalues == pytest.approx([1.0, kappa], rel=1e-9)
        # The steep axis is v = (-sin theta, cos theta): the y axis turned by theta.
        steep = np.array([-math.sin(math.radians(theta)), math.cos(math.radians(theta))])
        assert abs(vectors[:, 1] @ steep) == pytest.approx(1.0, abs=1e-9)
    assert surfaces.get("bowl", kappa=100).options["kappa"] == 100


def test_with_options_changes_only_the_given_option() -> None:
    valley = surfaces.get("long_valley")
    steeper = valley.with_options(wall=2.0 * valley.options["wall"])
    assert steeper.options["slope"] == valley.options["slope"]
    # f = c y^2 on the line x = 0: doubling c doubles it.
    assert steeper(0.0, 1.5) == pytest.approx(2.0 * valley(0.0, 1.5), rel=1e-15)
    assert valley(0.0, 1.5) == pytest.approx(valley.options["wall"] * 1.5**2, rel=1e-15)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("bowl", {"kapa": 100.0}, "no option 'kapa'.*kappa, theta"),
        ("beale", {"kappa": 2.0}, "no option 'kappa'.*none"),
        ("bowl", {"kappa": math.nan}, "kappa must be finite"),
        ("bowl", {"kappa": True}, "kappa must be a number"),
        ("bowl", {"kappa": "100"}, "kappa must be a number"),
        # A bowl with kappa <= 0 is not bounded below, so its recorded minimum would be wrong; below 1
        # it is the same bowl turned by 90 degrees.
        ("bowl", {"kappa": -1.0}, re.escape("kappa must be in [1, ∞)")),
        ("bowl", {"kappa": 0.5}, re.escape("kappa must be in [1, ∞)")),
        ("long_valley", {"wall": 0.0}, re.escape("wall must be in (0, ∞)")),
        ("long_valley", {"slope": -1.0}, re.escape("slope must be in (0, ∞)")),
    ],
)
def test_bad_options_are_refused(name: str, options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        surfaces.get(name, **options)


# --- the lecture's phenomena -----------------------------------------------------------------------

ETA = 0.01  # the default learning rate of batch GD, SGD, mini-batch GD and momentum


def test_long_valley_gradient_descent_zigzags_and_momentum_is_far_faster() -> None:
    gd = optviz.run("batch_gd", "long_valley", lr=ETA, steps=3000)
    momentum = optviz.run("momentum", "long_valley", lr=ETA, steps=3000)
    y = gd.xy[:, 1]
    # Zig-zag: y changes sign at every one of the first 10 steps...
    assert np.all(y[1:11] * y[:10] < 0.0), y[:11]
    # ...and the first bounce is visible on the plot, not a ripple on the valley's axis.
    assert y[0] == 2.0 and y[1] < -0.5
    # Along the floor gradient descent moves eta * slope = 0.01 per step: ~2000 steps for the 18
    # units; momentum, at up to ten times that, arrives within the app's default race of 300.
    gd_steps = gd.steps_to(1e-3)
    momentum_steps = momentum.steps_to(1e-3)
    assert gd_steps is not None and gd_steps > 1500
    assert momentum_steps is not None and momentum_steps < 300
    assert gd_steps > 5 * momentum_steps
    assert gd.diverged_at is None and momentum.diverged_at is None


def _steps_near_origin(trajectory: optviz.Trajectory, radius: float) -> int:
    return int(np.sum(np.hypot(trajectory.xy[:, 0], trajectory.xy[:, 1]) < radius))


def _escape_step(trajectory: optviz.Trajectory) -> int | None:
    """The first iterate past |y| = 0.5, halfway from the saddle to a minimum."""
    beyond = np.flatnonzero(np.abs(trajectory.xy[:, 1]) > 0.5)
    return int(beyond[0]) if beyond.size else None


def test_saddle_gradient_descent_lingers_and_momentum_and_adam_leave_sooner() -> None:
    gd = optviz.run("batch_gd", "saddle", lr=ETA, steps=1000)
    momentum = optviz.run("momentum", "saddle", lr=ETA, steps=1000)
    adam = optviz.run("adam", "saddle", lr=ETA, steps=1000)
    # From (-1.8, 0.001) gradient descent slides into the saddle (x shrinks by 1 - 2 eta per step)
    # and y grows only by 1 + 2 eta per step: it spends ~200 iterates within 0.3 of the origin.
    assert _steps_near_origin(gd, 0.3) > 150
    assert _steps_near_origin(momentum, 0.3) < 50
    assert _steps_near_origin(adam, 0.3) < 50
    gd_escape = _escape_step(gd)
    assert gd_escape is not None and gd_escape > 250
    for fast in (momentum, adam):
        escape = _escape_step(fast)
        assert escape is not None and escape < 100 and 2 * escape < gd_escape
    # All of them do get out in the end and settle in a minimum (0, +-1).
    for trajectory in (gd, momentum, adam):
        assert trajectory.loss[-1] == pytest.approx(-0.5, abs=1e-6)


def test_beale_adam_converges_to_the_minimum_from_the_default_start() -> None:
    adam = optviz.run("adam", "beale", lr=0.05, steps=2000)
    assert adam.settings.start == (1.0, 1.4)
    assert np.allclose(adam.xy[-1], (3.0, 0.5), atol=1e-8), adam.xy[-1]
    assert adam.loss[-1] < 1e-12
    # Plain gradient descent at its default rate, same budget, is still crossing the flat floor.
    gd = optviz.run("batch_gd", "beale", lr=ETA, steps=2000)
    assert gd.loss[-1] > 1e4 * adam.loss[-1]
