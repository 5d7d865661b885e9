"""Evaluation of a tree: the reference semantics that the compiled program reproduces exactly.

A constant integer power up to 16 is computed by multiplications (x^3 is x*x*x: one rounding per
product, and much cheaper than pow), x^0.5 is sqrt(x); that is the formula's meaning everywhere,
in `evaluate_tree` as in the compiled program, so the two agree exactly.

Where f or its gradient is undefined (log or sqrt of a negative number, 1/0) they evaluate to NaN
or inf, like NumPy; the engine ends a run that reaches such a point as diverged. A fractional power
of a negative number is undefined (NaN), as in NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from surfaces.formula.nodes import Call, Const, Neg, Node, Num, Var, bottom_up, has_variables

_NUMPY = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "abs": np.abs, "sign": np.sign, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
    "arctan": np.arctan,
}  # fmt: skip
_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}

MAX_UNROLLED_POWER = 16


def power_steps(n: float) -> tuple[tuple[str, int, int], ...] | None:
    """How u^n is computed for a constant exponent n: steps over values v[0] = u, v[1], ... (the
    last is the result), or None for the general pow. Small integer powers are multiplications
    (x^2 is one square; cheaper than pow and exact to one rounding per step), 1/2 is the root."""
    if n == 0.0:
        return (("one", 0, 0),)
    if n == 1.0:
        return ()
    if n == 0.5:
        return (("sqrt", 0, 0),)
    if not (n == int(n) and abs(n) <= MAX_UNROLLED_POWER):
        return None
    steps: list[tuple[str, int, int]] = []
    top = 0
    for bit in bin(int(abs(n)))[3:]:  # left-to-right binary powering
        steps.append(("square", top, 0))
        top = len(steps)
        if bit == "1":
            steps.append(("mul", top, 0))
            top = len(steps)
    if n < 0:
        steps.append(("recip", top, 0))
    return tuple(steps)


def _apply_power(u: np.ndarray, steps: tuple[tuple[str, int, int], ...]) -> np.ndarray:
    values = [u]
    for step, a, b in steps:
        v = values[a]
        if step == "one":
            values.append(np.ones_like(v))
        elif step == "sqrt":
            values.append(np.sqrt(v))
        elif step == "square":
            values.append(np.square(v))
        elif step == "mul":
            values.append(np.multiply(v, values[b]))
        else:
            values.append(np.divide(1.0, v))
    return values[-1]


def evaluate_tree(node: Node, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
    """The value of a tree at the points (x, y), node by node with NumPy (NaN/inf where undefined)."""
    xa, ya = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    has_vars: dict[int, Any] = {}
    bottom_up(node, has_variables, done=has_vars)

    def value(n: Node, rec: Callable[[Node], Any]) -> Any:
        if isinstance(n, Num | Const):
            return np.float64(n.value)
        if isinstance(n, Var):
            return xa if n.name == "x" else ya
        if isinstance(n, Neg):
            return np.negative(rec(n.arg))
        if isinstance(n, Call):
            return _NUMPY[n.fn](rec(n.arg))
        left = rec(n.left)
        if n.op == "^" and not has_vars[id(n.right)]:
            steps = power_steps(float(rec(n.right)))
            if steps is not None:
                return _apply_power(left, steps)
        return _BINARY[n.op](left, rec(n.right))

    with np.errstate(all="ignore"):
        result = bottom_up(node, value)
        # A copy, not `+ 0.0`, which would turn a folded constant -0 into +0 (and x / -0 into x / 0).
        return np.array(np.broadcast_to(np.asarray(result, dtype=np.float64), xa.shape))
