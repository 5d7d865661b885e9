"""Custom surfaces typed as formulas: parsed safely, differentiated exactly, run at engine speed.

>>> import surfaces
>>> bowl = surfaces.from_formula("x^2 + 10 y^2")
>>> bowl(1.0, 1.0), bowl.gradient(1.0, 1.0)
(11.0, (2.0, 20.0))

The text is never handed to Python (no eval, exec, compile or sympify): a small tokenizer and a
recursive-descent parser accept only the grammar below and build a tree of the frozen node classes
of this module. Everything else (the exact gradient, LaTeX, the compiled program) is built from
that tree.

Grammar (lowest precedence first; `^` and `**` are the same operator)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary | power)*      a power right after a term multiplies:
                                                       2x, 3x^2, 2(x + 1), sin(x)cos(y), x y
    unary   := ("-" | "+") unary | power               -x^2 is -(x^2), as in Python
    power   := atom (("^" | "**") unary)?              right-associative: 2^3^2 = 2^9; x^-2 works
    atom    := number | "x" | "y" | "pi" | "e" | function "(" expr ")" | "(" expr ")"

Numbers are decimal (`2`, `.5`, `1e-3`). Functions: sin cos tan exp log (natural; also `ln`) sqrt
abs sign tanh sinh cosh arctan (also `atan`). Implicit multiplication has the precedence of `*`, so
`1/2x` is x/2. A fractional power of a negative number is undefined (NaN), as in NumPy.

Limits, each refused with a `FormulaError` that names the problem and, where there is one, the
column: at most MAX_LENGTH (500) characters, MAX_NODES (200) numbers, names, operations and calls,
MAX_NESTING (30) levels of parentheses, calls, signs and exponents; literals up to MAX_LITERAL
(1e12); constant exponents up to MAX_EXPONENT (1000) in magnitude; every constant part (such as
`9^9^9`, `1/0` or `log(-1)`) must be a finite number. A formula must use x or y: a constant surface
would have nothing to race on. Refusals take well under a millisecond: the checks run as the text
is read, before anything is built from it.

A constant integer power up to 16 is computed by multiplications (x^3 is x*x*x: one rounding per
product, and much cheaper than pow), x^0.5 is sqrt(x); that is the formula's meaning everywhere,
in `evaluate_tree` as in the compiled program, so the two agree exactly.

API: `from_formula` (a Surface), `parse_formula` (a `Formula`: tree, gradient trees, LaTeX,
program), and the pieces `parse`, `derivative`, `evaluate_tree`, `to_text`, `to_latex` and
`compile_program`.

Where f or its gradient is undefined (log or sqrt of a negative number, 1/0) they evaluate to NaN
or inf, like NumPy; the engine ends a run that reaches such a point as diverged.
"""

from __future__ import annotations

import difflib
import heapq
import keyword
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from surfaces import program
from surfaces.ranges import finite_number
from surfaces.surface import Surface

MAX_LENGTH = 500
MAX_NODES = 200
MAX_NESTING = 30
MAX_LITERAL = 1e12
MAX_EXPONENT = 1000.0

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
FUNCTIONS = (
    "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "sign", "tanh", "sinh", "cosh", "arctan",
)  # fmt: skip
ALIASES = {"ln": "log", "atan": "arctan"}

GRID = 201  # points per side of the grid that searches for minima and a start
DEFAULT_DOMAIN = ((-3.0, 3.0), (-3.0, 3.0))


class FormulaError(ValueError):
    """A formula that is refused; `column` (1-based) points at the problem when there is one."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.column = column
        super().__init__(message if column is None else f"{message} (column {column})")


# --------------------------------------------------------------------------------------------
# The tree. `pos` (0-based offset in the text) is for error messages only, so it is not compared.


@dataclass(frozen=True)
class Num:
    value: float
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Var:
    name: str
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Const:
    name: str
    pos: int = field(default=0, compare=False, repr=False)

    @property
    def value(self) -> float:
        return CONSTANTS[self.name]


@dataclass(frozen=True)
class Neg:
    arg: Node
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Call:
    fn: str
    arg: Node
    pos: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * / ^
    left: Node
    right: Node
    pos: int = field(default=0, compare=False, repr=False)


Node = Num | Var | Const | Neg | Call | BinOp


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Neg | Call):
        return (node.arg,)
    if isinstance(node, BinOp):
        return (node.left, node.right)
    return ()


def _bottom_up(
    root: Node,
    fn: Callable[[Node, Callable[[Node], Any]], Any],
    descend: Callable[[Node], bool] | None = None,
    done: dict[int, Any] | None = None,
) -> Any:
    """fn(node, result_of) for every node under `root`, children first, without recursion (a
    gradient's tree can be deep). Memoised by identity, so a subtree shared by several parents
    (gradient trees share many) is visited once; `done` may be shared between calls, and nodes in
    it must stay alive while it is used. `descend(node)` False treats a node as a leaf."""
    done = {} if done is None else done
    keep: list[Node] = []  # holds every visited node, so no id is reused meanwhile
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        kids = children(node) if descend is None or descend(node) else ()
        pending = [c for c in kids if id(c) not in done]
        if pending and not expanded:
            stack.append((node, True))
            stack.extend((c, False) for c in pending)
            continue
        done[id(node)] = fn(node, lambda c: done[id(c)])
        keep.append(node)
    return done[id(root)]


def _has_variables(node: Node, result_of: Callable[[Node], bool]) -> bool:
    return isinstance(node, Var) or any(result_of(c) for c in children(node))


def uses_variables(node: Node) -> bool:
    return bool(_bottom_up(node, _has_variables))


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents first (a subtree shared by two parents comes twice)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


# --------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, op, end
    text: str
    pos: int

    @property
    def column(self) -> int:
        return self.pos + 1


_TOKEN = re.compile(
    r"(?P<space>[ \t\r\n]+)"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|[-+*/^(),])",
    re.ASCII,
)

# Characters that are refused with a specific explanation; anything else unknown gets a generic one.
_CHARACTER_HINTS = {
    "'": "strings are not allowed",
    '"': "strings are not allowed",
    "[": "brackets are not allowed (no lists or subscripts); use parentheses",
    "]": "brackets are not allowed (no lists or subscripts); use parentheses",
    "{": "braces are not allowed; use parentheses",
    "}": "braces are not allowed; use parentheses",
    ".": "'.' is only allowed inside a number (no attribute access)",
    "=": "'=' is not allowed (no assignments, comparisons or keyword arguments)",
    ";": "';' is not allowed: a formula is one expression",
    ":": "':' is not allowed",
    "#": "comments ('#') are not allowed",
    "\\": "backslashes are not allowed",
    "`": "backquotes are not allowed",
    "$": "'$' is not allowed",
    "?": "'?' is not allowed",
}
_UNSUPPORTED_OPERATORS = "%@&|~<>!"


def _character_error(char: str, pos: int) -> FormulaError:
    if char in _CHARACTER_HINTS:
        return FormulaError(_CHARACTER_HINTS[char], pos + 1)
    if char in _UNSUPPORTED_OPERATORS:
        return FormulaError(f"operator '{char}' is not supported; use + - * / ^ (or **)", pos + 1)
    if char.isprintable() and char.isascii():
        return FormulaError(f"character '{char}' is not allowed", pos + 1)
    return FormulaError(f"character U+{ord(char):04X} is not allowed (only plain ASCII)", pos + 1)


def _tokenize(text: str) -> Iterator[_Token]:
    """The tokens of `text`, lazily: the parser pulls them one at a time, so the first problem in
    reading order is the one reported (`open('f')` is an unknown function, not a string)."""
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _character_error(text[pos], pos)
        kind, word = match.lastgroup, match.group()
        if kind == "op" and word == "//":
            raise FormulaError("'//' (floor division) is not supported; use /", pos + 1)
        if kind == "name" and "__" in word:
            raise FormulaError(f"'{word}' is not allowed: names with double underscores never are", pos + 1)
        if kind == "name" and (keyword.iskeyword(word) or keyword.issoftkeyword(word)):
            raise FormulaError(f"'{word}' is Python, not part of a formula", pos + 1)
        if kind != "space":
            yield _Token(str(kind), word, pos)
        pos = match.end()
    yield _Token("end", "", len(text))


# --------------------------------------------------------------------------------------------
# Parser


def _known_names() -> list[str]:
    return [*VARIABLES, *CONSTANTS, *FUNCTIONS, *ALIASES]


def _name_error(name: str, pos: int, called: bool) -> FormulaError:
    if called:
        listed = ", ".join(FUNCTIONS)
        message = f"unknown function '{name}'; the functions are {listed}"
    else:
        message = f"unknown name '{name}'; the names are x, y, pi and e"
    close = difflib.get_close_matches(name.lower(), _known_names(), n=1, cutoff=0.75)
    if close:
        message += f" (did you mean '{close[0]}'?)"
    elif len(name) > 1 and set(name) <= set("xy0123456789"):
        message += " (write products with '*', e.g. x*y, and powers with '^')"
    return FormulaError(message, pos + 1)


class _Parser:
    """Recursive descent over the tokens, enforcing every limit as the tree is built."""

    def __init__(self, tokens: Iterator[_Token]) -> None:
        self.tokens = tokens
        self.ahead = next(tokens)
        self.nesting = 0
        self.nodes = 0
        self.constant: dict[int, float] = {}  # values of the subtrees without x or y
        self.keep: list[Node] = []  # keeps the nodes alive, so the ids in `constant` stay unique

    def peek(self) -> _Token:
        return self.ahead

    def take(self) -> _Token:
        token = self.ahead
        if token.kind != "end":
            self.ahead = next(self.tokens)
        return token

    def enter(self, token: _Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise FormulaError(f"the formula nests too deeply (at most {MAX_NESTING} levels)", token.column)

    def leave(self) -> None:
        self.nesting -= 1

    def make(self, node: Node) -> Node:
        """Registers a new node: counts it and checks a constant part (exponent and value)."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormulaError(
                f"the formula is too long (more than {MAX_NODES} numbers, names and operations)", node.pos + 1
            )
        kids = children(node)
        self.keep.append(node)
        if isinstance(node, BinOp) and node.op == "^" and id(node.right) in self.constant:
            n = self.constant[id(node.right)]
            if abs(n) > MAX_EXPONENT:
                shown = _short_text(node.right)
                shown = shown if shown == f"{n:.6g}" else f"{shown} = {n:.6g}"
                raise FormulaError(
                    f"the exponent {shown} is too large (at most {MAX_EXPONENT:g} in magnitude)",
                    node.right.pos + 1,
                )
        if isinstance(node, Num | Const):
            self.constant[id(node)] = float(node.value)
        elif kids and all(id(c) in self.constant for c in kids):
            value = self.fold(node)
            if not math.isfinite(value):
                raise FormulaError(
                    f"the constant {_short_text(node)} is {value}: constant parts must be finite numbers",
                    node.pos + 1,
                )
            self.constant[id(node)] = value
        return node

    def fold(self, node: Node) -> float:
        """The value of a node whose children are constants (known already: no re-walk)."""
        numbers = [Num(self.constant[id(c)]) for c in children(node)]
        if isinstance(node, Neg):
            return float(evaluate_tree(Neg(numbers[0]), 0.0, 0.0))
        if isinstance(node, Call):
            return float(evaluate_tree(Call(node.fn, numbers[0]), 0.0, 0.0))
        assert isinstance(node, BinOp)
        return float(evaluate_tree(BinOp(node.op, numbers[0], numbers[1]), 0.0, 0.0))

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise FormulaError("the formula is empty")
        node = self.expr()
        token = self.peek()
        if token.kind != "end":
            if token.text == ")":
                raise FormulaError("unmatched ')'", token.column)
            if token.text == ",":
                raise FormulaError("',' is not allowed here: functions take one argument", token.column)
            raise FormulaError(f"unexpected '{token.text}'", token.column)
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek().text in ("+", "-"):
            op = self.take()
            node = self.make(BinOp(op.text, node, self.term(), node.pos))
        return node

    def term(self) -> Node:
        node = self.unary()
        while True:
            token = self.peek()
            if token.text in ("*", "/"):
                self.take()
                node = self.make(BinOp(token.text, node, self.unary(), node.pos))
            elif token.kind == "name" or token.text == "(":
                # Juxtaposition multiplies: 2x, 2(x + 1), sin(x)cos(y).
                node = self.make(BinOp("*", node, self.power(), node.pos))
            elif token.kind == "number":
                raise FormulaError(f"missing operator before the number {token.text}", token.column)
            else:
                return node

    def unary(self) -> Node:
        token = self.peek()
        if token.text not in ("-", "+"):
            return self.power()
        self.take()
        self.enter(token)
        operand = self.unary()
        self.leave()
        return operand if token.text == "+" else self.make(Neg(operand, token.pos))

    def power(self) -> Node:
        base = self.atom()
        token = self.peek()
        if token.text not in ("^", "**"):
            return base
        self.take()
        self.enter(token)
        exponent = self.unary()
        self.leave()
        return self.make(BinOp("^", base, exponent, base.pos))

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return self.number(token)
        if token.kind == "name":
            return self.name(token)
        if token.text == "(":
            self.enter(token)
            inner = self.expr()
            self.close(token)
            self.leave()
            return inner
        expected = "a number, x, y, pi, e, a function or '('"
        if token.kind == "end":
            raise FormulaError(f"the formula ends too early: expected {expected}", token.column)
        raise FormulaError(f"unexpected '{token.text}': expected {expected}", token.column)

    def number(self, token: _Token) -> Node:
        if len(token.text) > 40:
            raise FormulaError("number too long (at most 40 characters)", token.column)
        value = float(token.text)
        if not value <= MAX_LITERAL:
            raise FormulaError(
                f"the number {token.text} is too large (at most {MAX_LITERAL:g})", token.column
            )
        return self.make(Num(value, token.pos))

    def name(self, token: _Token) -> Node:
        name = token.text
        called = self.peek().text == "("
        if name in VARIABLES:
            return self.make(Var(name, token.pos))
        if name in CONSTANTS:
            return self.make(Const(name, token.pos))
        fn = ALIASES.get(name, name)
        if fn not in FUNCTIONS:
            raise _name_error(name, token.pos, called)
        if not called:
            after = self.peek()
            hint = f"; for a power write {name}(x)^2" if after.text in ("^", "**") else ""
            raise FormulaError(f"function '{name}' needs parentheses: {name}(...){hint}", token.column)
        opening = self.take()
        self.enter(opening)
        arg = self.expr()
        self.close(opening)
        self.leave()
        return self.make(Call(fn, arg, token.pos))

    def close(self, opening: _Token) -> None:
        token = self.take()
        if token.text == ")":
            return
        if token.kind == "end":
            raise FormulaError(f"missing ')' for the '(' at column {opening.column}", token.column)
        if token.text == ",":
            raise FormulaError("functions take one argument", token.column)
        raise FormulaError(f"expected ')' but found '{token.text}'", token.column)


def parse(text: str) -> Node:
    """The validated tree of `text`; a FormulaError says what is wrong and where."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula is text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is too long ({len(text)} characters, at most {MAX_LENGTH})")
    return _Parser(_tokenize(text)).parse()


# --------------------------------------------------------------------------------------------
# Evaluation: the reference semantics that the compiled program reproduces exactly.

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
    _bottom_up(node, _has_variables, done=has_vars)

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
        result = _bottom_up(node, value)
        # A copy, not `+ 0.0`, which would turn a folded constant -0 into +0 (and x / -0 into x / 0).
        return np.array(np.broadcast_to(np.asarray(result, dtype=np.float64), xa.shape))


# --------------------------------------------------------------------------------------------
# Exact derivatives. The constructors below simplify lightly as they build (fold numbers, drop
# zeros and ones, gather numeric coefficients in front, merge equal terms and factors), so the
# gradient reads like a hand-derived one: d/dx (x^2 + 10 y^2) is 2x, not 2 x^1 * 1 + 10 * 0.


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

    return _bottom_up(node, rule)


# --------------------------------------------------------------------------------------------
# Text: the canonical form, which parses back to the same tree.

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4, "atom": 5}


def _precedence(node: Node) -> int:
    if isinstance(node, BinOp):
        return _PREC[node.op]
    if isinstance(node, Neg) or (isinstance(node, Num) and node.value < 0):
        return _PREC["neg"]
    return _PREC["atom"]


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
            return "-" + wrapped(n.arg, _precedence(n.arg) < _PREC["neg"])
        if isinstance(n, Call):
            return f"{n.fn}({rec(n.arg)})"
        left, right = _precedence(n.left), _precedence(n.right)
        if n.op == "^":
            # The base must be an atom; the exponent is parsed as a signed power.
            return f"{wrapped(n.left, left < _PREC['atom'])}^{wrapped(n.right, right < _PREC['neg'])}"
        own = _PREC[n.op]
        sep = f" {n.op} " if own == 1 else n.op
        return wrapped(n.left, left < own) + sep + wrapped(n.right, right <= own)

    return _bottom_up(node, text)


def _short_text(node: Node, limit: int = 40) -> str:
    s = to_text(node)
    return s if len(s) <= limit else s[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------
# LaTeX

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
            return "-" + (paren(n.arg) if _precedence(n.arg) == 1 or inner.startswith("-") else inner)
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
            if right.startswith("-") or (n.op == "-" and _precedence(n.right) == 1):
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
                    s = paren(factor) if _precedence(factor) == 1 else rec(factor)
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

    return _bottom_up(node, tex)


# --------------------------------------------------------------------------------------------
# Compilation into a register program (see surfaces.program)

_OP_CODES = {
    "sin": program.SIN, "cos": program.COS, "tan": program.TAN, "exp": program.EXP,
    "log": program.LOG, "sqrt": program.SQRT, "abs": program.ABS, "sign": program.SIGN,
    "tanh": program.TANH, "sinh": program.SINH, "cosh": program.COSH, "arctan": program.ARCTAN,
    "+": program.ADD, "-": program.SUB, "*": program.MUL, "/": program.DIV, "^": program.POW,
}  # fmt: skip
_COMMUTATIVE = (program.ADD, program.MUL)


class _Compiler:
    """Emits single-assignment values (value k + 2 is instruction k's result; 0 and 1 are x and y),
    numbering each distinct (op, operands) once: that shares every common subexpression of f and
    its gradient. Parts without x or y are folded into constants with the reference semantics."""

    def __init__(self) -> None:
        self.instructions: list[tuple[int, int, int]] = []
        self.constants: list[float] = []
        self._constant_index: dict[str, int] = {}
        self._numbered: dict[tuple[int, int, int], int] = {}
        self._has_vars: dict[int, Any] = {}
        self._values: dict[int, Any] = {}

    def value(self, node: Node) -> int:
        """The value number of a node (shared across calls, so f and its gradient share work)."""
        _bottom_up(node, _has_variables, done=self._has_vars)
        return _bottom_up(node, self._compile, descend=lambda n: self._has_vars[id(n)], done=self._values)

    def emit(self, op: int, a: int, b: int = 0) -> int:
        if op in _COMMUTATIVE and b < a:
            a, b = b, a  # a + b and b + a are the same number in IEEE arithmetic
        key = (op, a, b)
        if key not in self._numbered:
            self.instructions.append(key)
            self._numbered[key] = len(self.instructions) + 1
        return self._numbered[key]

    def constant(self, value: float) -> int:
        key = float(value).hex()
        if key not in self._constant_index:
            self._constant_index[key] = len(self.constants)
            self.constants.append(float(value))
        return self.emit(program.CONST, self._constant_index[key])

    def _compile(self, n: Node, value: Callable[[Node], int]) -> int:
        if not self._has_vars[id(n)]:
            return self.constant(float(evaluate_tree(n, 0.0, 0.0)))
        if isinstance(n, Var):
            return 0 if n.name == "x" else 1
        if isinstance(n, Neg):
            return self.emit(program.NEG, value(n.arg))
        if isinstance(n, Call):
            return self.emit(_OP_CODES[n.fn], value(n.arg))
        assert isinstance(n, BinOp)
        if n.op == "^" and not self._has_vars[id(n.right)]:
            steps = power_steps(float(evaluate_tree(n.right, 0.0, 0.0)))
            if steps is not None:
                return self._power(value(n.left), steps)
        return self.emit(_OP_CODES[n.op], value(n.left), value(n.right))

    def _power(self, u: int, steps: tuple[tuple[str, int, int], ...]) -> int:
        values = [u]
        for step, a, b in steps:
            if step == "one":
                values.append(self.constant(1.0))
            elif step == "sqrt":
                values.append(self.emit(program.SQRT, values[a]))
            elif step == "square":
                values.append(self.emit(program.SQUARE, values[a]))
            elif step == "mul":
                values.append(self.emit(program.MUL, values[a], values[b]))
            else:
                values.append(self.emit(program.DIV, self.constant(1.0), values[a]))
        return values[-1]


def _reads(op: int, a: int, b: int) -> tuple[int, ...]:
    if op == program.CONST:
        return ()
    return (a,) if op in program.UNARY else (a, b)


def _allocate(
    instructions: list[tuple[int, int, int]], outputs: tuple[int, int, int]
) -> tuple[list[program.Instruction], tuple[int, int, int]]:
    """Maps single-assignment values onto few registers, reusing one once its last reader has run:
    the engine keeps every register for a block of lanes, so fewer registers stay in cache."""
    end = len(instructions)
    last_use: dict[int, int] = {}
    for k, (op, a, b) in enumerate(instructions):
        for r in _reads(op, a, b):
            last_use[r] = k
    for r in outputs:
        last_use[r] = end
    register = {0: 0, 1: 1}
    free: list[int] = []
    next_register = 2
    ops: list[program.Instruction] = []
    for k, (op, a, b) in enumerate(instructions):
        reads = _reads(op, a, b)
        operands = [register[r] for r in reads]
        for r in set(reads):
            if r >= 2 and last_use[r] == k:
                heapq.heappush(free, register[r])
        if free:
            out = heapq.heappop(free)
        else:
            out, next_register = next_register, next_register + 1
        register[k + 2] = out
        if k + 2 not in last_use:  # never read: the placeholder of a program without work
            heapq.heappush(free, out)
        ra = a if op == program.CONST else operands[0]
        rb = operands[1] if len(operands) == 2 else 0
        ops.append((op, ra, rb, out))
    return ops, (register[outputs[0]], register[outputs[1]], register[outputs[2]])


def compile_program(f: Node, dfdx: Node, dfdy: Node) -> np.ndarray:
    """One program computing f, df/dx and df/dy, in the format of `surfaces.program.encode`."""
    compiler = _Compiler()
    outputs = (compiler.value(f), compiler.value(dfdx), compiler.value(dfdy))
    if not compiler.instructions:  # f = x * y say, whose outputs are all x or y: one is required
        compiler.constant(0.0)
    instructions = compiler.instructions
    if len(instructions) > program.MAX_OPS:
        raise FormulaError(
            f"the formula and its gradient are too large to compile ({len(instructions)} "
            f"instructions, at most {program.MAX_OPS})"
        )
    ops, registers = _allocate(instructions, outputs)
    return program.encode(ops, compiler.constants, registers)


# --------------------------------------------------------------------------------------------
# A parsed formula


@dataclass(frozen=True)
class Formula:
    """A validated formula with its exact gradient, their LaTeX and the compiled program."""

    text: str  # canonical text: parse_formula(text) gives the same formula back
    tree: Node
    gradient: tuple[Node, Node]  # df/dx, df/dy
    latex: str  # f, without "f(x, y) ="
    gradient_latex: tuple[str, str]
    program: tuple[float, ...]  # the Surface's params; run by surfaces.program.value_grad

    def evaluate(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, ...]:
        """f, df/dx, df/dy at the points (x, y), by the compiled program in NumPy."""
        return program.evaluate(np.asarray(self.program), x, y)

    @property
    def uses(self) -> frozenset[str]:
        """The functions the formula calls."""
        return frozenset(n.fn for n in walk(self.tree) if isinstance(n, Call))


def parse_formula(text: str) -> Formula:
    """Parses, checks, differentiates and compiles `text`; a FormulaError says what is wrong."""
    tree = parse(text)
    if not uses_variables(tree):
        raise FormulaError("the formula does not use x or y: a constant surface has nothing to race on")
    gradient = (derivative(tree, "x"), derivative(tree, "y"))
    code = compile_program(tree, *gradient)
    return Formula(
        text=to_text(tree),
        tree=tree,
        gradient=gradient,
        latex=to_latex(tree),
        gradient_latex=(to_latex(gradient[0]), to_latex(gradient[1])),
        program=tuple(float(v) for v in code),
    )


# --------------------------------------------------------------------------------------------
# The surface: domain, minima (estimated unless given) and a start

Box = tuple[tuple[float, float], tuple[float, float]]


def _finite_number(name: str, value: object) -> float:
    return finite_number(name, value, FormulaError)


def _pair(name: str, value: object) -> tuple[float, float]:
    try:
        a, b = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise FormulaError(f"{name} must be a pair of numbers, got {value!r}") from None
    return _finite_number(name, a), _finite_number(name, b)


def _domain(domain: object) -> Box:
    try:
        xs, ys = domain  # type: ignore[misc]
    except (TypeError, ValueError):
        raise FormulaError(f"domain must be ((x_min, x_max), (y_min, y_max)), got {domain!r}") from None
    box = (_pair("domain x range", xs), _pair("domain y range", ys))
    for axis, (lo, hi) in zip("xy", box, strict=True):
        if not lo < hi:
            raise FormulaError(f"the domain's {axis} range must have min < max, got ({lo:g}, {hi:g})")
        if max(abs(lo), abs(hi)) > 1e6 or hi - lo < 1e-6:
            raise FormulaError(f"the domain's {axis} range must lie within ±1e6 and be at least 1e-6 wide")
    return box


def _inside(point: tuple[float, float], box: Box) -> bool:
    (x0, x1), (y0, y1) = box
    return x0 <= point[0] <= x1 and y0 <= point[1] <= y1


@dataclass(frozen=True)
class _Grid:
    """f and its gradient on a GRID x GRID grid over the domain (non-finite values stay)."""

    x: np.ndarray
    y: np.ndarray
    f: np.ndarray
    gx: np.ndarray
    gy: np.ndarray

    @classmethod
    def over(cls, code: np.ndarray, box: Box) -> _Grid:
        (x0, x1), (y0, y1) = box
        x, y = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
        f, gx, gy = program.evaluate(code, x, y)
        return cls(x, y, f, gx, gy)

    @property
    def usable(self) -> np.ndarray:
        return np.isfinite(self.f) & np.isfinite(self.gx) & np.isfinite(self.gy)


def _local_minima(f: np.ndarray, count: int) -> list[tuple[int, int]]:
    """Grid points no higher than their 8 neighbours (lowest first), and the lowest point."""
    v = np.where(np.isfinite(f), f, np.inf)
    padded = np.pad(v, 1, constant_values=np.inf)
    rows, cols = v.shape
    lowest = np.ones(v.shape, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lowest &= v <= padded[1 + di : 1 + di + rows, 1 + dj : 1 + dj + cols]
    lowest &= np.isfinite(v)
    flat = np.flatnonzero(lowest)
    order = flat[np.argsort(v.ravel()[flat], kind="stable")][:count]
    best = int(np.argmin(v))
    picks = [best, *[int(k) for k in order if k != best]][:count]
    return [divmod(k, cols) for k in picks]


def _values(code: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f, gx, gy = program.evaluate(code, points[..., 0], points[..., 1])
    return f, np.stack((gx, gy), axis=-1)


def _newton_steps(code: np.ndarray, p: np.ndarray, g: np.ndarray, h: np.ndarray) -> np.ndarray:
    """-H^-1 g at each point, the Hessian H by central differences of the exact gradient; NaN
    where H is not positive definite (no minimum nearby for Newton to jump to)."""
    hx, hy = np.array([h[0], 0.0]), np.array([0.0, h[1]])
    _, gp = _values(code, np.stack([p + hx, p - hx, p + hy, p - hy], axis=1))
    with np.errstate(all="ignore"):  # inf - inf near a singularity: NaN, so no Newton step there
        H = np.stack(((gp[:, 0] - gp[:, 1]) / (2 * h[0]), (gp[:, 2] - gp[:, 3]) / (2 * h[1])), axis=1)
        a, b, c = H[:, 0, 0], 0.5 * (H[:, 0, 1] + H[:, 1, 0]), H[:, 1, 1]
        det = a * c - b * b
        step = -np.stack((c * g[:, 0] - b * g[:, 1], a * g[:, 1] - b * g[:, 0]), axis=1) / det[:, None]
    step[~((det > 0) & (a > 0) & np.isfinite(det))] = np.nan
    return step


def _polish(code: np.ndarray, points: np.ndarray, box: Box, iterations: int = 60) -> np.ndarray:
    """Descends from each point: each iteration tries damped Newton steps and steepest-descent
    steps of many lengths, all in one evaluation, and keeps the lowest point, projected onto the
    domain (so a minimum on its edge is found too); then a few plain Newton steps, kept while they
    shrink the gradient, place the minimum to full precision where f itself is too flat to tell."""
    lo = np.array([box[0][0], box[1][0]])
    hi = np.array([box[0][1], box[1][1]])
    scale = hi - lo
    h = 1e-6 * scale
    lengths = np.concatenate((0.5 ** np.arange(11), 0.5 ** np.arange(48)))
    n_newton = 11
    p = points.copy()
    rows = np.arange(len(p))
    f, g = _values(code, p)
    for _ in range(iterations):
        newton = _newton_steps(code, p, g, h)
        with np.errstate(all="ignore"):
            # Steepest descent in coordinates scaled to the domain: length 1 crosses the domain.
            gu = g * scale
            descent = -gu / np.sqrt((gu**2).sum(axis=1))[:, None] * scale
        directions = np.repeat(
            np.stack((newton, descent), axis=1), (n_newton, len(lengths) - n_newton), axis=1
        )
        trials = np.clip(p[:, None, :] + directions * lengths[None, :, None], lo, hi)
        ft, gt = _values(code, trials)
        ft = np.where(np.isfinite(ft), ft, np.inf)
        k = np.argmin(ft, axis=1)
        better = ft[rows, k] < f
        if not better.any():
            break
        p[better], f[better], g[better] = trials[rows, k][better], ft[rows, k][better], gt[rows, k][better]
    for _ in range(6):
        trial = np.clip(p + _newton_steps(code, p, g, h), lo, hi)
        ft, gt = _values(code, trial)
        with np.errstate(invalid="ignore"):
            keep = (np.hypot(*gt.T) < np.hypot(*g.T)) & (ft <= f + 1e-15 * np.abs(f))
        p[keep], f[keep], g[keep] = trial[keep], ft[keep], gt[keep]
    return p


def _tidy(code: np.ndarray, point: np.ndarray, box: Box) -> tuple[float, float]:
    """The point with each coordinate rounded to the fewest decimals that raise neither f nor the
    slope, so a minimum at (1, 0) reads (1.0, 0.0) rather than (0.9999999999999999, -3e-17); the
    slope is what tells a rounding that misses a minimum where f is too flat to show it."""
    best = point.copy()
    f0, g0 = _values(code, best)
    for axis in (0, 1):
        for decimals in (6, 9, 12):
            trial = best.copy()
            trial[axis] = np.round(trial[axis], decimals)
            f, g = _values(code, trial)
            if _inside((trial[0], trial[1]), box) and f <= f0 and np.hypot(*g) <= np.hypot(*g0):
                best, f0, g0 = trial, f, g
                break
    return float(best[0]), float(best[1])


def _estimate_minima(
    code: np.ndarray, grid: _Grid, box: Box
) -> tuple[tuple[tuple[float, float], ...], float]:
    """Global minima estimated numerically: the lowest local minima of the grid, polished. Several
    minima of equal value are all kept (up to 16); a continuum of minima is represented by a few."""
    cells = _local_minima(grid.f, 16)
    starts = np.array([(grid.x[i, j], grid.y[i, j]) for i, j in cells])
    polished = _polish(code, starts, box)
    points = [_tidy(code, p, box) for p in polished]
    values = [float(_values(code, np.array(p))[0]) for p in points]
    best = min(values)
    tol = 1e-9 * max(1.0, abs(best))
    scale = math.hypot(box[0][1] - box[0][0], box[1][1] - box[1][0])
    _refuse_unbounded(code, grid, points[values.index(best)], scale)
    minima: list[tuple[float, float]] = []
    for value, point in sorted(zip(values, points, strict=True)):
        far = all(math.dist(point, m) > 1e-4 * scale for m in minima)
        if value <= best + tol and far:
            minima.append(point)
    return tuple(minima), best


def _refuse_unbounded(code: np.ndarray, grid: _Grid, point: tuple[float, float], scale: float) -> None:
    """A descent that ends far below every grid value, where the slope is infinite or enormous, has
    run into a singularity that f falls into without bound (log(x) or -1/x at 0): the domain has
    no minimum to record. (A minimum at an edge or a cusp, like sqrt(x) at 0, has an infinite slope
    too, but the grid already comes close to its value.)"""
    f, g = _values(code, np.array(point))
    finite = grid.f[np.isfinite(grid.f)]
    low = float(finite.min())
    rise = float(np.percentile(finite, 95)) - low
    steep = not float(np.hypot(*g)) * scale <= 1e6 * (1.0 + rise)  # also when the slope is inf
    if steep and float(f) < low - rise:
        where = f"({point[0]:.4g}, {point[1]:.4g})"
        raise FormulaError(
            f"f seems to have no minimum on the domain: it falls without bound near {where}; "
            "choose a domain that leaves that point out, or give the minima"
        )


# Preferred starts relative to the domain (-1 to 1 on each axis): like the built-in surfaces',
# well away from the centre, since a centred domain usually has its minimum at the centre.
_START_OFFSETS = ((-0.7, 0.6), (0.7, 0.6), (-0.7, -0.6), (0.7, -0.6), (0.0, 0.6), (-0.7, 0.0))


def _round_to(value: float, size: float) -> float:
    """value rounded to about a thousandth of `size` (so -2.0999999999999996 reads -2.1)."""
    step = 10.0 ** math.floor(math.log10(size) - 2)
    return float(f"{round(value / step) * step:.12g}")


def _choose_start(
    code: np.ndarray, grid: _Grid, box: Box, minima: Sequence[tuple[float, float]]
) -> tuple[float, float]:
    (x0, x1), (y0, y1) = box
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    scale = math.hypot(rx, ry)
    for ox, oy in _START_OFFSETS:
        point = (_round_to(cx + ox * rx, rx), _round_to(cy + oy * ry, ry))
        f, g = _values(code, np.array(point))
        usable = np.isfinite(f) and np.isfinite(g).all() and np.hypot(*g) > 0
        if usable and all(math.dist(point, m) > 0.1 * scale for m in minima):
            return point
    usable = grid.usable
    if not usable.any():
        raise FormulaError(
            f"f or its gradient is not finite anywhere on a {GRID}x{GRID} grid over the domain"
        )
    # Else the usable grid point nearest the first preferred start.
    target = (cx + _START_OFFSETS[0][0] * rx, cy + _START_OFFSETS[0][1] * ry)
    d = np.where(usable, np.hypot((grid.x - target[0]) / rx, (grid.y - target[1]) / ry), np.inf)
    i, j = np.unravel_index(int(np.argmin(d)), d.shape)
    return float(grid.x[i, j]), float(grid.y[i, j])


def _given_points(code: np.ndarray, box: Box, minima: object) -> tuple[tuple[float, float], ...]:
    try:
        items = list(minima)  # type: ignore[call-overload]
    except TypeError:
        raise FormulaError(f"minima must be a list of (x, y) pairs, got {minima!r}") from None
    if not 1 <= len(items) <= 64:
        raise FormulaError(f"minima must list 1 to 64 points, got {len(items)}")
    points = tuple(_pair("a minimum", item) for item in items)
    for point in points:
        if not _inside(point, box):
            raise FormulaError(f"the minimum {point} is outside the domain")
        if not np.isfinite(_values(code, np.array(point))[0]):
            raise FormulaError(f"f is not finite at the minimum {point}")
    return points


def _given_start(code: np.ndarray, box: Box, start: object) -> tuple[float, float]:
    point = _pair("start", start)
    if not _inside(point, box):
        raise FormulaError(f"the start {point} is outside the domain")
    f, g = _values(code, np.array(point))
    if not (np.isfinite(f) and np.isfinite(g).all()):
        raise FormulaError(f"f or its gradient is not finite at the start {point}")
    return point


def _nice(value: float) -> float:
    """One significant digit."""
    return float(f"{value:.0e}")


def _spread_and_colour(grid: _Grid, fmin: float) -> tuple[float, bool]:
    """The default noise spread (a tenth of the median gradient, as for most built-in surfaces) and
    whether to colour by log(f - min): when f rises far above its typical values over part of the
    domain (the 95th percentile of f - min is over 30 times its 25th, as for Rosenbrock's and
    Beale's functions), a linear scale shows nothing but that part."""
    usable = grid.usable
    if not usable.any():
        return 1.0, False
    norm = np.hypot(grid.gx[usable], grid.gy[usable])
    spread = float(np.clip(_nice(0.1 * float(np.median(norm)) or 1.0), 1e-3, 1e3))
    rise = grid.f[usable] - min(fmin, float(grid.f[usable].min()))
    p25, p95 = np.percentile(rise, [25, 95])
    return spread, bool(p95 > 30.0 * p25)


_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def from_formula(
    text: str,
    *,
    domain: Box = DEFAULT_DOMAIN,
    minima: Sequence[tuple[float, float]] | None = None,
    start: tuple[float, float] | None = None,
    name: str = "custom",
) -> Surface:
    """A surface from a typed formula f(x, y), usable wherever a built-in surface is.

    The gradient is exact (symbolic). When `minima` is None they are estimated numerically: the
    lowest local minima of a 201 x 201 grid, polished by Newton and descent steps; all minima of
    the lowest value found are kept. These are estimates, and the grid can miss a minimum narrower
    than its spacing. With `start` None, the start is a point where f and its gradient are finite,
    preferably about 70% of the way from the centre toward the upper left, away from the minima.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise FormulaError(f"name must be 1 to 64 letters, digits, '_' or '-', got {name!r}")
    formula = parse_formula(text)  # first: hostile text is refused before any numerical work
    code = np.asarray(formula.program)
    box = _domain(domain)
    grid = _Grid.over(code, box)
    if minima is None:
        if not np.isfinite(grid.f).any():
            raise FormulaError(f"f is not finite anywhere on a {GRID}x{GRID} grid over the domain")
        points, fmin = _estimate_minima(code, grid, box)
        how = "estimated numerically (grid search, then Newton steps)"
    else:
        points = _given_points(code, box, minima)
        fmin = min(float(_values(code, np.array(p))[0]) for p in points)
        how = "as given"
    start_xy = _choose_start(code, grid, box, points) if start is None else _given_start(code, box, start)
    spread, log_color = _spread_and_colour(grid, fmin)
    tags = ["custom"]
    if formula.uses & {"abs", "sign"}:
        tags.append("non-smooth")
    if not grid.usable.all():
        tags.append("partly undefined")  # f or its gradient is NaN or inf somewhere on the grid
    title = formula.text if len(formula.text) <= 60 else formula.text[:57] + "..."
    return Surface(
        name=name,
        title=f"Custom: {title}",
        function=program.value_grad,
        params=formula.program,
        domain=box,
        minima=points,
        min_value=fmin,
        start=start_xy,
        latex=f"f(x, y) = {formula.latex}",
        formula=formula.text,
        gradient_latex=formula.gradient_latex,
        tags=tuple(tags),
        group="custom",
        log_color=log_color,
        spread=spread,
        description=(
            f"A typed formula, f(x, y) = {formula.text}, with its exact gradient (differentiated "
            f"symbolically). Minima {how}."
        ),
    )
