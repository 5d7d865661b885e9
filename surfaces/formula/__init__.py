"""Custom surfaces typed as formulas: parsed safely, differentiated exactly, run at engine speed.

>>> import surfaces
>>> bowl = surfaces.from_formula("x^2 + 10 y^2")
>>> bowl(1.0, 1.0), bowl.gradient(1.0, 1.0)
(11.0, (2.0, 20.0))

The text is read by a parser of its own and never handed to Python; every later step works on the
tree it builds. One module per step, each using only those listed before it:

- `nodes`: the tree (frozen node classes) and walks over it;
- `evaluate`: the reference semantics of a tree, which the compiled program reproduces exactly;
- `text`: the canonical text of a tree, which parses back to the same tree;
- `parse`: the tokenizer and parser, with the grammar, the limits and `FormulaError`;
- `derive`: the exact partial derivatives, lightly simplified;
- `latex`: a tree in LaTeX;
- `compile`: the register program that computes f and its gradient (see `surfaces.program`);
- `build`: `parse_formula`, text to a `Formula` (tree, gradient trees, LaTeX, program);
- `surface`: `from_formula`, a formula as a Surface (minima estimated by `surfaces.minima`).

API: `from_formula` (a Surface), `parse_formula` (a `Formula`), `FormulaError` (a ValueError),
the limits the app shows and the default domain. The pieces (`parse.parse`, `derive.derivative`,
`evaluate.evaluate_tree`, `text.to_text`, `latex.to_latex`, `compile.compile_program`) are
imported from their modules.
"""

from __future__ import annotations

from surfaces.formula.build import Formula, parse_formula
from surfaces.formula.parse import MAX_LENGTH, MAX_NESTING, MAX_NODES, FormulaError
from surfaces.formula.surface import DEFAULT_DOMAIN, from_formula

__all__ = [
    "DEFAULT_DOMAIN",
    "MAX_LENGTH",
    "MAX_NESTING",
    "MAX_NODES",
    "Formula",
    "FormulaError",
    "from_formula",
    "parse_formula",
]
