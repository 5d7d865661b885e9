"""The tree of a formula: frozen node classes, the names a tree may hold, and walks over a tree.

Every other part of `surfaces.formula` (the parser, the evaluation, the derivative, the printers
and the compiler) builds or reads these trees; this module depends on none of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
FUNCTIONS = (
    "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "sign", "tanh", "sinh", "cosh", "arctan",
)  # fmt: skip


# `pos` (0-based offset in the text) is for error messages only, so it is not compared.


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


def bottom_up(
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


def has_variables(node: Node, result_of: Callable[[Node], bool]) -> bool:
    """The step of `bottom_up` behind `uses_variables`, for callers that keep its results per node."""
    return isinstance(node, Var) or any(result_of(c) for c in children(node))


def uses_variables(node: Node) -> bool:
    return bool(bottom_up(node, has_variables))


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents first (a subtree shared by two parents comes twice)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))
