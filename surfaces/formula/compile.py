"""Compilation of a formula and its gradient into one register program (see `surfaces.program`),
which the engine's interpreter runs at compiled speed: nothing is compiled per formula.

Every distinct (op, operands) is numbered once, so f and both partial derivatives share their
common subexpressions; parts without x or y become constants, computed with the reference
semantics of `evaluate_tree`, and constant powers follow `power_steps`, so the program computes
exactly what the tree does; then registers are reused once their last reader has run.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

import numpy as np

from surfaces import program
from surfaces.formula.evaluate import evaluate_tree, power_steps
from surfaces.formula.nodes import BinOp, Call, Neg, Node, Var, bottom_up, has_variables
from surfaces.formula.parse import FormulaError

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
        bottom_up(node, has_variables, done=self._has_vars)
        return bottom_up(node, self._compile, descend=lambda n: self._has_vars[id(n)], done=self._values)

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
