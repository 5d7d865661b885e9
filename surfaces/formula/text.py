"""A tree as text: the canonical form, which parses back to the same tree (explicit * and ^,
minimal parentheses). `parse_formula(formula.text)` gives the same formula back."""

from __future__ import annotations

from collections.abc import Callable

from surfaces.formula.nodes import BinOp, Call, Const, Neg, Node, Num, Var, bottom_up

# How tightly each kind of node binds; the LaTeX printer uses the same table.
PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4, "atom": 5}


def precedence(node: Node) -> int:
    if isinstance(node, BinOp):
        return PREC[node.op]
    if isinstance(node, Neg) or (isinstance(node, Num) and node.value < 0):
        return PREC["neg"]
    return PREC["atom"]


def _number_text(value: float) -> str:
    if value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def to_text(node: Node) -> str:
    """The formula in canonical text (explicit * and ^, minimal parentheses)."""

    def text(n: Node, rec: Callable[[Node], str]) -> str:
        def wrapped(child: Node, parens: bool) -> str:
            return f"({rec(child)})" if parens else str(rec(child))

        if isinstance(n, Num):
            return _number_text(n.value)
        if isinstance(n, Var | Const):
            return n.name
        if isinstance(n, Neg):
            return "-" + wrapped(n.arg, precedence(n.arg) < PREC["neg"])
        if isinstance(n, Call):
            return f"{n.fn}({rec(n.arg)})"
        left, right = precedence(n.left), precedence(n.right)
        if n.op == "^":
            # The base must be an atom; the exponent is parsed as a signed power.
            return f"{wrapped(n.left, left < PREC['atom'])}^{wrapped(n.right, right < PREC['neg'])}"
        own = PREC[n.op]
        sep = f" {n.op} " if own == 1 else n.op
        return wrapped(n.left, left < own) + sep + wrapped(n.right, right <= own)

    return bottom_up(node, text)


def short_text(node: Node, limit: int = 40) -> str:
    """The canonical text cut to `limit` characters, for messages."""
    s = to_text(node)
    return s if len(s) <= limit else s[: limit - 3] + "..."
