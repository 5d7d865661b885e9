"""A tree in LaTeX, as the app shows a formula and its gradient: functions by their LaTeX names,
products with their numbers first and one sign in front (-2 x y), quotients as fractions."""

from __future__ import annotations

from collections.abc import Callable

from surfaces.formula.nodes import BinOp, Call, Const, Neg, Node, Num, Var, bottom_up
from surfaces.formula.text import precedence

_LATEX_FUNCTIONS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "log": r"\log", "tanh": r"\tanh",
    "sinh": r"\sinh", "cosh": r"\cosh", "arctan": r"\arctan", "sign": r"\operatorname{sign}",
}  # fmt: skip
# Functions whose power is written \sin^{2}(x) rather than (\sin(x))^{2}.
_POWER_PREFIX = {"sin", "cos", "tan", "log", "tanh", "sinh", "cosh"}


def _latex_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.12g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \cdot {power}"


def _signed_factors(node: Node) -> tuple[bool, list[Node]]:
    """A product as its sign and its factors, numbers first: neither the order of the factors nor
    where the minus signs sit changes the value, and -2 x y reads better than x (-2) y."""
    negative = False
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Neg):
            negative = not negative
            stack.append(n.arg)
        elif isinstance(n, BinOp) and n.op == "*":
            stack.extend((n.right, n.left))
        else:
            negative ^= isinstance(n, Num) and n.value < 0
            out.append(n)
    return negative, sorted(out, key=_factor_rank)


def _factor_rank(factor: Node) -> int:
    """Numbers, then pi and e, then x and y (and their powers), then the rest: 2 pi x sin(y)."""
    if isinstance(factor, Num):
        return 0
    if isinstance(factor, Const):
        return 1
    base = factor.left if isinstance(factor, BinOp) and factor.op == "^" else factor
    return 2 if isinstance(base, Var) else 3


def to_latex(node: Node) -> str:
    """The formula in LaTeX."""

    def tex(n: Node, rec: Callable[[Node], str]) -> str:
        def paren(child: Node) -> str:
            return rf"\left({rec(child)}\right)"

        if isinstance(n, Num):
            return _latex_number(n.value)
        if isinstance(n, Var):
            return n.name
        if isinstance(n, Const):
            return r"\pi" if n.name == "pi" else "e"
        if isinstance(n, Neg):
            # Unlike the text form, -(2x) reads as -2x: only a sum or a sign needs parentheses.
            inner = rec(n.arg)
            return "-" + (paren(n.arg) if precedence(n.arg) == 1 or inner.startswith("-") else inner)
        if isinstance(n, Call):
            if n.fn == "exp":
                return f"e^{{{rec(n.arg)}}}"
            if n.fn == "sqrt":
                return rf"\sqrt{{{rec(n.arg)}}}"
            if n.fn == "abs":
                return rf"\left|{rec(n.arg)}\right|"
            return _LATEX_FUNCTIONS[n.fn] + paren(n.arg)
        if n.op in "+-":
            # a + (b + c) reads as a + b + c; a - (b + c) and a + (-b) keep their parentheses.
            right = rec(n.right)
            if right.startswith("-") or (n.op == "-" and precedence(n.right) == 1):
                right = paren(n.right)
            return f"{rec(n.left)} {n.op} {right}"
        if n.op == "/":
            return rf"\frac{{{rec(n.left)}}}{{{rec(n.right)}}}"
        if n.op == "*":
            negative, factors = _signed_factors(n)
            parts = ["-"] if negative else []
            for k, factor in enumerate(factors):
                if isinstance(factor, Num):
                    s = _latex_number(abs(factor.value))
                else:
                    s = paren(factor) if precedence(factor) == 1 else rec(factor)
                if k:
                    parts.append(r" \cdot " if s[:1].isdigit() else " ")
                parts.append(s)
            return "".join(parts)
        base = n.left
        exponent = f"{{{rec(n.right)}}}"
        if isinstance(base, Call) and base.fn in _POWER_PREFIX:
            return f"{_LATEX_FUNCTIONS[base.fn]}^{exponent}{paren(base.arg)}"
        # A base needs no parentheses if it is one symbol, a plain number (not 10^{-5}) or |u|.
        number = isinstance(base, Num) and base.value >= 0 and "^" not in rec(base)
        plain = isinstance(base, Var | Const) or number or (isinstance(base, Call) and base.fn == "abs")
        return f"{rec(base) if plain else paren(base)}^{exponent}"

    return bottom_up(node, tex)
