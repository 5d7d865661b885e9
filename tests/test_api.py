"""The public API: every bad input is a ValueError naming the parameter (and what is allowed); a
result is frozen, shaped as documented, starts at its start, takes the registry's defaults, ignores
hyperparameters its optimizer does not use, and carries settings that reproduce it exactly."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

import optviz
import surfaces

# ---------------------------------------------------------------------------------------------
# Bad inputs
#
# (keyword arguments, words the message must contain). The optimizer is adam on beale unless the
# case says otherwise; every case is tried on both `run` and `run_many`.

BAD: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("unknown optimizer", {"optimizer": "adamm"}, ("optimizer", "'adamm'", "adam", "rmsprop", "lion")),
    ("optimizer not a string", {"optimizer": 3}, ("optimizer", "adam")),
    ("unknown surface", {"surface": "beal"}, ("surface", "'beal'", "beale", "rosenbrock", "saddle")),
    ("surface not a string", {"surface": None}, ("surface", "beale")),
    ("steps 0", {"steps": 0}, ("steps", "1")),
    ("steps negative", {"steps": -5}, ("steps", "1")),
    ("steps fractional", {"steps": 2.5}, ("steps", "whole")),
    ("steps bool", {"steps": True}, ("steps",)),
    ("steps string", {"steps": "100"}, ("steps",)),
    ("lr 0", {"lr": 0.0}, ("lr", "(0, ∞)")),
    ("lr negative", {"lr": -0.1}, ("lr", "(0, ∞)")),
    ("lr nan", {"lr": math.nan}, ("lr", "finite")),
    ("lr inf", {"lr": math.inf}, ("lr", "finite")),
    ("lr string", {"lr": "fast"}, ("lr",)),
    ("lr bool", {"lr": True}, ("lr",)),
    ("gamma 1", {"optimizer": "momentum", "gamma": 1.0}, ("gamma", "[0, 1)")),
    ("gamma negative", {"optimizer": "momentum", "gamma": -0.1}, ("gamma", "[0, 1)")),
    ("gamma above 1", {"optimizer": "rmsprop", "gamma": 1.5}, ("gamma", "[0, 1)")),
    ("beta1 1", {"beta1": 1.0}, ("beta1", "[0, 1)")),
    ("beta1 negative", {"beta1": -0.5}, ("beta1", "[0, 1)")),
    ("beta2 1", {"beta2": 1.0}, ("beta2", "[0, 1)")),
    ("beta2 above 1", {"beta2": 2.0}, ("beta2", "[0, 1)")),
    ("eps negative", {"eps": -1e-8}, ("eps", "[0, ∞)")),
    ("eps nan", {"eps": math.nan}, ("eps", "finite")),
    ("weight_decay negative", {"optimizer": "adamw", "weight_decay": -0.01}, ("weight_decay", "[0, ∞)")),
    ("eps_placement", {"eps_placement": "middle"}, ("eps_placement", "inside", "outside")),
    ("eps_placement case", {"eps_placement": "Inside"}, ("eps_placement", "inside", "outside")),
    ("batch_size 0", {"batch_size": 0}, ("batch_size", "1", "100")),
    ("batch_size above N", {"batch_size": 101}, ("batch_size", "1", "100")),
    ("batch_size above given N", {"batch_size": 21, "n_examples": 20}, ("batch_size", "1", "20")),
    ("batch_size above line_fit's N", {"surface": "line_fit", "batch_size": 51}, ("batch_size", "1", "50")),
    ("batch_size fractional", {"batch_size": 2.5}, ("batch_size",)),
    ("batch_size word", {"batch_size": "half"}, ("batch_size",)),
    ("unknown keyword", {"momentum": 0.9}, ("momentum",)),
    ("misspelt keyword", {"learning_rate": 0.1}, ("learning_rate",)),
    ("seed negative", {"seed": -1}, ("seed",)),
    ("n_examples 0", {"n_examples": 0}, ("n_examples",)),
    ("spread negative", {"spread": -1.0}, ("spread", ">= 0")),
]


def call(fn: str, kwargs: dict[str, Any]) -> Any:
    kw = {"optimizer": "adam", "surface": "beale", "steps": 10, **kwargs}
    if fn == "run_many" and "start" in kw:
        kw["starts"] = kw.pop("start")
    return getattr(optviz, fn)(**kw)


@pytest.mark.parametrize("fn", ["run", "run_many"])
@pytest.mark.parametrize(("case", "kwargs", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_parameter(
    fn: str, case: str, kwargs: dict[str, Any], words: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError) as error:
        call(fn, kwargs)
    message = str(error.value)
    for word in words:
        assert word in message, f"{case}: {message!r} lacks {word!r}"


@pytest.mark.parametrize(
    ("start", "words"),
    [
        ((math.nan, 1.0), ("start", "finite")),
        ((1.0, math.inf), ("start", "finite")),
        ((1.0, 2.0, 3.0), ("start", "pair")),
        ((1.0,), ("start", "pair")),
        (5.0, ("start", "pair")),
        ("ab", ("start",)),
        (("1", "2"), ("start",)),
        ((None, 1.0), ("start",)),
        # Far outside the surface's bounds: no first iterate to show, the start itself is invalid.
        ((1e6, 1e6), ("start",)),
    ],
    ids=["nan", "inf", "three", "one", "number", "string", "strings", "none", "out-of-bounds"],
)
def test_bad_start_names_start(start: Any, words: tuple[str, ...]) -> None:
    with pytest.raises(ValueError) as error:
        optviz.run("adam", "beale", start=start, steps=5)
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize(
    "starts",
    [[[math.nan, 1.0]], [1.0, 2.0, 3.0], np.zeros((2, 3)), np.zeros((2, 2, 2)), "ab", [["a", "b"]]],
    ids=["nan", "three", "n-by-3", "3-d", "string", "strings"],
)
def test_run_many_bad_starts_name_starts(starts: Any) -> None:
    with pytest.raises(ValueError, match="starts"):
        optviz.run_many("adam", "beale", starts, steps=5)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"lr": [0.1, -0.1]}, ("lr", "(0, ∞)")),
        ({"lr": [0.1, math.nan]}, ("lr", "finite")),
        ({"lr": [[0.1, 0.2]]}, ("lr", "1-D")),
        ({"lr": ["a", "b"]}, ("lr",)),
        ({"optimizer": "momentum", "gamma": [0.5, 1.0]}, ("gamma", "[0, 1)")),
        ({"beta2": [0.9, 1.2]}, ("beta2", "[0, 1)")),
        ({"eps": [1e-8, -1.0]}, ("eps", "[0, ∞)")),
        ({"starts": [[1.0, 1.0], [2.0, 2.0]], "lr": [0.1, 0.2, 0.3]}, ("same length",)),
    ],
    ids=[
        "lr-negative",
        "lr-nan",
        "lr-2d",
        "lr-strings",
        "gamma-1",
        "beta2-above-1",
        "eps-negative",
        "lengths",
    ],
)
def test_run_many_bad_arrays_name_the_parameter(kwargs: dict[str, Any], words: tuple[str, ...]) -> None:
    kw = {"optimizer": "adam", "surface": "beale", "steps": 5, **kwargs}
    with pytest.raises(ValueError) as error:
        optviz.run_many(**kw)
    for word in words:
        assert word in str(error.value)


def test_steps_upper_limits() -> None:
    with pytest.raises(ValueError, match="steps"):
        optviz.run("adam", "beale", steps=optviz.api.MAX_STEPS + 1)
    with pytest.raises(ValueError, match="steps"):
        optviz.run_many("adam", "beale", steps=10**12)
    # The limits themselves are allowed.
    assert optviz.run("adam", "beale", steps=optviz.api.MAX_STEPS).xy.shape == (optviz.api.MAX_STEPS + 1, 2)
    assert optviz.run("adam", "beale", steps=1).xy.shape == (2, 2)


def test_run_many_limits_total_work() -> None:
    starts = np.tile((1.0, 1.4), (20_000, 1))
    with pytest.raises(ValueError, match="runs x steps"):
        optviz.run_many("adam", "beale", starts, steps=10**7)


def test_unknown_optimizer_lists_every_known_one() -> None:
    with pytest.raises(ValueError) as error:
        optviz.run("sgdm", "beale")
    for name in optviz.OPTIMIZERS:
        assert name in str(error.value)


def test_unknown_surface_lists_every_known_one() -> None:
    with pytest.raises(ValueError) as error:
        optviz.run("adam", "rosenbrok")
    for name in surfaces.SURFACES:
        assert name in str(error.value)


@pytest.mark.parametrize("fn", ["run", "run_many"])
def test_surface_object_outside_the_catalog_names_surface(fn: str) -> None:
    """A Surface whose formula the engine has no kernel for is an unknown surface too."""
    beale = surfaces.get("beale")
    foreign = dataclasses.replace(beale, name="shifted", function=lambda x, y, p: beale.function(x - 1, y, p))
    with pytest.raises(ValueError) as error:
        getattr(optviz, fn)("adam", foreign, steps=5)
    assert "surface" in str(error.value)


# ---------------------------------------------------------------------------------------------
# The result


@pytest.fixture(scope="module")
def result() -> optviz.Trajectory:
    return optviz.run("rmsprop", "beale", start=(1.0, 1.4), steps=50)


def test_result_is_frozen(result: optviz.Trajectory) -> None:
    assert dataclasses.is_dataclass(result) and type(result).__dataclass_params__.frozen  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.diverged_at = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.settings.lr = 1.0  # type: ignore[misc]
    for array in (result.xy, result.loss, result.grad, result.rate):
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0] = 0.0


def test_result_shapes(result: optviz.Trajectory) -> None:
    assert result.xy.shape == (51, 2)
    assert result.loss.shape == (51,)
    assert result.grad.shape == (51, 2)
    assert result.rate.shape == (50, 2)
    assert result.steps == 50
    assert result.path.shape == (51, 2)  # not diverged: the whole record


def test_row_zero_is_the_start(result: optviz.Trajectory) -> None:
    beale = surfaces.get("beale")
    assert tuple(result.xy[0]) == (1.0, 1.4)
    assert result.settings.start == (1.0, 1.4)
    assert result.loss[0] == pytest.approx(beale(1.0, 1.4), rel=1e-15)
    assert tuple(result.grad[0]) == pytest.approx(beale.gradient(1.0, 1.4), rel=1e-14)
    # ... and the surface's own start when none is given.
    assert tuple(optviz.run("adam", "saddle", steps=1).xy[0]) == surfaces.get("saddle").start


def test_loss_and_gradient_rows_follow_the_iterates(result: optviz.Trajectory) -> None:
    beale = surfaces.get("beale")
    for k in (1, 17, 50):
        x, y = result.xy[k]
        assert result.loss[k] == pytest.approx(beale(x, y), rel=1e-13)
        assert tuple(result.grad[k]) == pytest.approx(beale.gradient(x, y), rel=1e-12, abs=1e-14)


def test_diverged_result_shapes_and_path() -> None:
    r = optviz.run("batch_gd", "rosenbrock", steps=40, lr=0.01)
    assert r.diverged_at is not None
    assert r.xy.shape == (41, 2) and r.rate.shape == (40, 2)
    assert r.path.shape == (r.diverged_at, 2)
    assert np.isfinite(r.xy).all() and np.isfinite(r.loss).all()


@pytest.mark.parametrize("name", list(optviz.OPTIMIZERS))
def test_defaults_come_from_the_registry(name: str) -> None:
    opt = optviz.OPTIMIZERS[name]
    implicit = optviz.run(name, "himmelblau", steps=30, seed=2)
    explicit = optviz.run(name, "himmelblau", steps=30, seed=2, **opt.defaults)
    assert np.array_equal(implicit.xy, explicit.xy)
    for key, value in opt.defaults.items():
        assert getattr(implicit.settings, key) == value
    # The default batch: the full one for every optimizer except SGD (1) and mini-batch GD (10).
    assert implicit.settings.batch_size == opt.batch_size
    # The defaults do matter: a different eta gives a different run.
    other = optviz.run(name, "himmelblau", steps=30, seed=2, lr=opt.defaults["lr"] * 3)
    assert not np.array_equal(implicit.xy, other.xy)


@pytest.mark.parametrize("name", list(optviz.OPTIMIZERS))
def test_unused_hyperparameters_are_ignored(name: str) -> None:
    opt = optviz.OPTIMIZERS[name]
    unused = {
        k: v
        for k, v in {"gamma": 0.37, "beta1": 0.41, "beta2": 0.43, "eps": 0.3, "weight_decay": 0.7}.items()
        if k not in opt.defaults
    }
    plain = optviz.run(name, "beale", steps=40)
    with_unused = optviz.run(name, "beale", steps=40, **unused)
    assert np.array_equal(plain.xy, with_unused.xy)
    assert np.array_equal(plain.rate, with_unused.rate)
    out_plain = optviz.run_many(name, "beale", steps=40)
    out_unused = optviz.run_many(name, "beale", steps=40, **unused)
    assert np.array_equal(out_plain.final_xy, out_unused.final_xy)


@pytest.mark.parametrize(
    ("name", "surface", "kwargs"),
    [
        ("adam", "beale", {"lr": 0.02, "eps_placement": "outside"}),
        ("momentum", surfaces.get("bowl", kappa=10.0, theta=30.0), {"gamma": 0.8}),
        ("sgd", "himmelblau", {"seed": 9, "spread": 3.0, "n_examples": 40}),
        ("minibatch_gd", "line_fit", {"batch_size": 7, "seed": 5}),
        ("adamw", "rosenbrock", {"weight_decay": 0.05, "batch_size": 20}),
        ("lion", "saddle", {"lr": 0.003}),
        ("nesterov", surfaces.get("long_valley", slope=0.7), {"start": (-5.0, 1.0)}),
        ("batch_gd", "rosenbrock", {"lr": 0.01}),  # diverges
    ],
)
def test_settings_round_trip(name: str, surface: Any, kwargs: dict[str, Any]) -> None:
    first = optviz.run(name, surface, steps=60, **kwargs)
    again = optviz.run(**first.settings.as_kwargs())
    assert again.settings == first.settings
    for a, b in (
        (first.xy, again.xy),
        (first.loss, again.loss),
        (first.grad, again.grad),
        (first.rate, again.rate),
    ):
        assert np.array_equal(a, b)
    assert again.diverged_at == first.diverged_at


def test_eps_zero_at_a_stationary_coordinate_is_not_divergence() -> None:
    """eps = 0 is allowed, and with it the lecture's eta / sqrt(G + eps) g is 0 / 0 on a coordinate
    whose gradient has been exactly zero so far. Starting at the minimum, nothing moves: the run must
    not be reported as diverged (either eps = 0 is refused with a message naming eps, or the
    stationary coordinate stays put)."""
    for name in ("adagrad", "rmsprop", "adam", "amsgrad", "nadam", "adamw"):
        try:
            r = optviz.run(name, "bowl", start=(0.0, 0.0), steps=5, eps=0.0)
        except ValueError as error:
            assert "eps" in str(error)
            continue
        assert r.diverged_at is None, name
        assert (r.xy == 0.0).all(), name


def test_settings_of_a_typed_formula_rebuild_the_same_run() -> None:
    surface = surfaces.from_formula("x^2 + 10*y^2 + sin(3*x)", domain=((-2, 2), (-2, 2)))
    r = optviz.run("adam", surface, steps=40, lr=0.05)
    assert r.settings.custom_surface is not None
    again = optviz.run(**r.settings.as_kwargs())
    assert np.array_equal(r.xy, again.xy)
    assert again.settings == r.settings
