"""A whole formula from its text: parsed, checked, differentiated, printed and compiled.

A formula must use x or y: a constant surface would have nothing to race on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surfaces import program
from surfaces.formula.compile import compile_program
from surfaces.formula.derive import derivative
from surfaces.formula.latex import to_latex
from surfaces.formula.nodes import Call, Node, uses_variables, walk
from surfaces.formula.parse import FormulaError, parse
from surfaces.formula.text import to_text


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
