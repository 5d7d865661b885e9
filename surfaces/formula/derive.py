"""Exact derivatives of a tree, as trees.

The constructors below simplify lightly as they build (fold numbers, drop zeros and ones, gather
numeric coefficients in front, merge equal terms and factors), so the gradient reads like a
hand-derived one: d/dx (x^2 + 10 y^2) is 2x, not 2 x^1 * 1 + 10 * 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from surfaces.formula.evaluate import evaluate_tree
from surfaces.formula.nodes import BinOp, Call, Const, Neg, Node, Num, Var, bottom_up, children


def _number(node: Node) -> float | None:
    """The value of a number, signed or not (-2 is parsed as Neg(Num(2)))."""
    c, rest = _split(node)
    return c if rest is None else None


def _is_num(node: Node, value: float) -> bool:
    return _number(node) == value


def _fold(op: str, a: Node, b: Node) -> Node | None:
    """a op b as one number when both are numbers and the result is finite, else None."""
    u, v = _number(a), _number(b)
    if u is None or v is None:
        return None
    value = float(evaluate_tree(BinOp(op, Num(u), Num(v)), 0.0, 0.0))
    return Num(value) if math.isfinite(value) else None


def _same(a: Node, b: Node, budget: int = 64) -> bool:
    """Structural equality with a bounded cost (a large comparison just reports 'different')."""
    stack = [(a, b)]
    while stack:
        budget -= 1
        if budget < 0:
            return False
        u, v = stack.pop()
        if u is v:
            continue
        if type(u) is not type(v):
            return False
        if isinstance(u, Num | Var | Const):
            if u != v:
                return False
            continue
        if (isinstance(u, Call) and u.fn != v.fn) or (isinstance(u, BinOp) and u.op != v.op):
            return False
        stack.extend(zip(children(u), children(v), strict=True))
    return True


def _split(node: Node) -> tuple[float, Node | None]:
    """node = c * rest with c a number (rest None when node is a number)."""
    if isinstance(node, Num):
        return node.value, None
    if isinstance(node, Neg):
        c, rest = _split(node.arg)
        return -c, rest
    if isinstance(node, BinOp) and node.op == "*" and isinstance(node.left, Num):
        return node.left.value, node.right
    return 1.0, node


def _scale(c: float, rest: Node | None) -> Node:
    if rest is None or c == 0.0:
        return Num(c)
    if c < 0.0:
        return Neg(_scale(-c, rest))
    return rest if c == 1.0 else BinOp("*", Num(c), rest)


def _neg(a: Node) -> Node:
    if isinstance(a, Num):
        return Num(-a.value)
    if isinstance(a, Neg):
        return a.arg
    if isinstance(a, BinOp) and a.op == "-":
        return BinOp("-", a.right, a.left)
    c, rest = _split(a)
    return _scale(-c, rest)


def _add(a: Node, b: Node) -> Node:
    if (s := _fold("+", a, b)) is not None:
        return s
    if _is_num(a, 0.0):
        return b
    if _is_num(b, 0.0):
        return a
    ca, ra = _split(a)
    cb, rb = _split(b)
    if ra is not None and rb is not None and _same(ra, rb):
        return _scale(ca + cb, ra)
    if cb < 0.0:
        return _sub(a, _neg(b))
    if ca < 0.0:
        return _sub(b, _neg(a))
    return BinOp("+", a, b)


def _sub(a: Node, b: Node) -> Node:
    if (s := _fold("-", a, b)) is not None:
        return s
    if _is_num(b, 0.0):
        return a
    if _is_num(a, 0.0):
        return _neg(b)
    ca, ra = _split(a)
    cb, rb = _split(b)
    if ra is not None and rb is not None and _same(ra, rb):
        return _scale(ca - cb, ra)
    if cb < 0.0:
        return _add(a, _neg(b))
    return BinOp("-", a, b)


def _base_exponent(node: Node) -> tuple[Node, float]:
    if isinstance(node, BinOp) and node.op == "^" and (n := _number(node.right)) is not None:
        return node.left, n
    return node, 1.0


def _mul(a: Node, b: Node) -> Node:
    if (p := _fold("*", a, b)) is not None:
        return p
    ca, ra = _split(a)
    cb, rb = _split(b)
    c = ca * cb
    if not math.isfinite(c):  # coefficients that overflow stay where they were
        return BinOp("*", a, b)
    if c == 0.0:
        return Num(0.0)
    if ra is None or rb is None:
        return _scale(c, rb if ra is None else ra)
    (ba, ea), (bb, eb) = _base_exponent(ra), _base_exponent(rb)
    if _same(ba, bb):
        return _scale(c, _pow(ba, Num(ea + eb)))
    if isinstance(rb, BinOp) and rb.op == "/" and _is_num(rb.left, 1.0):
        return _scale(c, BinOp("/", ra, rb.right))
    return _scale(c, BinOp("*", ra, rb))


def _short(value: float) -> bool:
    """Whether a number reads exactly in a few digits (0.5 does, 2/3 does not)."""
    return float(f"{value:.6g}") == value


def _div(a: Node, b: Node) -> Node:
    if _is_num(a, 0.0) and not _is_num(b, 0.0):
        return Num(0.0)
    if _is_num(b, 1.0):
        return a
    ca, ra = _split(a)
    cb, rb = _split(b)
    if cb < 0.0:
        return _neg(_div(a, _neg(b)))
    if ca < 0.0:
        return _neg(_div(_neg(a), b))
    if cb != 0.0 and cb != 1.0 and _short(ca / cb):  # 2x / (2 sqrt(u)) is x / sqrt(u)
        return _div(_scale(ca / cb, ra), Num(1.0) if rb is None else rb)
    return BinOp("/", a, b)


def _pow(u: Node, n: Node) -> Node:
    if (p := _fold("^", u, n)) is not None:
        return p
    if _is_num(n, 1.0):
        return u
    if _is_num(n, 0.0):
        return Num(1.0)
    return BinOp("^", u, n)


def _chain(fn: str, node: Call, u: Node, du: Node) -> Node:
    """d fn(u) = fn'(u) du; `node` is fn(u) itself, reused where the derivative contains it."""
    if fn == "log":
        return _div(du, u)
    if fn == "sqrt":
        return _div(du, _mul(Num(2.0), node))
    if fn == "arctan":
        return _div(du, _add(Num(1.0), _pow(u, Num(2.0))))
    outer = {
        "sin": lambda: Call("cos", u),
        "cos": lambda: _neg(Call("sin", u)),
        "tan": lambda: _add(Num(1.0), _pow(node, Num(2.0))),
        "exp": lambda: node,
        "abs": lambda: Call("sign", u),
        "sign": lambda: Num(0.0),  # zero wherever it is differentiable
        "tanh": lambda: _sub(Num(1.0), _pow(node, Num(2.0))),
        "sinh": lambda: Call("cosh", u),
        "cosh": lambda: Call("sinh", u),
    }[fn]()
    return _mul(outer, du)


def _power_rule(node: BinOp, d: Callable[[Node], Node]) -> Node:
    u, v = node.left, node.right
    du, dv = d(u), d(v)
    if (n := _number(v)) is not None:
        v = Num(n)  # so that n - 1 folds
    if _is_num(dv, 0.0):
        return Num(0.0) if _is_num(du, 0.0) else _mul(_mul(v, _pow(u, _sub(v, Num(1.0)))), du)
    log_u = Num(1.0) if isinstance(u, Const) and u.name == "e" else Call("log", u)
    if _is_num(du, 0.0):
        return _mul(_mul(node, log_u), dv)
    return _mul(node, _add(_mul(dv, log_u), _div(_mul(v, du), u)))


def derivative(node: Node, var: str) -> Node:
    """The exact partial derivative of a tree with respect to "x" or "y", lightly simplified."""

    def rule(n: Node, d: Callable[[Node], Node]) -> Node:
        if isinstance(n, Num | Const):
            return Num(0.0)
        if isinstance(n, Var):
            return Num(1.0 if n.name == var else 0.0)
        if isinstance(n, Neg):
            return _neg(d(n.arg))
        if isinstance(n, Call):
            du = d(n.arg)
            return Num(0.0) if _is_num(du, 0.0) else _chain(n.fn, n, n.arg, du)
        if n.op == "+":
            return _add(d(n.left), d(n.right))
        if n.op == "-":
            return _sub(d(n.left), d(n.right))
        if n.op == "*":
            return _add(_mul(d(n.left), n.right), _mul(n.left, d(n.right)))
        if n.op == "/":
            du, dv = d(n.left), d(n.right)
            if _is_num(dv, 0.0):
                return _div(du, n.right)
            quotient = _div(_mul(n.left, dv), _pow(n.right, Num(2.0)))
            return _neg(quotient) if _is_num(du, 0.0) else _sub(_div(du, n.right), quotient)
        return _power_rule(n, d)

    return bottom_up(node, rule)
