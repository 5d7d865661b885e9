"""The engine's update rules against the lecture: by hand, against tests/reference.py, against
PyTorch's forms, on noisy batches, to known answers, into divergence, and over random settings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import optviz
import surfaces
from optviz.engine import kernels, rules
from optviz.engine.batches import batch_means, batch_order
from optviz.params import HYPERPARAMETERS
from tests.reference import RULES, Hyper, State, Vec, batch_gradient, ends_run, reference_run

ALL = tuple(optviz.OPTIMIZERS)
PLACEMENTS = ("inside", "outside")
COMPARED_SURFACES = ("beale", "rosenbrock", "long_valley", "saddle", "himmelblau", "bowl")
RTOL = 1e-12  # relative agreement expected between two correct double-precision implementations


def hyper_of(name: str, **overrides: float) -> dict[str, float]:
    """The optimizer's defaults with some values replaced (only the ones it uses)."""
    used = dict(optviz.OPTIMIZERS[name].defaults)
    used.update({k: v for k, v in overrides.items() if k in used})
    return used


def relative_gap(
    a: Sequence[Sequence[float]] | np.ndarray, b: Sequence[Sequence[float]] | np.ndarray
) -> float:
    """max over rows of |a - b| / max(1, |b|): relative for large values, absolute near zero."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    scale = np.maximum(1.0, np.abs(b).max(axis=-1, keepdims=True))
    return float((np.abs(a - b) / scale).max()) if a.size else 0.0


# ---------------------------------------------------------------------------------------------
# First steps by hand
#
# On the bowl f = (x^2 + 4 y^2) / 2 (kappa = 4, axes not turned) the gradient is g = (x, 4y), so
# every step can be written out. Start (1, 1), eta = 0.1 unless a case says otherwise.

BOWL4 = surfaces.get("bowl", kappa=4.0)
R2 = math.sqrt(2.0)
X1 = 1 - 0.1 * R2  # RMSProp's first iterate, below

HAND = [
    # GD: w1 = w0 - eta g0 = (1 - 0.1, 1 - 0.4);  g1 = (0.9, 2.4);  w2 = (0.9 - 0.09, 0.6 - 0.24)
    ("batch_gd", {}, "inside", [(1, 1), (0.9, 0.6), (0.81, 0.36)]),
    # Momentum, gamma = 0.5: m1 = eta g0 = (0.1, 0.4), w1 = (0.9, 0.6);
    # m2 = 0.5 m1 + eta g1 = (0.05 + 0.09, 0.2 + 0.24) = (0.14, 0.44), w2 = (0.76, 0.16)
    ("momentum", {"gamma": 0.5}, "inside", [(1, 1), (0.9, 0.6), (0.76, 0.16)]),
    # Nesterov, gamma = 0.5: the first step is momentum's (m0 = 0); then g is taken at
    # w1 - 0.5 m1 = (0.85, 0.4): g = (0.85, 1.6), m2 = (0.05 + 0.085, 0.2 + 0.16), w2 = (0.765, 0.24)
    ("nesterov", {"gamma": 0.5}, "inside", [(1, 1), (0.9, 0.6), (0.765, 0.24)]),
    # Adagrad, eps = 0: G1 = (1, 16), w1 = (1 - 0.1 * 1 / 1, 1 - 0.1 * 4 / 4);
    # g1 = (0.9, 3.6), G2 = (1 + 0.81, 16 + 12.96)
    (
        "adagrad",
        {"eps": 0.0},
        "inside",
        [(1, 1), (0.9, 0.9), (0.9 - 0.09 / math.sqrt(1.81), 0.9 - 0.36 / math.sqrt(28.96))],
    ),
    # Adagrad, eps = 1 inside the root: w1 = (1 - 0.1 / sqrt(1 + 1), 1 - 0.4 / sqrt(16 + 1))
    ("adagrad", {"eps": 1.0}, "inside", [(1, 1), (1 - 0.1 / R2, 1 - 0.4 / math.sqrt(17))]),
    # ... and outside (PyTorch): w1 = (1 - 0.1 / (1 + 1), 1 - 0.4 / (4 + 1))
    ("adagrad", {"eps": 1.0}, "outside", [(1, 1), (0.95, 0.92)]),
    # RMSProp, gamma = 0.5, eps = 0: G1 = 0.5 g0^2 = (0.5, 8), so both coordinates move by
    # 0.1 / sqrt(0.5) = 0.1 sqrt(2); then G2 = 0.5 G1 + 0.5 g1^2 = (0.25 + 0.5 X1^2, 4 + 8 X1^2)
    (
        "rmsprop",
        {"gamma": 0.5, "eps": 0.0},
        "inside",
        [(1, 1), (X1, X1), (X1 - 0.1 * X1 / math.sqrt(0.25 + 0.5 * X1**2),) * 2],
    ),
    # Adam, beta1 = beta2 = 0.5, eps = 0: m_hat1 = g0 and G_hat1 = g0^2, so the first step is eta
    # sign(g0). Then g1 = (0.9, 3.6), m2 = 0.25 g0 + 0.5 g1 = (0.7, 2.8),
    # G2 = 0.25 g0^2 + 0.5 g1^2 = (0.655, 10.48), both corrected by 1 - 0.5^2 = 0.75
    (
        "adam",
        {"beta1": 0.5, "beta2": 0.5, "eps": 0.0},
        "inside",
        [
            (1, 1),
            (0.9, 0.9),
            (
                0.9 - 0.1 * (0.7 / 0.75) / math.sqrt(0.655 / 0.75),
                0.9 - 0.1 * (2.8 / 0.75) / math.sqrt(10.48 / 0.75),
            ),
        ],
    ),
    # Adam, eps = 1 outside: w1 = w0 - eta g0 / (|g0| + 1) = (1 - 0.1 / 2, 1 - 0.4 / 5)
    ("adam", {"beta1": 0.5, "beta2": 0.5, "eps": 1.0}, "outside", [(1, 1), (0.95, 0.92)]),
    # AMSGrad's first step is Adam's (U1 = max(0, G1) = G1)
    ("amsgrad", {"beta1": 0.5, "beta2": 0.5, "eps": 0.0}, "inside", [(1, 1), (0.9, 0.9)]),
    # NAdam, beta1 = 0.5: beta1 m_hat + (1 - beta1) g / (1 - beta1) = 0.5 g + g = 1.5 g, over |g|
    ("nadam", {"beta1": 0.5, "beta2": 0.5, "eps": 0.0}, "inside", [(1, 1), (0.85, 0.85)]),
    # AdamW, lambda = 0.1: w1 = w0 - eta (sign(g0) + 0.1 w0) = 1 - 0.1 * 1.1
    (
        "adamw",
        {"beta1": 0.5, "beta2": 0.5, "eps": 0.0, "weight_decay": 0.1},
        "inside",
        [(1, 1), (0.89, 0.89)],
    ),
    # Adadelta, gamma = 0.5, eps = 1, eta = 1: G1 = (0.5, 8), delta = sqrt(0 + 1) / sqrt(G1 + 1) g0
    (
        "adadelta",
        {"lr": 1.0, "gamma": 0.5, "eps": 1.0},
        "inside",
        [(1, 1), (1 - 1 / math.sqrt(1.5), 1 - 4 / 3)],
    ),
    # Lion, lambda = 0.1: w1 = 1 - 0.1 (1 + 0.1) = 0.89, m1 = 0.01 g0 > 0; c2 > 0 again, so
    # w2 = 0.89 - 0.1 (1 + 0.089)
    (
        "lion",
        {"beta1": 0.9, "beta2": 0.99, "weight_decay": 0.1},
        "inside",
        [(1, 1), (0.89, 0.89), (0.89 - 0.1089,) * 2],
    ),
    # Lion steers by c, not by the fresh gradient: eta = 1.5, beta1 = 0.9, beta2 = 0 (m = last g).
    # w1 = 1 - 1.5 = -0.5, where g1 = (-0.5, -2) points back; but c2 = 0.9 g0 + 0.1 g1 > 0, so w2 = -2.
    ("lion", {"lr": 1.5, "beta1": 0.9, "beta2": 0.0}, "inside", [(1, 1), (-0.5, -0.5), (-2.0, -2.0)]),
]


@pytest.mark.parametrize(("name", "hyper", "placement", "expected"), HAND)
def test_first_steps_by_hand(
    name: str, hyper: dict[str, float], placement: str, expected: list[tuple[float, float]]
) -> None:
    kwargs = {"lr": 0.1, **hyper}
    result = optviz.run(name, BOWL4, start=(1.0, 1.0), steps=3, eps_placement=placement, **kwargs)
    got = result.xy[: len(expected)]
    np.testing.assert_allclose(got, np.array(expected, dtype=float), rtol=1e-14, atol=1e-15)


def adadelta_by_hand(placement: str) -> tuple[list, list]:
    """Adadelta's first two rates and iterates on BOWL4 from (1, 1) with eta = 0.5, gamma = 0.5 and
    eps = 1: the recorded rate eta sqrt(U + eps) / sqrt(G + eps) has eta as a factor, seen only with
    eta other than 1. g0 = (1, 4), G1 = 0.5 g0^2 = (0.5, 8), U0 = 0."""
    if placement == "inside":
        # rate1 = 0.5 sqrt(0 + 1) / sqrt(G1 + 1); delta1 = rate1 g0 / 0.5 = (1 / sqrt(1.5), 4 / 3);
        # w1 = w0 - 0.5 delta1 = (a, 1 / 3). U1 = 0.5 delta1^2 = (1 / 3, 8 / 9), g1 = (a, 4 / 3),
        # G2 = 0.5 G1 + 0.5 g1^2 = (0.25 + 0.5 a^2, 44 / 9); rate2 = 0.5 sqrt(U1 + 1) / sqrt(G2 + 1).
        a = 1 - 0.5 / math.sqrt(1.5)
        rate1 = (0.5 / math.sqrt(1.5), 0.5 / 3)
        rate2 = (0.5 * math.sqrt(4 / 3) / math.sqrt(1.25 + 0.5 * a * a), 0.5 * math.sqrt(17 / 53))
        w1 = (a, 1 / 3)
    else:
        # eps outside the roots: rate = 0.5 (sqrt(U) + 1) / (sqrt(G) + 1), so
        # rate1 = (0.5 / (sqrt(0.5) + 1), 0.5 / (sqrt(8) + 1)), w1 = w0 - rate1 g0 = (b, c),
        # U1 = 0.5 (rate1 g0 / 0.5)^2, g1 = (b, 4c), G2 = 0.5 G1 + 0.5 g1^2.
        rate1 = (0.5 / (math.sqrt(0.5) + 1), 0.5 / (math.sqrt(8) + 1))
        b, c = 1 - rate1[0], 1 - 4 * rate1[1]
        U1 = (0.5 * (2 * rate1[0]) ** 2, 0.5 * (8 * rate1[1]) ** 2)
        G2 = (0.25 + 0.5 * b * b, 4 + 0.5 * (4 * c) ** 2)
        rate2 = tuple(0.5 * (math.sqrt(U1[i]) + 1) / (math.sqrt(G2[i]) + 1) for i in range(2))
        w1 = (b, c)
    g1 = (w1[0], 4 * w1[1])
    w2 = (w1[0] - rate2[0] * g1[0], w1[1] - rate2[1] * g1[1])
    return [rate1, rate2], [(1.0, 1.0), w1, w2]


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_adadelta_rate_with_eta_other_than_one_by_hand(placement: str) -> None:
    rates, iterates = adadelta_by_hand(placement)
    r = optviz.run(
        "adadelta", BOWL4, start=(1.0, 1.0), steps=2, lr=0.5, gamma=0.5, eps=1.0, eps_placement=placement
    )
    np.testing.assert_allclose(r.rate, np.array(rates), rtol=1e-14, atol=0)
    np.testing.assert_allclose(r.xy, np.array(iterates), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("lr", [0.05, 0.5, 3.0])
@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("surface", COMPARED_SURFACES)
def test_adadelta_rates_with_eta_other_than_one_match_reference(
    surface: str, placement: str, lr: float
) -> None:
    """Step by step against the reference, the recorded rate included (see `expected_rate`)."""
    surf = surfaces.get(surface)
    hyper = hyper_of("adadelta", lr=lr, gamma=0.95, eps=1e-4)
    result = optviz.run("adadelta", surf, steps=300, eps_placement=placement, **hyper)
    forced_check("adadelta", surf, result, Hyper(eps_placement=placement, **hyper))


def test_sgd_first_step_uses_one_example() -> None:
    """SGD's step is GD's step plus eta times the chosen example's own term a_n."""
    ex = surfaces.examples(BOWL4, n_examples=4, spread=1.0, seed=5)
    first = int(batch_order(ex.n, 1, 1, seed=5)[0][0])
    result = optviz.run("sgd", BOWL4, start=(1.0, 1.0), steps=1, lr=0.1, n_examples=4, spread=1.0, seed=5)
    ax, ay = ex.a[first]
    expected = (1 - 0.1 * (1 + ax), 1 - 0.1 * (4 + ay))
    np.testing.assert_allclose(result.xy[1], expected, rtol=1e-14)
    # ... and it is not the exact-gradient step: the example's term is really there.
    assert abs(result.xy[1][0] - 0.9) > 1e-6


# ---------------------------------------------------------------------------------------------
# Engine against the reference, free-running for 1,000 steps
#
# Mostly the registry's defaults, so what users get is what is checked. Lion's default lambda is 0,
# so it gets one here to exercise the decay term. RMSProp at eta = 0.01 on Rosenbrock ends in a
# chaotic orbit around the valley floor (a 1-ulp change of the start moves step 1,000 by ~1e-2), where
# no two correct implementations agree; eta = 0.001 keeps that run regular. Chaotic regimes are
# covered step by step in the next test.

FREE_RUN = {
    "lion": {"lr": 0.003, "weight_decay": 0.1},
}
FREE_RUN_PAIR = {("rmsprop", "rosenbrock"): {"lr": 0.001}}


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("surface", COMPARED_SURFACES)
@pytest.mark.parametrize("name", ALL)
def test_engine_matches_reference(name: str, surface: str, placement: str) -> None:
    surf = surfaces.get(surface)
    hyper = hyper_of(name, **FREE_RUN.get(name, {}), **FREE_RUN_PAIR.get((name, surface), {}))
    steps = 1000
    got = optviz.run(name, surf, steps=steps, eps_placement=placement, batch_size="full", **hyper)
    want = reference_run(name, surf, surf.start, steps, eps_placement=placement, **hyper)
    assert got.diverged_at == want.diverged_at
    n = len(want.iterates)  # up to the last good iterate
    assert relative_gap(got.xy[:n], want.iterates) <= RTOL
    if got.diverged_at is not None:
        # After divergence the record repeats the last good iterate.
        assert np.array_equal(got.xy[n:], np.broadcast_to(got.xy[n - 1], got.xy[n:].shape))


# ---------------------------------------------------------------------------------------------
# Engine against the reference, one step at a time
#
# Brisker settings send several runs into chaotic orbits, where rounding differences grow ~1e12-fold
# in a few hundred steps. Step by step, the reference takes each iterate and gradient the engine
# recorded and must produce the engine's next iterate: a wrong formula shows at the step where it
# acts, whatever the dynamics do afterwards. The recorded gradient is itself checked against the
# surface (at Nesterov's look-ahead point), and the recorded learning rate against the rule.

BRISK = {
    "batch_gd": {"lr": 0.002},
    "sgd": {"lr": 0.002},
    "minibatch_gd": {"lr": 0.002},
    "momentum": {"lr": 0.001, "gamma": 0.9},
    "nesterov": {"lr": 0.001, "gamma": 0.95},
    "adagrad": {"lr": 0.3, "eps": 1e-3},
    "rmsprop": {"lr": 0.003, "gamma": 0.9, "eps": 1e-4},
    "adadelta": {"lr": 1.0, "gamma": 0.95, "eps": 1e-4},
    "adam": {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-4},
    "amsgrad": {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-4},
    "nadam": {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-4},
    "adamw": {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-4, "weight_decay": 0.1},
    "lion": {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "weight_decay": 0.2},
}


def expected_rate(name: str, s: State, h: Hyper, U_before: Vec) -> Vec:
    """What multiplies the gradient (or m_hat, for Adam's family) in the update just made."""
    if name in ("adagrad", "rmsprop"):
        return [h.over_root(h.lr, G) for G in s.G]
    if name == "adadelta":
        return [h.lr * h.over_root(h.root(U_before[i]), s.G[i]) for i in range(2)]
    if name in ("adam", "nadam", "adamw"):
        return [h.over_root(h.lr, G / (1 - h.beta2**s.t)) for G in s.G]
    if name == "amsgrad":
        return [h.over_root(h.lr, U / (1 - h.beta2**s.t)) for U in s.U]
    return [h.lr, h.lr]  # GD, momentum, Nesterov, Lion: eta itself


def forced_check(
    name: str,
    surf: surfaces.Surface,
    result: optviz.Trajectory,
    h: Hyper,
    terms: Sequence[Sequence[float]] | None = None,
) -> None:
    """Replays the engine's run through the reference rule, one step from each recorded iterate;
    for a diverged run, the update the engine stopped at must end the reference's run too."""
    rule = RULES[name]
    s = State()
    last = result.steps if result.diverged_at is None else result.diverged_at - 1
    for k in range(last + (result.diverged_at is not None)):
        w = [float(v) for v in result.xy[k]]
        at = [w[i] - h.gamma * s.m[i] for i in range(2)] if name == "nesterov" else w
        g = batch_gradient(surf, at[0], at[1], None if terms is None else terms[k])
        g_engine = [float(v) for v in result.grad[k]]
        assert relative_gap([g_engine], [g]) <= 1e-10, f"gradient at step {k}"
        U_before = list(s.U)
        new = rule(w, g_engine, s, h)
        at = [new[i] - h.gamma * s.m[i] for i in range(2)] if name == "nesterov" else new
        if k == last:  # the update that diverged
            assert ends_run(surf, new, at), f"update {k + 1} does not end the run"
            break
        assert relative_gap([result.xy[k + 1]], [new]) <= RTOL, f"update {k + 1}"
        rate = expected_rate(name, s, h, U_before)
        assert relative_gap([result.rate[k]], [rate]) <= RTOL, f"rate of update {k + 1}"


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("surface", COMPARED_SURFACES)
@pytest.mark.parametrize("name", ALL)
def test_engine_matches_reference_step_by_step(name: str, surface: str, placement: str) -> None:
    surf = surfaces.get(surface)
    hyper = hyper_of(name, **BRISK[name])
    result = optviz.run(name, surf, steps=1000, eps_placement=placement, batch_size="full", **hyper)
    forced_check(name, surf, result, Hyper(eps_placement=placement, **hyper))


def test_eps_placement_matters() -> None:
    """Inside and outside differ (by a lot when eps is large): the flag reaches the rule."""
    kwargs: dict[str, Any] = {"steps": 50, "lr": 0.1, "eps": 0.5}
    inside = optviz.run("adagrad", "bowl", eps_placement="inside", **kwargs)
    outside = optviz.run("adagrad", "bowl", eps_placement="outside", **kwargs)
    assert relative_gap(inside.xy, outside.xy) > 1e-3


# ---------------------------------------------------------------------------------------------
# The lecture's forms against PyTorch's


@pytest.mark.parametrize("surface", COMPARED_SURFACES)
def test_lecture_momentum_is_pytorch_sgd_momentum(surface: str) -> None:
    """m = gamma m + eta g, w -= m  equals  b = gamma b + g, w -= eta b  when eta is constant
    (m = eta b at every step)."""
    surf = surfaces.get(surface)
    hyper = {"lr": 0.001, "gamma": 0.9}
    got = optviz.run("momentum", surf, steps=1000, **hyper)
    torch = reference_run("torch_sgd_momentum", surf, surf.start, 1000, **hyper)
    assert got.diverged_at == torch.diverged_at
    assert relative_gap(got.xy[: len(torch.iterates)], torch.iterates) <= RTOL


@pytest.mark.parametrize("surface", COMPARED_SURFACES)
@pytest.mark.parametrize(
    ("name", "torch_name"),
    [("adagrad", "torch_adagrad"), ("rmsprop", "torch_rmsprop"), ("adam", "torch_adam")],
)
def test_eps_outside_is_pytorch(name: str, torch_name: str, surface: str) -> None:
    """With eps outside the root the engine runs torch.optim's Adagrad, RMSprop (alpha = gamma)
    and Adam, bookkeeping aside."""
    surf = surfaces.get(surface)
    hyper = hyper_of(name, eps=1e-3)
    got = optviz.run(name, surf, steps=300, eps_placement="outside", **hyper)
    torch = reference_run(torch_name, surf, surf.start, 300, **hyper)
    assert got.diverged_at == torch.diverged_at
    assert relative_gap(got.xy[: len(torch.iterates)], torch.iterates) <= RTOL


# ---------------------------------------------------------------------------------------------
# Stochastic modes: the batches the engine uses are the lecture's


def lecture_batches(
    surf: surfaces.Surface, batch_size: int, n_examples: int | None, seed: int, steps: int
) -> list[tuple[float, ...]]:
    """Each update's batch means (dxx, dxy, dyy, ax, ay), averaged here from the example indices of
    `batch_order`: the gradient of a batch is the mean of its examples' gradients."""
    ex = surfaces.examples(surf, n_examples, None, seed)
    rows = np.column_stack((ex.D, ex.a))
    return [
        tuple(float(v) for v in rows[idx].mean(axis=0)) for idx in batch_order(ex.n, batch_size, steps, seed)
    ]


@pytest.mark.parametrize(
    ("name", "surface", "batch_size", "n_examples"),
    [
        ("sgd", "beale", None, None),  # one example per update
        ("minibatch_gd", "himmelblau", None, None),  # ten
        ("minibatch_gd", "line_fit", 8, None),  # real data; 50 = 6 x 8 + 2: a short last batch
        ("sgd", "line_fit", None, None),
    ],
)
def test_stochastic_matches_reference(
    name: str, surface: str, batch_size: int | None, n_examples: int | None
) -> None:
    surf = surfaces.get(surface)
    steps = 300
    result = optviz.run(name, surf, steps=steps, batch_size=batch_size, n_examples=n_examples, seed=11)
    size = result.settings.batch_size
    assert size == (batch_size or optviz.OPTIMIZERS[name].batch_size)
    terms = lecture_batches(surf, size, n_examples, 11, steps + 1)
    # The engine's precomputed means are the lecture's averages over the batch's examples.
    ex = surfaces.examples(surf, n_examples, None, 11)
    np.testing.assert_allclose(batch_means(ex, size, steps + 1, 11), terms, rtol=0, atol=1e-12)
    hyper = hyper_of(name)
    want = reference_run(name, surf, surf.start, steps, terms=terms, **hyper)
    assert result.diverged_at == want.diverged_at
    assert relative_gap(result.xy[: len(want.iterates)], want.iterates) <= RTOL
    # The recorded gradient is the batch's, not the exact one.
    forced_check(name, surf, result, Hyper(**hyper), terms=terms)
    exact = np.array([surf.gradient(x, y) for x, y in result.xy[:10]])
    assert np.abs(result.grad[:10] - exact).max() > 1e-6


@pytest.mark.parametrize("surface", ["bowl", "line_fit"])
@pytest.mark.parametrize("batch_size", [1, 7, 33])
@pytest.mark.parametrize("name", ALL)
def test_any_optimizer_with_any_batch_size(name: str, batch_size: int, surface: str) -> None:
    """On the bowl a batch only shifts the gradient (mean(a)); on the line fit it also bends it
    (mean(D) w), so there the point where the batch gradient is taken matters (Nesterov's look-ahead)."""
    surf = surfaces.get(surface)
    n_examples = 40 if surf.data is None else None  # the line fit has its own 50 examples
    steps = 200
    hyper = hyper_of(name, **BRISK[name])
    result = optviz.run(
        name, surf, steps=steps, batch_size=batch_size, n_examples=n_examples, seed=3, **hyper
    )
    assert result.settings.batch_size == batch_size
    terms = lecture_batches(surf, batch_size, n_examples, 3, steps + 1)
    want = reference_run(name, surf, surf.start, steps, terms=terms, **hyper)
    assert result.diverged_at == want.diverged_at
    assert relative_gap(result.xy[: len(want.iterates)], want.iterates) <= RTOL


@pytest.mark.parametrize("name", ["sgd", "minibatch_gd", "adam"])
def test_batch_of_all_examples_is_the_exact_gradient(name: str) -> None:
    """The examples' terms sum to zero, so a batch of all N (or no spread) is batch GD."""
    full = optviz.run(name, "beale", steps=200, batch_size="full")
    assert np.array_equal(optviz.run(name, "beale", steps=200, batch_size=100, n_examples=100).xy, full.xy)
    assert np.array_equal(optviz.run(name, "beale", steps=200, batch_size=1, spread=0.0).xy, full.xy)
    assert not np.array_equal(optviz.run(name, "beale", steps=200, batch_size=1).xy, full.xy)


def test_seed_picks_the_batches() -> None:
    a = optviz.run("sgd", "beale", steps=100, seed=1)
    assert np.array_equal(a.xy, optviz.run("sgd", "beale", steps=100, seed=1).xy)
    assert not np.array_equal(a.xy, optviz.run("sgd", "beale", steps=100, seed=2).xy)


# ---------------------------------------------------------------------------------------------
# Convergence table (optax style): every optimizer on every problem, to a known answer
#
# The learning rates come from a sweep: the middle of the range of eta on a 1-2-5 grid that reaches
# the tolerance. The tolerance is the distance from the final iterate to the nearest global minimum.

PROBLEM_STEPS = {
    "bowl": 10_000,
    "booth": 10_000,
    "beale": 10_000,
    "himmelblau": 10_000,  # any of its four minima
    "saddle": 10_000,  # escape the saddle at the origin to (0, +-1)
    "long_valley": 10_000,
    "rosenbrock": 50_000,  # following the bend is slow for everyone
    "rastrigin": 10_000,
}

# optimizer -> (tolerance, why it is not tighter)
TOLERANCE = {
    "batch_gd": (1e-4, "exact gradient: converges linearly"),
    "sgd": (5e-2, "constant eta and one example per step: ends in a noise ball ~ sqrt(eta) x spread"),
    "minibatch_gd": (5e-2, "constant eta, ten examples per step: a smaller noise ball"),
    "momentum": (1e-4, "exact gradient"),
    "nesterov": (1e-4, "exact gradient"),
    "adagrad": (1e-4, "steps shrink as G grows"),
    "rmsprop": (1e-2, "eta g / sqrt(G) stays ~eta while g is steady: an orbit of size ~eta"),
    "adadelta": (1e-2, "sqrt(U) / sqrt(G) g does not shrink with g: a small orbit"),
    "adam": (1e-4, "m_hat shrinks with g"),
    "amsgrad": (1e-4, "m_hat shrinks with g"),
    "nadam": (1e-4, "m_hat shrinks with g"),
    "adamw": (1e-2, "decoupled weight decay moves the fixed point off any minimum not at the origin"),
    "lion": (1e-2, "every step is +-eta per coordinate: an orbit of size ~eta"),
}

# optimizer -> eta per problem
LR = {
    "batch_gd": dict(bowl=0.01, booth=0.005, beale=0.01, himmelblau=5e-4, saddle=0.01, long_valley=0.005,
                     rosenbrock=5e-4, rastrigin=1e-3),
    "sgd": dict(bowl=0.002, booth=5e-4, beale=0.005, himmelblau=5e-4, saddle=0.005, long_valley=0.005,
                rosenbrock=2e-4, rastrigin=1e-3),
    "minibatch_gd": dict(bowl=0.002, booth=0.002, beale=0.005, himmelblau=2e-4, saddle=0.005,
                         long_valley=0.005, rosenbrock=5e-4, rastrigin=1e-3),
    "momentum": dict(bowl=0.005, booth=0.002, beale=0.002, himmelblau=2e-4, saddle=0.005, long_valley=0.002,
                     rosenbrock=2e-4, rastrigin=0.005),
    "nesterov": dict(bowl=0.002, booth=0.001, beale=0.001, himmelblau=2e-4, saddle=0.005, long_valley=0.002,
                     rosenbrock=2e-4, rastrigin=0.002),
    "adagrad": dict(bowl=1.0, booth=2.0, beale=0.5, himmelblau=1.0, saddle=1.0, long_valley=2.0,
                    rosenbrock=0.2, rastrigin=0.1),
    "rmsprop": dict(bowl=0.002, booth=0.02, beale=0.002, himmelblau=0.002, saddle=0.002, long_valley=0.005,
                    rosenbrock=5e-4, rastrigin=0.002),
    "adadelta": dict(bowl=0.1, booth=0.1, beale=0.02, himmelblau=0.02, saddle=0.1, long_valley=0.1,
                     rosenbrock=0.01, rastrigin=0.1),
    "adam": dict(bowl=0.01, booth=0.2, beale=0.005, himmelblau=0.01, saddle=0.02, long_valley=0.02,
                 rosenbrock=5e-4, rastrigin=0.01),
    "amsgrad": dict(bowl=0.2, booth=1.0, beale=0.1, himmelblau=0.05, saddle=0.2, long_valley=0.2,
                    rosenbrock=0.2, rastrigin=0.2),
    "nadam": dict(bowl=0.1, booth=0.2, beale=0.005, himmelblau=0.002, saddle=0.1, long_valley=0.05,
                  rosenbrock=2e-4, rastrigin=0.1),
    "adamw": dict(bowl=0.02, booth=0.1, beale=0.02, himmelblau=0.02, saddle=0.005, long_valley=0.02,
                  rosenbrock=0.001, rastrigin=0.02),
    "lion": dict(bowl=0.005, booth=0.01, beale=0.001, himmelblau=0.001, saddle=0.005, long_valley=0.05,
                 rosenbrock=5e-4, rastrigin=0.005),
}  # fmt: skip

# Rastrigin's nearest dimple to the start (-4.2, 3.8): the stationary point of x^2 - 10 cos(2 pi x)
# next to x = -4, a local minimum 31.8 above the global one.
RASTRIGIN_DIMPLE = (-3.9797838603007536, 3.9797838603007536)


@dataclass(frozen=True)
class Case:
    optimizer: str
    surface: str
    hyper: dict[str, float]
    steps: int
    tol: float
    fails: str | None = None  # None: converges within tol; else how and why it does not


def convergence_cases() -> list[Case]:
    cases = []
    for name, lrs in LR.items():
        tol = TOLERANCE[name][0]
        for surface, steps in PROBLEM_STEPS.items():
            fails = "local minimum" if surface == "rastrigin" else None
            cases.append(Case(name, surface, hyper_of(name, lr=lrs[surface]), steps, tol, fails))
    # Failures the lecture points out, each with its reason:
    cases += [
        # eta = 0.01 is above 2 / curvature at Rosenbrock's start (the x-x curvature there is ~1700).
        Case("batch_gd", "rosenbrock", {"lr": 0.01}, 1000, 1e-4, "diverges"),
        Case("momentum", "rosenbrock", {"lr": 0.01, "gamma": 0.9}, 1000, 1e-4, "diverges"),
        # A strong decoupled decay pulls w toward the origin, away from Booth's minimum at (1, 3):
        # the run settles where the decay balances the gradient, not at the minimum.
        Case("adamw", "booth", hyper_of("adamw", lr=0.01, weight_decay=0.5), 10_000, 1e-2, "biased"),
    ]
    return cases


def test_the_convergence_tables_list_every_optimizer():
    """A new optimizer gets its convergence cases from LR and TOLERANCE only: they must name it, with
    a learning rate for every surface of PROBLEM_STEPS."""
    assert set(LR) == set(TOLERANCE) == set(optviz.OPTIMIZERS)
    assert all(set(rates) == set(PROBLEM_STEPS) for rates in LR.values())


@pytest.mark.parametrize(
    "case", convergence_cases(), ids=lambda c: f"{c.optimizer}-{c.surface}-{c.fails or 'ok'}"
)
def test_convergence(case: Case) -> None:
    surf = surfaces.get(case.surface)
    result = optviz.run(case.optimizer, surf, steps=case.steps, **case.hyper)
    # No iterate may be below the recorded global minimum (that would make the record wrong).
    assert result.loss.min() >= surf.min_value - 1e-9 * max(1.0, abs(surf.min_value))
    final = result.xy[-1]
    distance = float(surf.distance_to_minimum(final))
    if case.fails is None:
        assert result.diverged_at is None
        assert distance <= case.tol, TOLERANCE[case.optimizer][1]
        assert result.loss[-1] - surf.min_value <= max(case.tol, 1e-6)
    elif case.fails == "local minimum":
        # Gradient methods stop in the dimple nearest the start unless momentum or noise carries
        # them over the ridges; with these small steps none does.
        assert result.diverged_at is None
        assert math.dist(final, RASTRIGIN_DIMPLE) <= 0.05
        assert result.loss[-1] - surf.min_value > 30.0
    elif case.fails == "diverges":
        assert result.diverged_at is not None and result.diverged_at < case.steps
        assert np.isfinite(result.xy).all()
    elif case.fails == "biased":
        assert result.diverged_at is None
        assert distance > 0.1
        # ... and it is not still travelling: the last 100 iterates stay within a small region.
        assert np.ptp(result.xy[-100:], axis=0).max() < 0.05
    else:  # pragma: no cover
        raise AssertionError(case.fails)


# ---------------------------------------------------------------------------------------------
# Divergence


@pytest.mark.parametrize("lr", [1e12, 1e300])
@pytest.mark.parametrize("name", ALL)
def test_huge_lr_diverges_everywhere(name: str, lr: float) -> None:
    """A huge eta throws every optimizer off every surface: flagged, finite, no exception."""
    for surface in surfaces.SURFACES:
        result = optviz.run(name, surface, steps=50, lr=lr)
        assert result.diverged_at is not None, surface
        assert 1 <= result.diverged_at <= 50
        for array in (result.xy, result.loss, result.grad, result.rate):
            assert np.isfinite(array).all(), surface
        # The record stops at the last good iterate, which is inside the surface's bounds.
        (x0, x1), (y0, y1) = surfaces.get(surface).bounds
        assert ((x0 <= result.xy[:, 0]) & (result.xy[:, 0] <= x1)).all()
        assert ((y0 <= result.xy[:, 1]) & (result.xy[:, 1] <= y1)).all()


@pytest.mark.parametrize("name", ALL)
def test_huge_lr_diverges_in_run_many(name: str) -> None:
    for surface, surf in surfaces.SURFACES.items():
        starts = np.array([surf.start, surf.minima[0], (0.5, -0.5)]) + 0.01
        out = optviz.run_many(name, surface, starts, steps=50, lr=np.array([1e12, 1e300, 1e20]))
        assert (out.diverged_at >= 1).all(), surface
        for array in (out.final_xy, out.final_loss, out.distance):
            assert np.isfinite(array).all(), surface


# The divergence box, edge by edge. A plane f = +-x or +-y has a constant gradient, so one GD step of
# eta moves the start by exactly eta along one axis: with eta = |target - start| (exact, the two
# being within a factor 2), the first iterate is exactly the target. On the domain [-1, 3] x [-2, 0]
# the box reaches 100 domain widths beyond each side: x in [-1 - 400, 3 + 400], y in [-2 - 200, 0 + 200].
BOX_DOMAIN = ((-1.0, 3.0), (-2.0, 0.0))
BOX_BOUNDS = ((-401.0, 403.0), (-202.0, 200.0))
# edge: (the plane, its axis, the edge, the start)
BOX_EDGES = {
    "x_min": ("x", 0, -401.0, (-400.0, -1.0)),
    "x_max": ("-x", 0, 403.0, (402.0, -1.0)),
    "y_min": ("y", 1, -202.0, (1.0, -201.0)),
    "y_max": ("-y", 1, 200.0, (1.0, 199.0)),
}


@pytest.mark.parametrize("edge", BOX_EDGES)
def test_each_edge_of_the_divergence_box(edge: str) -> None:
    """An iterate one ulp inside an edge or on it is kept; one ulp outside ends the run at that
    update, in run and in run_many, and the run keeps its start."""
    text, axis, bound, start = BOX_EDGES[edge]
    plane = surfaces.from_formula(text, domain=BOX_DOMAIN, minima=[(1.0, -1.0)], start=(1.0, -1.0))
    assert plane.bounds == BOX_BOUNDS
    outward = math.copysign(math.inf, bound - start[axis])
    targets = [math.nextafter(bound, -outward), bound, math.nextafter(bound, outward)]
    inside = [True, True, False]
    lrs = [abs(t - start[axis]) for t in targets]
    out = optviz.run_many("batch_gd", plane, start, steps=1, lr=np.array(lrs))
    for target, lr, keeps, lane_xy, lane_div in zip(
        targets, lrs, inside, out.final_xy, out.diverged_at, strict=True
    ):
        expected = list(start)
        expected[axis] = target
        assert start[axis] + math.copysign(lr, target - start[axis]) == target  # the step is exact
        one = optviz.run("batch_gd", plane, start, steps=1, lr=lr)
        if keeps:
            assert one.diverged_at is None and lane_div == -1
            assert one.xy[1].tolist() == expected and lane_xy.tolist() == expected
        else:
            assert one.diverged_at == 1 and lane_div == 1
            assert one.xy[1].tolist() == list(start) and lane_xy.tolist() == list(start)


# A cliff: f = -x + y^2 + c(x) where c jumps from finite to non-finite past x = 5 and is flat, so
# the exact gradient (-1, 2y) is finite everywhere while the loss is not. exp(1000 sign(x - 5))
# is 0, 1, then overflows to inf; sqrt(-sign(x - 5)) is 1, -0, then NaN.
CLIFFS = {
    "overflow": ("-x + y^2 + exp(1000 sign(x - 5))", (0.0, 1.0, math.inf)),
    "nan": ("-x + y^2 + sqrt(-sign(x - 5))", (1.0, -0.0, math.nan)),
}


def cliff_surfaces(kind: str) -> tuple[surfaces.Surface, surfaces.Surface]:
    """The typed formula, and its plain-Python twin for the reference (same domain and bounds)."""
    text, (before, at, after) = CLIFFS[kind]
    typed = surfaces.from_formula(text, domain=((-10.0, 10.0), (-10.0, 10.0)), minima=[(4.5, 0.0)])

    def cliff(x: float, y: float, p: Any) -> tuple[float, float, float]:
        c = before if x < 5.0 else at if x == 5.0 else after
        return -x + y * y + c, -1.0, 2.0 * y

    return typed, replace(typed, function=cliff, params=())


@pytest.mark.parametrize("kind", CLIFFS)
def test_a_non_finite_loss_with_a_finite_gradient_ends_the_run_by_hand(kind: str) -> None:
    """GD with eta = 0.75 from (0, 1): x_k = 0.75 k and y_k = (-0.5)^k, exactly. x_7 = 5.25 is past
    the cliff, so update 7 diverges; rows 7 and later repeat iterate 6 with a zero gradient."""
    surf, plain = cliff_surfaces(kind)
    assert surf.min_value == plain(4.5, 0.0) == -4.5 + CLIFFS[kind][1][0]
    assert np.isfinite(surf.gradient(5.25, 0.5)).all() and not np.isfinite(surf(5.25, 0.5))
    r = optviz.run("batch_gd", surf, start=(0.0, 1.0), steps=10, lr=0.75)
    assert r.diverged_at == 7
    good = np.array([(0.75 * k, (-0.5) ** k) for k in range(7)])
    np.testing.assert_array_equal(r.xy[:7], good)
    np.testing.assert_array_equal(r.xy[7:], np.broadcast_to(good[6], (4, 2)))
    np.testing.assert_array_equal(r.grad[:7], [(-1.0, 2 * y) for _, y in good])
    np.testing.assert_array_equal(r.grad[7:], np.zeros((4, 2)))
    losses = [plain(x, y) for x, y in good]
    np.testing.assert_array_equal(r.loss, [*losses, *[losses[6]] * 4])
    np.testing.assert_array_equal(r.rate[:6], np.full((6, 2), 0.75))
    assert r.steps_to(1e-3) == 6  # loss - min = 0.25^6 < 1e-3 < 0.25^5


@pytest.mark.parametrize("kind", CLIFFS)
def test_run_many_lanes_stop_at_the_cliff_each_at_its_own_update(kind: str) -> None:
    """Lanes of one block that reach the cliff at different updates, or never: each is stepped back
    to its own last good iterate. By hand, from (0, 1) for 20 steps: eta = 0.75 ends at update 7 (as
    above); eta = 0.5 reaches x = 5 at update 10, on the cliff's edge where the loss is still finite,
    and ends at 11; eta = 1 ends at 6 from (5, -1); eta = 0.125 never gets there (x_20 = 2.5,
    y_k = 0.75^k)."""
    surf, plain = cliff_surfaces(kind)
    lrs = np.array([0.75, 0.5, 1.0, 0.125])
    last_good = [[4.5, 0.5**6], [5.0, 0.0], [5.0, -1.0], [2.5, 0.75**20]]
    diverged_at = [7, 11, 6, -1]
    reached_at = []  # from the hand-known iterates: the first within tol of the minimum value
    for lr in lrs:
        x, y = 0.0, 1.0
        hits = []
        for k in range(21):
            if x > 5.0:
                break
            if plain(x, y) - surf.min_value <= 1e-3:
                hits.append(k)
            x, y = x + lr, y - lr * 2.0 * y
        reached_at.append(hits[0] if hits else -1)
    out = optviz.run_many("batch_gd", surf, (0.0, 1.0), steps=20, lr=lrs, tol=1e-3)
    assert out.final_xy.tolist() == last_good
    assert out.diverged_at.tolist() == diverged_at
    assert out.final_loss.tolist() == [plain(x, y) for x, y in last_good]
    assert out.reached_at.tolist() == reached_at
    for i, lr in enumerate(lrs):
        one = optviz.run("batch_gd", surf, (0.0, 1.0), steps=20, lr=lr)
        assert (one.diverged_at or -1) == diverged_at[i]
        assert one.xy[-1].tolist() == last_good[i] and one.loss[-1] == out.final_loss[i]


@pytest.mark.parametrize("kind", CLIFFS)
@pytest.mark.parametrize(
    ("name", "hyper"),
    [
        ("momentum", {"lr": 0.1, "gamma": 0.9}),
        ("nesterov", {"lr": 0.1, "gamma": 0.9}),  # loss at w, gradient at the look-ahead point
        ("adam", {"lr": 0.5}),
        ("lion", {"lr": 0.3, "weight_decay": 0.1}),
        ("sgd", {"lr": 0.2}),  # batch terms added to the gradient: still finite
    ],
)
def test_a_non_finite_loss_with_a_finite_gradient_ends_every_optimizer(
    name: str, hyper: dict[str, float], kind: str
) -> None:
    """Against the reference on the plain-Python twin: the run ends at the same update, the record
    repeats the last good iterate with a zero gradient, and run_many's lane ends where run does."""
    surf, plain = cliff_surfaces(kind)
    hyper = hyper_of(name, **hyper)
    steps = 200
    starts = np.array([(0.0, 1.0), (-3.0, -2.0), (4.0, 0.5)])
    out = optviz.run_many(name, surf, starts, steps=steps, seed=2, **hyper)
    for i, start in enumerate(map(tuple, starts)):
        r = optviz.run(name, surf, start, steps=steps, seed=2, **hyper)
        terms = None
        if name == "sgd":
            assert r.settings.batch_size == 1
            terms = batch_means(surfaces.examples(surf, None, None, 2), 1, steps + 1, 2)
        want = reference_run(name, plain, start, steps, terms=terms, **hyper)
        assert want.diverged_at is not None and r.diverged_at == want.diverged_at
        k = r.diverged_at
        assert relative_gap(r.xy[:k], want.iterates) <= RTOL
        assert (r.xy[k:] == r.xy[k - 1]).all() and (r.loss[k:] == r.loss[k - 1]).all()
        assert (r.grad[k:] == 0.0).all() and np.isfinite(r.loss).all()
        assert r.loss[k - 1] == plain(*r.xy[k - 1])
        assert out.diverged_at[i] == k
        assert np.array_equal(out.final_xy[i], r.xy[k - 1]) and out.final_loss[i] == r.loss[k - 1]


def test_the_kernel_steps_back_from_a_non_finite_loss() -> None:
    """kernels.race itself, recording one lane (what run reads) and returning its end (what run_many
    reads): the record stops at iterate 6 and the lane is left at (4.5, 1/64) with its loss."""
    surf, plain = cliff_surfaces("overflow")
    steps = 10
    xy, grad, rate = np.zeros((steps + 1, 2)), np.zeros((steps + 1, 2)), np.zeros((steps, 2))
    loss = np.zeros(steps + 1)
    hit, div, final = np.empty(1, np.int64), np.empty(1, np.int64), np.empty(1)
    x, y = np.array([0.0]), np.array([1.0])
    H = np.zeros((1, len(rules.HYPER_ROWS)))  # eta = 0.75; gamma, beta1, beta2, eps in/out, lambda = 0
    H[0, rules.HYPER_ROWS.index(rules.ETA)] = 0.75
    box = np.array([-2010.0, 2010.0, -2010.0, 2010.0])  # 100 widths of 20 beyond [-10, 10]
    no_noise = np.empty((0, 5))
    kernels.race(
        rules.GD, kernels.CUSTOM, surf.param_array, H, x, y, steps, no_noise, box, -4.5, 1e-3,
        hit, div, final, xy, loss, grad, rate,
    )  # fmt: skip
    assert (div[0], hit[0]) == (7, 6)
    assert (x[0], y[0], final[0]) == (4.5, 1 / 64, plain(4.5, 1 / 64))
    np.testing.assert_array_equal(xy[:7], [(0.75 * k, (-0.5) ** k) for k in range(7)])
    assert (xy[7:] == 0.0).all() and (loss[7:] == 0.0).all()  # nothing recorded past the cliff


# ---------------------------------------------------------------------------------------------
# run_many: each lane is the single run with the same settings


def check_lanes(
    name: str, surface: str, starts: np.ndarray, steps: int, lanes: Sequence[int], **kw: Any
) -> None:
    out = optviz.run_many(name, surface, starts, steps=steps, **kw)
    for i in lanes:
        per_lane = {k: (v[i] if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        one = optviz.run(name, surface, tuple(starts[i]), steps=steps, **per_lane)
        assert np.array_equal(out.final_xy[i], one.xy[-1]), i
        assert np.array_equal(out.final_loss[i], one.loss[-1]), i
        assert out.diverged_at[i] == (-1 if one.diverged_at is None else one.diverged_at), i
        reached = one.steps_to(out.settings["tol"])
        assert out.reached_at[i] == (-1 if reached is None else reached), i
        assert out.distance[i] == pytest.approx(float(surfaces.get(surface).distance_to_minimum(one.xy[-1])))


@pytest.mark.parametrize("name", ALL)
def test_run_many_lanes_equal_single_runs(name: str) -> None:
    rng = np.random.default_rng(ALL.index(name))
    n = 600  # more than two blocks of lanes, the last one partial
    (x0, x1), (y0, y1) = surfaces.get("himmelblau").domain
    starts = np.column_stack((rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)))
    base = optviz.OPTIMIZERS[name].defaults["lr"]
    lr = base * np.exp(rng.uniform(np.log(0.1), np.log(100.0), n))  # some lanes diverge
    lanes = [0, 1, 255, 256, 257, 511, 512, n - 1, *rng.choice(n, 8, replace=False)]
    check_lanes(name, "himmelblau", starts, 400, lanes, lr=lr)


# The published minimum values of the surfaces whose minimum is not 0: "within tol of the minimum"
# must be measured from these, not from 0.
NONZERO_MINIMUM = {
    "saddle": -0.5,
    "six_hump_camel": -1.0316284534898774,
    "styblinski_tang": -78.33233140754282,
    "goldstein_price": 3.0,
}


@pytest.mark.parametrize("surface", NONZERO_MINIMUM)
@pytest.mark.parametrize("name", ALL)
def test_run_many_lanes_on_surfaces_whose_minimum_is_not_zero(name: str, surface: str) -> None:
    """Lane by lane, run_many's outcomes are the single run's, and both are right: each run is
    replayed step by step through the reference rule, its steps to tolerance counted from the
    plain-Python loss minus the published minimum value, its distance measured to the published
    minima. Starts, eta and (where used) gamma or beta1 differ per lane; some lanes reach the
    tolerance, some never do, some diverge."""
    surf = surfaces.get(surface)
    min_value = NONZERO_MINIMUM[surface]
    assert surf.min_value == min_value
    rng = np.random.default_rng(ALL.index(name) + 100 * list(NONZERO_MINIMUM).index(surface))
    n, steps, tol = 300, 300, 1e-3
    (x0, x1), (y0, y1) = surf.domain
    starts = np.column_stack((rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)))
    hyper = hyper_of(name, **BRISK[name])
    per_lane = {"lr": hyper["lr"] * np.exp(rng.uniform(np.log(0.1), np.log(100.0), n))}
    per_lane |= {k: rng.uniform(0.5, 0.95, n) for k in ("gamma", "beta1") if k in hyper}
    shared = {k: v for k, v in hyper.items() if k not in per_lane}
    out = optviz.run_many(
        name, surface, starts, steps=steps, tol=tol, batch_size="full", **shared, **per_lane
    )

    # Lanes of every outcome: the first and last, and some that reach tol, never do, or diverge.
    reached = np.flatnonzero(out.reached_at >= 0)
    never = np.flatnonzero((out.reached_at < 0) & (out.diverged_at < 0))
    diverged = np.flatnonzero(out.diverged_at >= 0)
    assert reached.size and never.size
    picks = [rng.choice(group, min(3, group.size), replace=False) for group in (reached, never, diverged)]
    lanes = sorted({0, n - 1, *np.concatenate(picks).tolist()})
    for i in lanes:
        h = {**shared, **{k: float(v[i]) for k, v in per_lane.items()}}
        one = optviz.run(name, surf, tuple(starts[i]), steps=steps, batch_size="full", **h)
        # The lane is the single run ...
        assert np.array_equal(out.final_xy[i], one.xy[-1]), i
        assert out.final_loss[i] == one.loss[-1], i
        assert out.diverged_at[i] == (-1 if one.diverged_at is None else one.diverged_at), i
        reached_at = one.steps_to(tol)
        assert out.reached_at[i] == (-1 if reached_at is None else reached_at), i
        # ... and the single run is the reference's, step by step (and where it diverged).
        forced_check(name, surf, one, Hyper(**h))
        losses = [surf(x, y) for x, y in one.xy]
        hits = [k for k, f in enumerate(losses) if f - min_value <= tol]
        assert out.reached_at[i] == (hits[0] if hits else -1), i
        assert out.final_loss[i] == pytest.approx(losses[-1], rel=1e-12, abs=1e-12), i
        nearest = min(math.dist(out.final_xy[i], m) for m in surf.minima)
        assert out.distance[i] == pytest.approx(nearest, rel=1e-12, abs=1e-15), i


@pytest.mark.parametrize("name", ["sgd", "adam", "nesterov"])
def test_run_many_lanes_equal_single_runs_on_batches(name: str) -> None:
    """Every lane sees the same batches (one seed), so each lane is the single stochastic run."""
    rng = np.random.default_rng(7)
    n = 300
    starts = np.column_stack((rng.uniform(-4, 4, n), rng.uniform(-4, 4, n)))
    lr = optviz.OPTIMIZERS[name].defaults["lr"] * rng.uniform(0.5, 2.0, n)
    check_lanes(name, "beale", starts, 300, [0, 17, 255, 256, n - 1], lr=lr, batch_size=5, seed=4)


@pytest.mark.parametrize(
    ("name", "arrays"),
    [
        ("momentum", ("gamma",)),
        ("rmsprop", ("gamma",)),
        ("adam", ("beta1", "beta2")),
        ("lion", ("beta1", "beta2", "weight_decay")),
        ("adadelta", ("gamma", "eps")),
    ],
)
def test_run_many_per_lane_decay_rates(name: str, arrays: tuple[str, ...]) -> None:
    """gamma, beta1 and beta2 per lane, like eta: each lane is the single run with its own values."""
    rng = np.random.default_rng(3)
    n = 40
    starts = np.column_stack((rng.uniform(-4, 4, n), rng.uniform(-4, 4, n)))
    per_lane = {
        key: rng.uniform(0.0, 0.95, n) if key != "eps" else 10.0 ** rng.uniform(-8, -2, n) for key in arrays
    }
    check_lanes(name, "beale", starts, 200, [0, 1, 20, n - 1], **per_lane)


def test_run_many_per_lane_hyperparameters_broadcast() -> None:
    """One start with per-lane eta; per-lane starts with one eta."""
    lrs = np.array([1e-3, 1e-2, 5e-2])
    out = optviz.run_many("adam", "beale", (1.0, 1.4), steps=200, lr=lrs)
    for i, lr in enumerate(lrs):
        assert np.array_equal(out.final_xy[i], optviz.run("adam", "beale", steps=200, lr=lr).xy[-1])
    assert len(set(map(tuple, out.final_xy))) == 3  # the lanes really differ
    starts = np.array([(1.0, 1.4), (2.0, 0.0), (-1.0, -1.0)])
    out = optviz.run_many("adam", "beale", starts, steps=200, lr=0.02)
    for i, start in enumerate(starts):
        assert np.array_equal(
            out.final_xy[i], optviz.run("adam", "beale", tuple(start), steps=200, lr=0.02).xy[-1]
        )


# ---------------------------------------------------------------------------------------------
# Random settings

SURFACE_NAMES = tuple(surfaces.SURFACES)


@st.composite
def run_settings(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(ALL))
    surface = draw(st.sampled_from(SURFACE_NAMES))
    (x0, x1), (y0, y1) = surfaces.get(surface).domain
    unit = st.floats(0.0, 0.999)
    return {
        "optimizer": name,
        "surface": surface,
        "start": (draw(st.floats(x0, x1)), draw(st.floats(y0, y1))),
        "lr": 10.0 ** draw(st.floats(-6.0, 2.0)),
        "gamma": draw(unit),
        "beta1": draw(unit),
        "beta2": draw(unit),
        "eps": draw(st.sampled_from([0.0, 1e-12, 1e-8, 1e-4, 1e-1])),
        "weight_decay": draw(st.floats(0.0, 1.0)),
        "eps_placement": draw(st.sampled_from(PLACEMENTS)),
        "batch_size": draw(st.sampled_from([None, "full", 1, 10])),
        "steps": draw(st.integers(1, 300)),
    }


def edge_settings(**kw: Any) -> dict[str, Any]:
    """A run_settings() draw with every hyperparameter at 0 and 50 steps, except as given."""
    base = dict.fromkeys((name for name in HYPERPARAMETERS if name != "lr"), 0.0)
    return {"eps_placement": "inside", "batch_size": None, "steps": 50, "lr": 0.01, **base, **kw}


# The known edge cases, tried on every run besides the drawn settings.
EDGE_SETTINGS = [
    # eps = 0 and a coordinate whose gradient is exactly 0 throughout: 0 / 0 must not diverge.
    edge_settings(optimizer="adam", surface="bowl", start=(0.0, 2.0)),
    edge_settings(optimizer="adagrad", surface="bowl", start=(-5.0, 0.0), eps_placement="outside"),
    edge_settings(optimizer="adadelta", surface="booth", start=(1.0, 3.0), lr=3.0),  # at the minimum
    # a stationary point: the saddle itself, with momentum at its largest
    edge_settings(optimizer="momentum", surface="saddle", start=(0.0, 0.0), gamma=0.999),
    # huge steps: divergence at the first update, with and without a look-ahead or a sign
    edge_settings(optimizer="batch_gd", surface="goldstein_price", start=(-1.5, 1.5), lr=100.0),
    edge_settings(optimizer="nesterov", surface="rosenbrock", start=(-2.0, 3.0), lr=100.0, gamma=0.999),
    edge_settings(optimizer="lion", surface="rastrigin", start=(5.12, -5.12), lr=100.0, weight_decay=1.0),
    # one step, one example, from a corner of the domain
    edge_settings(optimizer="sgd", surface="line_fit", start=(-3.0, 5.0), batch_size=1, steps=1),
    # decay rates at the top of the drawn range, eps outside, batches of 10
    edge_settings(
        optimizer="amsgrad", surface="six_hump_camel", start=(3.0, -2.0), lr=1.0, beta1=0.999,
        beta2=0.999, eps=0.1, eps_placement="outside", batch_size=10,
    ),
    edge_settings(optimizer="adamw", surface="styblinski_tang", start=(5.0, 5.0), lr=0.1, weight_decay=1.0),
    edge_settings(optimizer="rmsprop", surface="ackley", start=(0.0, 0.0), gamma=0.999, eps=1e-12),
]  # fmt: skip


def with_edge_settings(test: Any) -> Any:
    for kw in reversed(EDGE_SETTINGS):
        test = example(kw)(test)
    return test


@settings(max_examples=50, deadline=None)
@given(run_settings())
@with_edge_settings
def test_random_settings_end_well(kw: dict[str, Any]) -> None:
    """Never an exception; every output finite; the run either stays in bounds throughout or is
    flagged as diverged, its record frozen at the last good iterate."""
    result = optviz.run(**kw)
    surf = surfaces.get(kw["surface"])
    for array in (result.xy, result.loss, result.grad, result.rate):
        assert np.isfinite(array).all()
    (x0, x1), (y0, y1) = surf.bounds
    assert (
        (x0 <= result.xy[:, 0]) & (result.xy[:, 0] <= x1) & (y0 <= result.xy[:, 1]) & (result.xy[:, 1] <= y1)
    ).all()
    assert result.loss.min() >= surf.min_value - 1e-9 * max(1.0, abs(surf.min_value))
    k = result.diverged_at
    if k is not None:
        assert 1 <= k <= kw["steps"]
        assert (result.xy[k:] == result.xy[k - 1]).all()
        assert (result.grad[k:] == 0).all()
    # The recorded loss is the surface's at the recorded iterate.
    for i in (0, len(result.loss) // 2, -1):
        assert result.loss[i] == pytest.approx(surf(*result.xy[i]), rel=1e-12, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(run_settings())
@with_edge_settings
def test_random_settings_match_reference(kw: dict[str, Any]) -> None:
    """Over random settings (batches included) the engine and the reference agree, step by step so
    that chaotic runs are compared too."""
    result = optviz.run(**kw)
    name = kw["optimizer"]
    surf = surfaces.get(kw["surface"])
    size = result.settings.batch_size
    terms = None if size is None else lecture_batches(surf, size, None, 0, kw["steps"] + 1)
    hyper = {k: kw[k] for k in optviz.OPTIMIZERS[name].defaults}
    forced_check(name, surf, result, Hyper(eps_placement=kw["eps_placement"], **hyper), terms=terms)
