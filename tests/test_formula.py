"""Typed formulas: what is accepted and how it reads, what is refused and why, the exact gradient
(against hand derivations, finite differences and complex steps), the compiled program (against
the tree it came from and the engine), and the surfaces built from them. How fast a refusal is:
benchmarks/bench_formula.py prints it for every input in HOSTILE and for random texts."""

from __future__ import annotations

import functools
import math
import os
import random
import re
import sys
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

import optviz
import surfaces
from surfaces import program
from surfaces.formula import MAX_LENGTH, MAX_NESTING, MAX_NODES, Formula, FormulaError, parse_formula
from surfaces.formula.evaluate import evaluate_tree, power_steps
from surfaces.formula.nodes import FUNCTIONS, BinOp, Call, Const, Neg, Node, Num, Var, uses_variables
from surfaces.formula.parse import MAX_EXPONENT, MAX_LITERAL, parse
from surfaces.formula.text import to_text

Fn = Callable[[np.ndarray, np.ndarray], np.ndarray]
BOX = ((-3.0, 3.0), (-3.0, 3.0))
POSITIVE = ((0.5, 3.0), (0.5, 3.0))


def _sec2(u: np.ndarray) -> np.ndarray:
    return 1.0 / np.cos(u) ** 2


# text, domain, f, df/dx, df/dy: each gradient derived by hand.
FORMULAS: list[tuple[str, tuple, Fn, Fn, Fn]] = [
    ("x**2 + 10*y**2", BOX, lambda x, y: x**2 + 10 * y**2, lambda x, y: 2 * x, lambda x, y: 20 * y),
    ("x^2", BOX, lambda x, y: x**2, lambda x, y: 2 * x, lambda x, y: 0 * y),
    (
        "sin(x)*cos(y)",
        BOX,
        lambda x, y: np.sin(x) * np.cos(y),
        lambda x, y: np.cos(x) * np.cos(y),
        lambda x, y: -np.sin(x) * np.sin(y),
    ),
    (
        "exp(-(x^2+y^2))",
        BOX,
        lambda x, y: np.exp(-(x**2 + y**2)),
        lambda x, y: -2 * x * np.exp(-(x**2 + y**2)),
        lambda x, y: -2 * y * np.exp(-(x**2 + y**2)),
    ),
    ("abs(x) + y^2", BOX, lambda x, y: np.abs(x) + y**2, lambda x, y: np.sign(x), lambda x, y: 2 * y),
    (
        "log(1 + x^2)",
        BOX,
        lambda x, y: np.log(1 + x**2),
        lambda x, y: 2 * x / (1 + x**2),
        lambda x, y: 0 * y,
    ),
    (
        "(1-x)^2 + 100(y-x^2)^2",
        ((-2.0, 2.0), (-1.0, 3.0)),
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        lambda x, y: -2 * (1 - x) - 400 * x * (y - x**2),
        lambda x, y: 200 * (y - x**2),
    ),
    (
        "sin(3x) cos(3y) + 0.1(x^2 + y^2)",
        BOX,
        lambda x, y: np.sin(3 * x) * np.cos(3 * y) + 0.1 * (x**2 + y**2),
        lambda x, y: 3 * np.cos(3 * x) * np.cos(3 * y) + 0.2 * x,
        lambda x, y: -3 * np.sin(3 * x) * np.sin(3 * y) + 0.2 * y,
    ),
    (
        "(x^2+y-11)^2 + (x+y^2-7)^2",
        ((-5.0, 5.0), (-5.0, 5.0)),
        lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
        lambda x, y: 4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
        lambda x, y: 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7),
    ),
    (
        "sqrt(1 + x^2 + y^2)",
        BOX,
        lambda x, y: np.sqrt(1 + x**2 + y**2),
        lambda x, y: x / np.sqrt(1 + x**2 + y**2),
        lambda x, y: y / np.sqrt(1 + x**2 + y**2),
    ),
    (
        "2^x * e^y",
        BOX,
        lambda x, y: 2**x * np.exp(y),
        lambda x, y: np.log(2) * 2**x * np.exp(y),
        lambda x, y: 2**x * np.exp(y),
    ),
    (
        "x^y",
        POSITIVE,
        lambda x, y: x**y,
        lambda x, y: y * x ** (y - 1),
        lambda x, y: x**y * np.log(x),
    ),
    (
        "tan(x/2) + tanh(y)",
        BOX,
        lambda x, y: np.tan(x / 2) + np.tanh(y),
        lambda x, y: _sec2(x / 2) / 2,
        lambda x, y: 1 - np.tanh(y) ** 2,
    ),
    (
        "arctan(x*y)",
        BOX,
        lambda x, y: np.arctan(x * y),
        lambda x, y: y / (1 + (x * y) ** 2),
        lambda x, y: x / (1 + (x * y) ** 2),
    ),
    (
        "1/(1 + x^2 + y^2)",
        BOX,
        lambda x, y: 1 / (1 + x**2 + y**2),
        lambda x, y: -2 * x / (1 + x**2 + y**2) ** 2,
        lambda x, y: -2 * y / (1 + x**2 + y**2) ** 2,
    ),
    (
        "sinh(x) - cosh(y)/2",
        BOX,
        lambda x, y: np.sinh(x) - np.cosh(y) / 2,
        lambda x, y: np.cosh(x),
        lambda x, y: -np.sinh(y) / 2,
    ),
    (
        "x^3 - 3x y^2",
        BOX,
        lambda x, y: x**3 - 3 * x * y**2,
        lambda x, y: 3 * x**2 - 3 * y**2,
        lambda x, y: -6 * x * y,
    ),
    (
        "2pi x + e*y^2",
        BOX,
        lambda x, y: 2 * np.pi * x + np.e * y**2,
        lambda x, y: 2 * np.pi + 0 * x,
        lambda x, y: 2 * np.e * y,
    ),
    (
        "-x^-2 + y^0.5",
        POSITIVE,
        lambda x, y: -(x**-2.0) + np.sqrt(y),
        lambda x, y: 2 * x**-3.0,
        lambda x, y: 0.5 / np.sqrt(y),
    ),
    ("x/y", POSITIVE, lambda x, y: x / y, lambda x, y: 1 / y, lambda x, y: -x / y**2),
    # The quotient rule (u/v)' = (u' v - u v') / v^2 with u and v both depending on the variable:
    # d/dx (xy / (x + y)) = (y (x + y) - xy) / (x + y)^2 = y^2 / (x + y)^2, and x^2 / (x + y)^2 in y.
    (
        "x y / (x + y)",
        POSITIVE,
        lambda x, y: x * y / (x + y),
        lambda x, y: y**2 / (x + y) ** 2,
        lambda x, y: x**2 / (x + y) ** 2,
    ),
    # d/dx ((x - y) / (x + y)) = ((x + y) - (x - y)) / (x + y)^2 = 2y / (x + y)^2;
    # d/dy = (-(x + y) - (x - y)) / (x + y)^2 = -2x / (x + y)^2.
    (
        "(x - y)/(x + y)",
        POSITIVE,
        lambda x, y: (x - y) / (x + y),
        lambda x, y: 2 * y / (x + y) ** 2,
        lambda x, y: -2 * x / (x + y) ** 2,
    ),
    # With D = 1 + x^2 + y^2: d/dx ((x^2 + y) / D) = (2x D - (x^2 + y) 2x) / D^2 = 2x (1 + y^2 - y) / D^2;
    # d/dy = (D - (x^2 + y) 2y) / D^2 = (1 + x^2 - y^2 - 2x^2 y) / D^2.
    (
        "(x^2 + y)/(1 + x^2 + y^2)",
        BOX,
        lambda x, y: (x**2 + y) / (1 + x**2 + y**2),
        lambda x, y: 2 * x * (1 + y**2 - y) / (1 + x**2 + y**2) ** 2,
        lambda x, y: (1 + x**2 - y**2 - 2 * x**2 * y) / (1 + x**2 + y**2) ** 2,
    ),
    # d/dx (sin(x) / x) = (x cos x - sin x) / x^2; d/dy (exp(y) / (y + x)) = exp(y) (x + y - 1) / (x + y)^2
    # and d/dx of it = -exp(y) / (x + y)^2.
    (
        "sin(x)/x + exp(y)/(y + x)",
        POSITIVE,
        lambda x, y: np.sin(x) / x + np.exp(y) / (y + x),
        lambda x, y: (x * np.cos(x) - np.sin(x)) / x**2 - np.exp(y) / (x + y) ** 2,
        lambda x, y: np.exp(y) * (x + y - 1) / (x + y) ** 2,
    ),
    (
        "sign(x) * y^2",
        BOX,
        lambda x, y: np.sign(x) * y**2,
        lambda x, y: 0 * x,
        lambda x, y: 2 * np.sign(x) * y,
    ),
    (
        "ln(x^2 + 1) * atan(y)",
        BOX,
        lambda x, y: np.log(x**2 + 1) * np.arctan(y),
        lambda x, y: 2 * x / (x**2 + 1) * np.arctan(y),
        lambda x, y: np.log(x**2 + 1) / (1 + y**2),
    ),
]
FORMULA_IDS = [text for text, *_ in FORMULAS]


def _points(domain, n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    (x0, x1), (y0, y1) = domain
    rng = np.random.default_rng(seed)
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


def _decode(code) -> list[tuple[int, int, int, int]]:
    p = np.asarray(code)
    n = int(p[0])
    return [tuple(int(v) for v in row) for row in p[program.HEADER : program.HEADER + 4 * n].reshape(n, 4)]


# ---------------------------------------------------------------------------------------------
# Exact gradients


@pytest.mark.parametrize(("text", "domain", "f", "fx", "fy"), FORMULAS, ids=FORMULA_IDS)
def test_gradient_matches_the_hand_derived_one(text, domain, f, fx, fy):
    x, y = _points(domain)
    value, gx, gy = parse_formula(text).evaluate(x, y)
    for got, want in ((value, f(x, y)), (gx, fx(x, y)), (gy, fy(x, y))):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("text", "domain", "f", "fx", "fy"), FORMULAS, ids=FORMULA_IDS)
def test_gradient_matches_finite_differences(text, domain, f, fx, fy):
    formula = parse_formula(text)
    x, y = _points(domain, seed=1)
    h = 1e-6
    value, gx, gy = formula.evaluate(x, y)
    fd_x = (formula.evaluate(x + h, y)[0] - formula.evaluate(x - h, y)[0]) / (2 * h)
    fd_y = (formula.evaluate(x, y + h)[0] - formula.evaluate(x, y - h)[0]) / (2 * h)
    tol = 1e-6 * (1 + np.abs(value) + np.abs(gx) + np.abs(gy))
    assert np.all(np.abs(gx - fd_x) <= tol)
    assert np.all(np.abs(gy - fd_y) <= tol)


@pytest.mark.parametrize(
    ("text", "dx", "dy"),
    [
        ("x**2 + 10*y**2", "2 x", "20 y"),
        (
            "sin(x)*cos(y)",
            r"\cos\left(x\right) \cos\left(y\right)",
            r"-\sin\left(x\right) \sin\left(y\right)",
        ),
        ("exp(-(x^2+y^2))", r"-2 x e^{-\left(x^{2} + y^{2}\right)}", r"-2 y e^{-\left(x^{2} + y^{2}\right)}"),
        ("abs(x) + y^2", r"\operatorname{sign}\left(x\right)", "2 y"),
        ("log(1 + x^2)", r"\frac{2 x}{1 + x^{2}}", "0"),
        ("sqrt(x^2 + y^2)", r"\frac{x}{\sqrt{x^{2} + y^{2}}}", r"\frac{y}{\sqrt{x^{2} + y^{2}}}"),
        ("x^3 - 3x y^2", "3 x^{2} - 3 y^{2}", "-6 x y"),
    ],
)
def test_gradient_latex_reads_like_a_hand_derivation(text, dx, dy):
    assert parse_formula(text).gradient_latex == (dx, dy)


def test_latex_of_f_follows_the_formula():
    cases = {
        "x**2 + 10*y**2": "x^{2} + 10 y^{2}",
        "exp(-(x^2+y^2))": r"e^{-\left(x^{2} + y^{2}\right)}",
        "abs(x) + y^2": r"\left|x\right| + y^{2}",
        "sin(x)^2 / (1 + pi)": r"\frac{\sin^{2}\left(x\right)}{1 + \pi}",
        "1e-5 x - -y": r"10^{-5} x - \left(-y\right)",
    }
    for text, latex in cases.items():
        assert parse_formula(text).latex == latex


# ---------------------------------------------------------------------------------------------
# The grammar


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("2x", "2*x"),
        ("2x^2", "2*(x^2)"),
        ("2(x + 1)", "2*(x + 1)"),
        ("(x + 1)(y - 1)", "(x + 1)*(y - 1)"),
        ("sin(x)cos(y)", "sin(x)*cos(y)"),
        ("x y", "x*y"),
        ("2pi x", "2*pi*x"),
        ("-x^2", "-(x^2)"),
        ("2^3^x", "2^(3^x)"),
        ("x^-2", "x^(-2)"),
        ("1/2x", "(1/2)*x"),
        ("x**2", "x^2"),
        ("ln(x)", "log(x)"),
        ("atan(x)", "arctan(x)"),
        (".5x", "0.5*x"),
        ("1e-3x", "0.001*x"),
        ("2e x", "2*e*x"),
        ("+x", "x"),
        ("x\n+ y\t", "x + y"),
    ],
)
def test_familiar_notation_parses_as_a_reader_expects(text, same_as):
    assert parse(text) == parse(same_as)


@pytest.mark.parametrize(("text", "_d", "_f", "_fx", "_fy"), FORMULAS, ids=FORMULA_IDS)
def test_canonical_text_gives_the_same_formula_back(text, _d, _f, _fx, _fy):
    formula = parse_formula(text)
    assert parse_formula(formula.text) == formula


def test_limits_are_exact():
    assert parse("x" + " " * (MAX_LENGTH - 1))
    with pytest.raises(FormulaError, match="too long"):
        parse("x" + " " * MAX_LENGTH)
    depth = MAX_NESTING
    assert parse("(" * depth + "x" + ")" * depth)
    with pytest.raises(FormulaError, match="nests too deeply"):
        parse("(" * (depth + 1) + "x" + ")" * (depth + 1))
    terms = (MAX_NODES + 1) // 2  # n terms of a sum are 2n - 1 nodes
    assert parse("+".join(["x"] * terms))
    with pytest.raises(FormulaError, match="too long"):
        parse("+".join(["x"] * (terms + 1)))
    assert parse(f"{MAX_LITERAL:g}*x") and parse(f"x^{MAX_EXPONENT:g}")
    with pytest.raises(FormulaError, match="too large"):
        parse(f"{2 * MAX_LITERAL:g}*x")
    with pytest.raises(FormulaError, match="exponent"):
        parse(f"x^({MAX_EXPONENT:g} + 1)")


def test_errors_point_at_their_column():
    with pytest.raises(FormulaError) as info:
        parse("x + foo(y)")
    assert info.value.column == 5 and "(column 5)" in str(info.value)
    assert issubclass(FormulaError, ValueError)


def test_a_constant_is_a_tree_but_not_a_surface():
    assert parse("2 pi") == BinOp("*", Num(2.0), Const("pi"))
    with pytest.raises(FormulaError, match="does not use x or y"):
        surfaces.from_formula("2 pi")


# ---------------------------------------------------------------------------------------------
# Hostile input

HOSTILE: list[tuple[object, str]] = [
    ("", "empty"),
    ("   \n", "empty"),
    ("__import__('os').system('rm -rf /')", "double underscores"),
    ("__builtins__", "double underscores"),
    ("x.__class__", "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
    ("os.system", "attribute access"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("exec", "unknown name 'exec'"),
    ("getattr(x, 'y')", "unknown function 'getattr'"),
    ("lambda x: x", "'lambda' is Python"),
    ("[x for x in (1, 2)]", "brackets"),
    ("x for x in y", "'for' is Python"),
    ("x if y else 1", "'if' is Python"),
    ("import os", "'import' is Python"),
    ("x[0]", "brackets"),
    ("sin(x=1)", "'='"),
    ("x == y", "'='"),
    ("'x'", "strings"),
    ('"x"', "strings"),
    ("{1: x}", "braces"),
    ("x; y", "';'"),
    ("x # comment", "comments"),
    ("x" * (MAX_LENGTH + 1), "too long"),
    ("x" + " " * 10**6, "too long"),
    ("(" * 100 + "x" + ")" * 100, "nests too deeply"),
    ("-" * 100 + "x", "nests too deeply"),
    ("x^" * 100 + "x", "nests too deeply"),
    ("sin(" * 50 + "x" + ")" * 50, "nests too deeply"),
    ("+".join(["x"] * 200), "too long"),
    ("9**9**9", "exponent 9^9"),
    ("x^9^9", "too large"),
    ("2^2^2^2^2 * x", "too large"),
    ("1e999*x", "too large"),
    ("9" * 39 + "*x", "too large"),
    ("9" * 100, "number too long"),
    ("1/0 + x", "1/0 is inf"),
    ("log(0)*x", "log(0) is -inf"),
    ("sqrt(-1) + x", "sqrt(-1) is nan"),
    ("exp(1000) + x", "exp(1000) is inf"),
    ("foo(x)", "unknown function 'foo'"),
    ("z", "unknown name 'z'"),
    ("X + y", "did you mean 'x'"),
    ("sin x", "needs parentheses"),
    ("x // 2", "floor division"),
    ("x % 2", "operator '%'"),
    ("x @ y", "operator '@'"),
    ("x ** ", "ends too early"),
    ("(x", "missing ')'"),
    ("x)", "unmatched ')'"),
    ("sin(x, y)", "one argument"),
    ("2 3", "missing operator"),
    ("\uff58", "U+FF58"),
    ("x\x00", "U+0000"),
    ("x \\ y", "backslashes"),
    ("pi", "does not use x or y"),
    (None, "is text"),
    (b"x", "is text"),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE, ids=[repr(t)[:40] for t, _ in HOSTILE])
def test_hostile_input_is_refused_with_its_reason(text, message):
    with pytest.raises(FormulaError, match=re.escape(message)):
        surfaces.from_formula(text)  # type: ignore[arg-type]


def test_hostile_input_has_no_side_effects(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    surfaces.from_formula("x^2 + y^2")  # whatever a normal formula imports is imported now
    modules = set(sys.modules)
    for text, message in HOSTILE:
        with pytest.raises(FormulaError, match=re.escape(message)):
            surfaces.from_formula(text)  # type: ignore[arg-type]
    assert set(sys.modules) == modules
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# The compiled program


@pytest.mark.parametrize(("text", "domain", "_f", "_fx", "_fy"), FORMULAS, ids=FORMULA_IDS)
def test_program_computes_exactly_what_the_tree_does(text, domain, _f, _fx, _fy):
    formula = parse_formula(text)
    x, y = _points(domain, seed=2)
    for got, tree in zip(formula.evaluate(x, y), (formula.tree, *formula.gradient), strict=True):
        np.testing.assert_array_equal(got, evaluate_tree(tree, x, y))


@pytest.mark.parametrize(("text", "domain", "_f", "_fx", "_fy"), FORMULAS, ids=FORMULA_IDS)
def test_engine_runs_the_program_like_numpy(text, domain, _f, _fx, _fy):
    surface = surfaces.from_formula(text, domain=domain)
    x, y = _points(domain, seed=3)
    for got, want in zip(optviz.evaluate(surface, x, y), parse_formula(text).evaluate(x, y), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def _ops(text: str) -> list[int]:
    return [op for op, *_ in _decode(parse_formula(text).program)]


def test_powers_are_multiplications_where_that_is_cheaper():
    assert program.POW not in _ops("x^2 + y^3 + x^-4 + y^16")
    assert _ops("x^2").count(program.SQUARE) == 1
    assert program.POW in _ops("x^2.5") and program.POW in _ops("x^y")
    assert program.SQRT in _ops("x^0.5 + y")


def test_common_subexpressions_are_computed_once():
    # f and both partial derivatives all contain exp(x y); sin(x) and cos(x) appear once each.
    assert _ops("exp(x*y)").count(program.EXP) == 1
    ops = _ops("sin(x)^2 + sin(x) + y*sin(x)")
    assert ops.count(program.SIN) == 1 and ops.count(program.COS) == 1
    code = parse_formula("(x + y)^2 + (y + x)^3").program
    assert [(a, b) for op, a, b, _ in _decode(code) if op == program.ADD].count((0, 1)) == 1  # y + x = x + y


def test_constants_are_folded():
    code = parse_formula("2*pi*x + (1 + 2)^2 * y").program
    values = np.asarray(code)[program.HEADER + 4 * int(code[0]) :].tolist()
    assert 2 * math.pi in values and 9.0 in values
    # No instruction works on constants alone: every such part was folded into one constant.
    holding_constants: set[int] = set()  # registers are reused, so follow them in program order
    for op, a, b, out in _decode(code):
        if op in program.BINARY:
            assert not {a, b} <= holding_constants
        elif op in program.UNARY:
            assert a not in holding_constants
        (holding_constants.add if op == program.CONST else holding_constants.discard)(out)


def test_registers_are_reused():
    code = parse_formula("(x^2 + y - 11)^2 + (x + y^2 - 7)^2 + sin(x*y)*exp(-x^2)").program
    assert int(code[1]) < int(code[0])  # fewer registers than instructions


# ---------------------------------------------------------------------------------------------
# Property tests

PIECES = [
    *"xy()+-*/^.,0123456789e ",
    *["sin(", "cos(", "exp(", "log(", "sqrt(", "abs(", "arctan(", "pi", "**", "1e-3", "2.5"],
    *["__", "[", "]", "'", "=", ":", "lambda", "import", "os", ".", "\u00e9", "\x00", "\n", "9**9**9"],
]
SOUPS = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.filter_too_much]
)
XS = np.array([-2.5, -1.0, -0.3, 0.0, 0.7, 1.5, 2.9])
YS = np.array([1.3, -0.6, 2.2, -1.7, 0.0, 0.4, -2.8])


def _check_program(formula: Formula) -> None:
    for got, tree in zip(formula.evaluate(XS, YS), (formula.tree, *formula.gradient), strict=True):
        np.testing.assert_array_equal(got, evaluate_tree(tree, XS, YS))


@PROPERTY_SETTINGS
@given(st.one_of(SOUPS, st.text(max_size=80)))
@example("")
@example("x" + " + x" * 125)  # one character over the length limit
@example("(" * 31 + "x" + ")" * 31)  # one level deeper than allowed
@example("x" + "+x" * 200)  # more nodes than allowed
@example("9**9**9")
@example("x^1001")  # an exponent over the limit
@example("1e13 x")  # a literal over the limit
@example("1e309 + x")
@example("x^")
@example("sin x")
@example("__import__('os')")
@example("x\x00")
@example("2e-3x y")
def test_any_text_is_either_a_formula_or_a_formula_error(text):
    try:
        formula = parse_formula(text)
    except FormulaError:
        pass
    else:
        _check_program(formula)


LEAVES = st.one_of(
    st.sampled_from([0.0, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0, 10.0]).map(Num),
    st.sampled_from(["x", "y"]).map(Var),
    st.sampled_from(["pi", "e"]).map(Const),
)


def _extend(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        inner.map(Neg),
        st.builds(Call, st.sampled_from(FUNCTIONS), inner),
        st.builds(BinOp, st.sampled_from("+-*/^"), inner, inner),
    )


TREES = st.recursive(LEAVES, _extend, max_leaves=8)


# Trees whose text needs care: signs, right-associative powers, implicit products, e next to a number.
EDGE_TREES = [
    Neg(Num(2.0)),
    BinOp("^", Var("x"), Neg(Num(2.0))),  # x^-2
    BinOp("^", BinOp("^", Num(2.0), Num(3.0)), Var("x")),  # (2^3)^x, not 2^3^x
    BinOp("^", Neg(Var("x")), Num(2.0)),  # (-x)^2, not -x^2
    Neg(BinOp("^", Var("x"), Num(2.0))),  # -x^2
    BinOp("-", Var("x"), Neg(Var("y"))),  # x - -y
    BinOp("-", Var("x"), BinOp("-", Var("y"), Num(1.0))),  # x - (y - 1)
    BinOp("/", Num(1.0), BinOp("*", Num(2.0), Var("x"))),  # 1/(2x), not 1/2x
    BinOp("*", Num(2.0), Const("e")),  # 2 e, not 2e
    BinOp("*", Num(0.5), BinOp("^", Const("e"), Var("x"))),
    Call("sin", Neg(Var("x"))),
    Call("sqrt", BinOp("/", Var("x"), Var("y"))),
]


def with_edge_trees(test, *, formulas_only: bool = False):
    """The test with EDGE_TREES as explicit examples (only those that use x or y: formulas)."""
    for tree in reversed(EDGE_TREES):
        if uses_variables(tree) or not formulas_only:
            test = example(tree)(test)
    return test


@PROPERTY_SETTINGS
@given(TREES)
@with_edge_trees
def test_a_tree_printed_as_text_parses_back_to_itself(tree):
    text = to_text(tree)
    try:
        parsed = parse(text)
    except FormulaError as error:
        # A well-formed tree is only refused for a documented limit on its values or size.
        assert any(s in str(error) for s in ("constant", "exponent", "too long", "nests too deeply"))
        return
    assert parsed == tree
    assert to_text(parsed) == text
    np.testing.assert_array_equal(evaluate_tree(parsed, XS, YS), evaluate_tree(tree, XS, YS))


def _precedence(node: Node) -> int:
    """How tightly a node binds in text: sums 1, products 2, signs 3, powers 4, atoms 5."""
    if isinstance(node, BinOp):
        return {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}[node.op]
    return 3 if isinstance(node, Neg) else 5


def _render(node: Node, rnd: random.Random) -> str:
    """The tree in text as a person might type it: ^ or **, implicit multiplication where it
    parses the same, spaces anywhere between tokens and redundant parentheses."""

    def space() -> str:
        return rnd.choice(["", "", " ", "  "])

    def text(n: Node) -> str:
        out = plain(n)
        return f"({space()}{out}{space()})" if rnd.random() < 0.1 else out

    def wrapped(n: Node, parens: bool) -> str:
        return f"({text(n)})" if parens else text(n)

    def plain(n: Node) -> str:
        if isinstance(n, Num):
            return to_text(n)
        if isinstance(n, Var | Const):
            return n.name
        if isinstance(n, Neg):
            return "-" + space() + wrapped(n.arg, _precedence(n.arg) < 3)
        if isinstance(n, Call):
            return f"{n.fn}({space()}{text(n.arg)}{space()})"
        left, right = _precedence(n.left), _precedence(n.right)
        if n.op == "^":
            op = rnd.choice(["^", "**"])
            return f"{wrapped(n.left, left < 5)}{space()}{op}{space()}{wrapped(n.right, right < 3)}"
        own = 1 if n.op in "+-" else 2
        a, b = wrapped(n.left, left < own), wrapped(n.right, right <= own)
        # Juxtaposition multiplies a power or an atom that does not start with a digit or a sign;
        # a space must separate two names (x y, not xy) and a number from e (2 e-3 is not 2e-3).
        if n.op == "*" and right >= 4 and (b[0].isalpha() or b[0] == "(") and rnd.random() < 0.5:
            must = (a[-1].isalpha() and b[0].isalpha()) or (a[-1].isdigit() and b[0] in "eE")
            return a + (" " if must else space()) + b
        return f"{a}{space()}{n.op}{space()}{b}"

    return text(node)


@PROPERTY_SETTINGS
@given(TREES, st.randoms(use_true_random=False))
@example(EDGE_TREES[2], random.Random(0))
@example(EDGE_TREES[3], random.Random(1))
@example(EDGE_TREES[7], random.Random(2))
@example(EDGE_TREES[8], random.Random(3))
@example(BinOp("*", BinOp("^", Var("x"), Num(2.0)), Var("y")), random.Random(4))
def test_a_tree_typed_in_any_familiar_notation_parses_to_itself(tree, rnd):
    text = _render(tree, rnd)
    try:
        parsed = parse(text)
    except FormulaError as error:
        assert any(s in str(error) for s in ("constant", "exponent", "too long", "nests too deeply"))
        return
    assert parsed == tree, text


def _complex_value(node: Node, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The tree at complex points, for complex-step derivatives: Im f(x + ih) / h = df/dx to full
    precision. abs and sign are taken on the real part (their derivative is sign, resp. 0), and
    powers follow the formula's own evaluation (repeated products for small integer exponents)."""
    if isinstance(node, Num | Const):
        return np.full(x.shape, node.value, dtype=complex)
    if isinstance(node, Var):
        return x if node.name == "x" else y
    if isinstance(node, Neg):
        return -_complex_value(node.arg, x, y)
    if isinstance(node, Call):
        u = _complex_value(node.arg, x, y)
        if node.fn == "abs":
            return u * np.sign(u.real)
        if node.fn == "sign":
            return np.sign(u.real) + 0j
        return getattr(np, node.fn)(u)
    u, v = _complex_value(node.left, x, y), _complex_value(node.right, x, y)
    if node.op == "^" and not uses_variables(node.right):
        steps = power_steps(float(evaluate_tree(node.right, 0.0, 0.0)))
        if steps is not None:
            values = [u]
            for step, a, b in steps:
                w = values[a]
                if step == "one":
                    values.append(np.ones_like(w))
                elif step == "sqrt":
                    values.append(np.sqrt(w))
                elif step == "square":
                    values.append(w * w)
                elif step == "mul":
                    values.append(w * values[b])
                else:
                    values.append(1 / w)
            return values[-1]
        return u**v.real
    return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}[node.op](u, v)


@PROPERTY_SETTINGS
@given(TREES)
@example(BinOp("/", Var("x"), Var("y")))  # YS holds 0: an infinite quotient
@example(BinOp("/", BinOp("*", Var("x"), Var("y")), BinOp("+", Var("x"), Var("y"))))  # the quotient rule
@example(BinOp("^", Var("x"), Var("y")))  # negative bases: NaN
@example(BinOp("^", Var("x"), Num(0.5)))  # a square root by a power
@example(BinOp("^", Var("y"), Num(3.0)))  # a power by repeated products
@example(Call("sqrt", Var("x")))
@example(Call("abs", Var("y")))  # at its kink (YS holds 0)
@example(Call("log", Call("abs", Var("x"))))
@example(BinOp("*", Call("sign", Var("x")), Var("y")))
@example(Call("tan", BinOp("*", Num(0.5), BinOp("*", Const("pi"), Var("x")))))
@functools.partial(with_edge_trees, formulas_only=True)
def test_random_formulas_compile_exactly_and_differentiate_correctly(tree):
    try:
        formula = parse_formula(to_text(tree))
    except FormulaError:
        reject()
    _check_program(formula)
    value, gx, gy = formula.evaluate(XS, YS)
    h = 1e-20
    with np.errstate(all="ignore"):
        cx = _complex_value(formula.tree, XS + 1j * h, YS + 0j).imag / h
        cy = _complex_value(formula.tree, XS + 0j, YS + 1j * h).imag / h
    for exact, step in ((gx, cx), (gy, cy)):
        # where everything is finite and of moderate size (no overflow, no singularity nearby)
        ok = np.isfinite(value) & np.isfinite(exact) & np.isfinite(step) & (np.abs(exact) < 1e6)
        ok &= np.abs(value) < 1e6
        np.testing.assert_allclose(
            exact[ok], step[ok], rtol=1e-7, atol=1e-7 * (1 + np.abs(value[ok]).max(initial=0))
        )


# ---------------------------------------------------------------------------------------------
# Surfaces


@pytest.mark.parametrize(("text", "domain", "_f", "_fx", "_fy"), FORMULAS, ids=FORMULA_IDS)
def test_every_optimizer_races_on_every_formula(text, domain, _f, _fx, _fy):
    surface = surfaces.from_formula(text, domain=domain)
    for name in optviz.OPTIMIZERS:
        run = optviz.run(name, surface, steps=25)
        assert run.diverged_at is None or 0 < run.diverged_at <= 25
        assert all(np.isfinite(a).all() for a in (run.xy, run.loss, run.grad, run.rate))


def test_a_formula_surface_works_wherever_a_built_in_one_does():
    surface = surfaces.from_formula("x^2 + 10 y^2", name="ravine")
    assert surface.name == "ravine" and surface.group == "custom" and "custom" in surface.tags
    assert surface.latex == "f(x, y) = x^{2} + 10 y^{2}" and surface.title == "Custom: x^2 + 10*y^2"
    assert surface.function is program.value_grad and surface.params == parse_formula("x^2+10y^2").program
    assert surfaces.get(surface) is surface
    assert surface(1.0, 2.0) == 41.0 and surface.gradient(1.0, 2.0) == (2.0, 40.0)
    run = optviz.run("adam", surface, steps=300, lr=0.1)
    assert run.loss[-1] < 1e-2 * run.loss[0]
    outcomes = optviz.run_many("momentum", surface, [[1.0, 1.0], [-2.0, 2.0]], steps=200, lr=[0.01, 0.02])
    assert (outcomes.diverged_at == -1).all() and (outcomes.distance < 0.1).all()
    stability = optviz.sweep(
        "batch_gd", surface, ("lr", 1e-3, 1.0, 8), ("weight_decay", 0.0, 0.1, 3, "linear")
    )
    diverged = stability.diverged_at[0] >= 0
    assert not diverged[0] and diverged[-1]  # gradient descent is stable for lr < 2/20 only
    f, gx, gy = optviz.evaluate(surface, np.zeros((2, 3)), np.ones((2, 3)))
    assert f.shape == (2, 3) and (f == 10).all() and (gx == 0).all() and (gy == 20).all()


def test_undefined_regions_end_a_run_as_diverged_with_finite_arrays():
    root = surfaces.from_formula("sqrt(x) + y^2", domain=((0.0, 4.0), (-2.0, 2.0)))
    assert root.minima == ((0.0, 0.0),) and root.min_value == 0.0
    run = optviz.run("batch_gd", root, start=(1.0, 1.0), lr=0.5, steps=50)
    assert run.diverged_at is not None
    assert all(np.isfinite(a).all() for a in (run.xy, run.loss, run.grad, run.rate))
    assert (run.path[:, 0] >= 0).all()  # every recorded iterate is where sqrt is defined

    logarithm = surfaces.from_formula("x - log(x) + y^2", domain=((0.0, 3.0), (-1.0, 1.0)))
    assert logarithm.minima == ((1.0, 0.0),) and logarithm.min_value == 1.0
    outcomes = optviz.run_many("batch_gd", logarithm, [[2.0, 0.5], [2.0, 0.5]], steps=40, lr=[0.1, 5.0])
    assert outcomes.diverged_at[0] == -1 and outcomes.diverged_at[1] >= 1
    assert np.isfinite(outcomes.final_xy).all() and np.isfinite(outcomes.final_loss).all()


# Built-in surfaces typed as formulas: the compiled programs must agree with the hand-written
# functions, and the estimated minima with the published ones.
BUILT_IN_FORMULAS = {
    "long_valley": "sqrt(1 + x^2) - 1 + 65 y^2",
    "beale": "(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2",
    "saddle": "x^2 - y^2 + y^4/2",
    "rosenbrock": "(1 - x)^2 + 100 (y - x^2)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "booth": "(x + 2y - 7)^2 + (2x + y - 5)^2",
    "rastrigin": "20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y)",
    "ackley": "-20 exp(-0.2 sqrt((x^2 + y^2)/2)) - exp((cos(2 pi x) + cos(2 pi y))/2) + e + 20",
    "goldstein_price": (
        "(1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6x y + 3y^2))"
        " (30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36x y + 27y^2))"
    ),
    "six_hump_camel": "(4 - 2.1x^2 + x^4/3) x^2 + x y + (-4 + 4y^2) y^2",
    "styblinski_tang": "(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y)/2",
}


@pytest.mark.parametrize("name", list(BUILT_IN_FORMULAS))
def test_built_in_surfaces_typed_as_formulas_agree_with_the_catalog(name):
    built_in = surfaces.get(name)
    typed = surfaces.from_formula(BUILT_IN_FORMULAS[name], domain=built_in.domain)
    x, y = _points(built_in.domain, seed=4)
    mine, theirs = optviz.evaluate(typed, x, y), optviz.evaluate(built_in, x, y)
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * np.abs(b).max())
    assert typed.min_value == pytest.approx(built_in.min_value, rel=1e-9, abs=1e-9)
    assert len(typed.minima) == len(built_in.minima)
    for point in built_in.minima:
        assert min(math.dist(point, m) for m in typed.minima) < 1e-6


@pytest.mark.parametrize(
    ("text", "domain", "minima", "value"),
    [
        ("x^4 - 2x^2 + y^2", BOX, [(-1.0, 0.0), (1.0, 0.0)], -1.0),
        ("x + y", BOX, [(-3.0, -3.0)], -6.0),  # on the domain's corner
        ("abs(x - 0.5) + (y + 1)^2", BOX, [(0.5, -1.0)], 0.0),  # at a kink
        ("sqrt(x^2 + y^2)", BOX, [(0.0, 0.0)], 0.0),  # at a cusp, where the gradient is 0/0
    ],
)
def test_minima_are_estimated_when_not_given(text, domain, minima, value):
    surface = surfaces.from_formula(text, domain=domain)
    assert sorted(surface.minima) == minima and surface.min_value == value


def test_given_minima_start_and_domain_are_used_and_checked():
    surface = surfaces.from_formula("x^2 + y^2", domain=((-1, 2), (-1, 2)), minima=[(0, 0)], start=(1.5, 1.5))
    assert surface.domain == ((-1.0, 2.0), (-1.0, 2.0)) and surface.minima == ((0.0, 0.0),)
    assert surface.start == (1.5, 1.5) and surface.min_value == 0.0
    bad = [
        ({"domain": ((1, -1), (0, 1))}, "min < max"),
        ({"domain": ((0, math.inf), (0, 1))}, "finite"),
        ({"domain": "big"}, "domain must be"),
        ({"minima": [(5, 5)]}, "outside the domain"),
        ({"minima": []}, "1 to 64 points"),
        ({"minima": [("a", 0)]}, "must be a number"),
        ({"start": (9, 0)}, "outside the domain"),
        ({"start": (0,)}, "pair"),
        ({"name": "no spaces"}, "name must be"),
    ]
    for kwargs, message in bad:
        with pytest.raises(FormulaError, match=message):
            surfaces.from_formula("x^2 + y^2", **kwargs)
    with pytest.raises(FormulaError, match="not finite at the start"):
        surfaces.from_formula("log(x) + y^2", start=(-1, 0), minima=[(1, 0)])


def test_the_default_start_is_usable_and_away_from_the_minimum():
    for text, domain, *_ in FORMULAS:
        surface = surfaces.from_formula(text, domain=domain)
        f, gx, gy = parse_formula(text).evaluate(*surface.start)
        assert np.isfinite([f, gx, gy]).all()
        (x0, x1), (y0, y1) = surface.domain
        assert x0 <= surface.start[0] <= x1 and y0 <= surface.start[1] <= y1
    assert surfaces.from_formula("x^2 + 10*y^2").start == (-2.1, 1.8)
    # undefined on the left half: the start moves to where f is defined
    assert surfaces.from_formula("sqrt(x) + y^2").start[0] > 0


def test_a_surface_without_a_minimum_or_anywhere_defined_is_refused():
    with pytest.raises(FormulaError, match="no minimum on the domain"):
        surfaces.from_formula("log(x) + y^2")
    with pytest.raises(FormulaError, match="not finite anywhere"):
        surfaces.from_formula("log(-1 - x^2) + y")
    # With the minima given the first is a legitimate surface (minimum at the domain's edge).
    assert surfaces.from_formula("log(x) + y^2", domain=((0.5, 2), (-1, 1))).minima == ((0.5, 0.0),)
