"""Reading a typed formula, safely.

The text is never handed to Python (no eval, exec, compile or sympify): a small tokenizer and a
recursive-descent parser accept only the grammar below and build a tree of the frozen node classes
of `surfaces.formula.nodes`; anything else is refused with a `FormulaError` that names the problem.
Everything else (the exact gradient, LaTeX, the compiled program) is built from that tree.

Grammar (lowest precedence first; `^` and `**` are the same operator)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary | power)*      a power right after a term multiplies:
                                                       2x, 3x^2, 2(x + 1), sin(x)cos(y), x y
    unary   := ("-" | "+") unary | power               -x^2 is -(x^2), as in Python
    power   := atom (("^" | "**") unary)?              right-associative: 2^3^2 = 2^9; x^-2 works
    atom    := number | "x" | "y" | "pi" | "e" | function "(" expr ")" | "(" expr ")"

Numbers are decimal (`2`, `.5`, `1e-3`). Functions: sin cos tan exp log (natural; also `ln`) sqrt
abs sign tanh sinh cosh arctan (also `atan`). Implicit multiplication has the precedence of `*`, so
`1/2x` is x/2.

Limits, each refused with a `FormulaError` that names the problem and, where there is one, the
column: at most MAX_LENGTH (500) characters, MAX_NODES (200) numbers, names, operations and calls,
MAX_NESTING (30) levels of parentheses, calls, signs and exponents; literals up to MAX_LITERAL
(1e12); constant exponents up to MAX_EXPONENT (1000) in magnitude; every constant part (such as
`9^9^9`, `1/0` or `log(-1)`) must be a finite number. Refusals are quick whatever the input: the
checks run as the text is read, before the gradient or the program is built, so no refusal reads
more than MAX_LENGTH characters (`benchmarks/bench_formula.py` prints how long they take).
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from surfaces.formula.evaluate import evaluate_tree
from surfaces.formula.nodes import (
    CONSTANTS,
    FUNCTIONS,
    VARIABLES,
    BinOp,
    Call,
    Const,
    Neg,
    Node,
    Num,
    Var,
    children,
)
from surfaces.formula.text import short_text

MAX_LENGTH = 500
MAX_NODES = 200
MAX_NESTING = 30
MAX_LITERAL = 1e12
MAX_EXPONENT = 1000.0

ALIASES = {"ln": "log", "atan": "arctan"}


class FormulaError(ValueError):
    """A formula that is refused; `column` (1-based) points at the problem when there is one."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.column = column
        super().__init__(message if column is None else f"{message} (column {column})")


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
                shown = short_text(node.right)
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
                    f"the constant {short_text(node)} is {value}: constant parts must be finite numbers",
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
