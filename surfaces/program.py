"""A straight-line program over registers: how a typed formula and its exact gradient run in the
engine at compiled speed, with nothing compiled per formula.

A program is a list of instructions (op, a, b, out) over registers that each hold one number per
trajectory; registers 0 and 1 hold x and y on entry. `encode` packs it, with its constants and
the registers holding f, df/dx and df/dy, into one float64 array (every integer involved is far
below 2^53, so it is exact) that the engine's interpreter reads as the surface's parameters.
`evaluate` is the same interpreter in NumPy, for plots, tests and scalar calls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Op codes. Unary ops read register a; binary ops read a and b; CONST reads constant number a.
(
    CONST, ADD, SUB, MUL, DIV, POW, NEG,
    SIN, COS, TAN, EXP, LOG, SQRT, ABS, SIGN, TANH, SINH, COSH, ARCTAN, SQUARE,
) = range(20)  # fmt: skip
UNARY = (NEG, SIN, COS, TAN, EXP, LOG, SQRT, ABS, SIGN, TANH, SINH, COSH, ARCTAN, SQUARE)
BINARY = (ADD, SUB, MUL, DIV, POW)
HEADER = 6  # n_ops, n_registers, n_constants, register of f, of df/dx, of df/dy
MAX_OPS = 4096
MAX_REGISTERS = 4096

Instruction = tuple[int, int, int, int]


def encode(
    ops: Sequence[Instruction], constants: Sequence[float], outputs: tuple[int, int, int]
) -> np.ndarray:
    """Packs a program: [header | ops (4 numbers each) | constants]."""
    if not 0 < len(ops) <= MAX_OPS:
        raise ValueError(f"a program has 1 to {MAX_OPS} instructions, got {len(ops)}")
    registers = 2 + max([out for *_, out in ops] + list(outputs)) - 1
    registers = max(registers, 2)
    if registers > MAX_REGISTERS:
        raise ValueError(f"a program uses at most {MAX_REGISTERS} registers, got {registers}")
    for op, a, b, out in ops:
        if op not in UNARY + BINARY + (CONST,):
            raise ValueError(f"unknown op code {op}")
        if out < 2 or out >= registers:
            raise ValueError(f"instruction writes register {out}, outside 2..{registers - 1}")
        if op == CONST and not 0 <= a < len(constants):
            raise ValueError(f"constant {a} does not exist")
        if op != CONST and not (0 <= a < registers and (op in UNARY or 0 <= b < registers)):
            raise ValueError(f"instruction reads a register outside 0..{registers - 1}")
    header = [len(ops), registers, len(constants), *outputs]
    body = np.asarray(ops, dtype=np.float64).ravel()
    return np.concatenate(
        (np.asarray(header, dtype=np.float64), body, np.asarray(constants, dtype=np.float64))
    )


def evaluate(program: np.ndarray, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, ...]:
    """f, df/dx, df/dy at the points (x, y), with NumPy's IEEE semantics (NaN/inf where undefined)."""
    n_ops, n_regs, n_const, out_f, out_gx, out_gy = (int(v) for v in program[:HEADER])
    ops = program[HEADER : HEADER + 4 * n_ops].reshape(n_ops, 4).astype(np.int64)
    consts = program[HEADER + 4 * n_ops : HEADER + 4 * n_ops + n_const]
    xa, ya = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    regs: list[np.ndarray] = [xa, ya] + [np.zeros(xa.shape)] * (n_regs - 2)
    with np.errstate(all="ignore"):
        for op, a, b, out in ops:
            regs[out] = _apply(op, regs, consts, a, b, xa.shape)
    return regs[out_f] + 0.0, regs[out_gx] + 0.0, regs[out_gy] + 0.0


def _apply(op: int, regs: list[np.ndarray], consts: np.ndarray, a: int, b: int, shape) -> np.ndarray:
    if op == CONST:
        return np.full(shape, consts[a])
    u = regs[a]
    if op in BINARY:
        v = regs[b]
        return {ADD: np.add, SUB: np.subtract, MUL: np.multiply, DIV: np.divide, POW: np.power}[op](u, v)
    return {
        NEG: np.negative, SIN: np.sin, COS: np.cos, TAN: np.tan, EXP: np.exp, LOG: np.log,
        SQRT: np.sqrt, ABS: np.abs, SIGN: np.sign, TANH: np.tanh, SINH: np.sinh, COSH: np.cosh,
        ARCTAN: np.arctan, SQUARE: np.square,
    }[op](u)  # fmt: skip


def value_grad(x: float, y: float, p: np.ndarray) -> tuple[float, float, float]:
    """The Surface.function of a formula surface (its params are the program): one point."""
    f, gx, gy = evaluate(np.asarray(p), x, y)
    return float(f), float(gx), float(gy)
