"""The Numba kernel: every optimizer on every surface, one trajectory or a million.

One kernel serves every optimizer x surface pair: it dispatches on integer ids once per time step,
outside the loop over trajectories, so each (optimizer, surface) inner loop is a tight loop that
LLVM vectorises, and nothing is compiled per pair (`cache=True` keeps it on disk).

Time runs in the outer loop and a block of trajectories ("lanes") in the inner loops: `race` takes
the lanes BLOCK at a time. It releases the GIL, so `optviz.api` runs many lanes on several threads
by giving each a share of them. The single-trajectory path is the same kernel with one lane that
also records every iterate.

A time step makes separate passes over the block: evaluate the surface at the trial iterates,
check them, update (`rules.update`). Each pass is a call that takes the block as a borrowed array
and indexes it at constant offsets, so nothing in the loop over time steps does atomic reference
counting or builds array views, which would cost more than a one-lane step's arithmetic.

Divergence: an iterate that is not finite or leaves the surface's bounds, or whose loss or gradient
is not finite, ends its lane at that step ("diverged at k" means the k-th update produced it); the
lane keeps its last good iterate, so no NaN or inf ever leaves the kernel.
"""

from __future__ import annotations

import numpy as np

from optviz.engine.jit import helper, jit
from optviz.engine.rules import (
    B1T,
    B2T,
    BETA1,
    BETA2,
    BLOCK,
    BOX,
    DIV,
    GAMMA,
    GX,
    GY,
    HIT,
    HYPER_ROWS,
    MX,
    MY,
    N_ROWS,
    NESTEROV,
    PX,
    PY,
    QF,
    QX,
    QY,
    RX,
    RY,
    SHARED,
    TX,
    TY,
    F,
    X,
    Y,
    _mark,
    update,
)
from surfaces import functions, program

# Surface ids: the position of each function here and in `value_grad_block`'s dispatch.
SURFACE_FUNCTIONS = (
    functions.long_valley,
    functions.beale,
    functions.saddle,
    functions.rosenbrock,
    functions.himmelblau,
    functions.booth,
    functions.rastrigin,
    functions.ackley,
    functions.goldstein_price,
    functions.six_hump_camel,
    functions.styblinski_tang,
    functions.bowl,
    functions.line_fit,
)

# Each is called in one place, `value_grad_block`, where Numba inlines it.
_f0, _f1, _f2, _f3, _f4, _f5, _f6, _f7, _f8, _f9, _f10, _f11, _f12 = (
    jit(inline="always")(fn) for fn in SURFACE_FUNCTIONS
)


CUSTOM = len(SURFACE_FUNCTIONS)  # a typed formula: p is its program (see surfaces.program)


@jit
def _run_program(p, L, n):
    """A typed formula's `value_grad_block`: interprets its program over the points, one pass over
    them per instruction, so each pass is a simple loop that LLVM vectorises.

    Rows are copied by loops, not slice assignments: those compile Numba's shape-mismatch error
    message (about 3 s of compile time in every process that compiles them)."""
    n_ops = int(p[0])
    n_regs = int(p[1])
    base = program.HEADER
    consts = p[base + 4 * n_ops :]
    R = np.empty((n_regs, n))
    for i in range(n):
        R[0, i] = L[TX + i]
        R[1, i] = L[TY + i]
    for k in range(n_ops):
        op = int(p[base + 4 * k])
        a = int(p[base + 4 * k + 1])
        b = int(p[base + 4 * k + 2])
        r = R[int(p[base + 4 * k + 3])]
        if op == program.CONST:
            r[:] = consts[a]
            continue
        u = R[a]
        v = R[b]
        if op == program.ADD:
            for i in range(n):
                r[i] = u[i] + v[i]
        elif op == program.SUB:
            for i in range(n):
                r[i] = u[i] - v[i]
        elif op == program.MUL:
            for i in range(n):
                r[i] = u[i] * v[i]
        elif op == program.DIV:
            for i in range(n):
                r[i] = u[i] / v[i]
        elif op == program.POW:
            for i in range(n):
                r[i] = u[i] ** v[i]
        elif op == program.NEG:
            for i in range(n):
                r[i] = -u[i]
        elif op == program.SQUARE:
            for i in range(n):
                r[i] = u[i] * u[i]
        elif op == program.SIN:
            for i in range(n):
                r[i] = np.sin(u[i])
        elif op == program.COS:
            for i in range(n):
                r[i] = np.cos(u[i])
        elif op == program.TAN:
            for i in range(n):
                r[i] = np.tan(u[i])
        elif op == program.EXP:
            for i in range(n):
                r[i] = np.exp(u[i])
        elif op == program.LOG:
            for i in range(n):
                r[i] = np.log(u[i])
        elif op == program.SQRT:
            for i in range(n):
                r[i] = np.sqrt(u[i])
        elif op == program.ABS:
            for i in range(n):
                r[i] = np.abs(u[i])
        elif op == program.SIGN:
            for i in range(n):
                r[i] = np.sign(u[i])
        elif op == program.TANH:
            for i in range(n):
                r[i] = np.tanh(u[i])
        elif op == program.SINH:
            for i in range(n):
                r[i] = np.sinh(u[i])
        elif op == program.COSH:
            for i in range(n):
                r[i] = np.cosh(u[i])
        elif op == program.ARCTAN:
            for i in range(n):
                r[i] = np.arctan(u[i])
    rf = R[int(p[3])]
    rgx = R[int(p[4])]
    rgy = R[int(p[5])]
    for i in range(n):
        L[F + i] = rf[i]
        L[GX + i] = rgx[i]
        L[GY + i] = rgy[i]


@jit
def value_grad_block(sid, p, L, n):
    """f, df/dx, df/dy of built-in surface `sid` at the trial points of a block (rows TX, TY) into
    rows F, GX, GY."""
    if sid == 0:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f0(L[TX + i], L[TY + i], p)
    elif sid == 1:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f1(L[TX + i], L[TY + i], p)
    elif sid == 2:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f2(L[TX + i], L[TY + i], p)
    elif sid == 3:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f3(L[TX + i], L[TY + i], p)
    elif sid == 4:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f4(L[TX + i], L[TY + i], p)
    elif sid == 5:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f5(L[TX + i], L[TY + i], p)
    elif sid == 6:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f6(L[TX + i], L[TY + i], p)
    elif sid == 7:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f7(L[TX + i], L[TY + i], p)
    elif sid == 8:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f8(L[TX + i], L[TY + i], p)
    elif sid == 9:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f9(L[TX + i], L[TY + i], p)
    elif sid == 10:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f10(L[TX + i], L[TY + i], p)
    elif sid == 11:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f11(L[TX + i], L[TY + i], p)
    elif sid == 12:
        for i in range(n):
            L[F + i], L[GX + i], L[GY + i] = _f12(L[TX + i], L[TY + i], p)


@jit
def evaluate(sid, p, x, y):
    """f and its gradient at points given as two 1-D arrays of equal length (`optviz.evaluate`
    flattens a grid and restores its shape)."""
    n = x.size
    f = np.empty(n)
    gx = np.empty(n)
    gy = np.empty(n)
    L = np.empty(N_ROWS)
    for lo in range(0, n, BLOCK):
        m = min(BLOCK, n - lo)
        for i in range(m):
            L[TX + i] = x[lo + i]
            L[TY + i] = y[lo + i]
        if sid == CUSTOM:
            _run_program(p, L, m)
        else:
            value_grad_block(sid, p, L, m)
        for i in range(m):
            f[lo + i] = L[F + i]
            gx[lo + i] = L[GX + i]
            gy[lo + i] = L[GY + i]
    return f, gx, gy


@helper
def _settle(L, i, t, fi, gx, gy, fmin, tol):
    """Lane i's part of a check, given its loss and gradient; returns (alive, ended) as 0 or 1."""
    L[GX + i] = gx
    L[GY + i] = gy
    L[X + i] = L[TX + i]
    L[Y + i] = L[TY + i]
    di = L[DIV + i]
    hi = L[HIT + i]
    finite = (np.abs(fi) < np.inf) & (np.abs(gx) < np.inf) & (np.abs(gy) < np.inf)
    alive = di < 0.0
    bad = alive & (not finite)
    now = alive & finite
    L[DIV + i] = _mark(di, t, bad)
    L[HIT + i] = _mark(hi, t, now & (hi < 0.0) & (fi - fmin <= tol))
    return np.int64(now), np.int64(bad)


@jit
def _check(L, t, fmin, tol, n):
    """Takes the trial iterates (rows T) as iterate t (rows X), with the loss and gradient there (rows
    F, GX, GY). Ends lanes whose loss or gradient is not finite (div = t) and notes lanes within
    tol of fmin. Returns the number of lanes still alive and of lanes just ended.

    Branch-free and without a store that keeps a row's old value, so LLVM vectorises it with
    plain stores; the rare lanes that end are moved back to their previous iterate afterwards.
    """
    n_alive = 0
    n_ended = 0
    for i in range(n):
        # Adding 0.0 does what adding `_check_batch`'s term does when it is zero at a finite point
        # (a running lane's), -0.0 becoming 0.0 included, so the exact gradient takes the same path.
        alive, ended = _settle(L, i, t, L[F + i], L[GX + i] + 0.0, L[GY + i] + 0.0, fmin, tol)
        n_alive += alive
        n_ended += ended
    return n_alive, n_ended


@jit
def _check_batch(L, t, lookahead, noise, fmin, tol, n):
    """`_check` for a stochastic run: the gradient gets the batch's term of update t + 1, evaluated
    at the gradient's point: the lookahead point (rows Q) for Nesterov, else the iterate (rows T).
    (A flag rather than the rows' offset: a constant offset would compile this once per offset.)"""
    dxx, dxy, dyy, ax, ay = noise[t, 0], noise[t, 1], noise[t, 2], noise[t, 3], noise[t, 4]
    n_alive = 0
    n_ended = 0
    for i in range(n):
        qx = L[QX + i] if lookahead else L[TX + i]
        qy = L[QY + i] if lookahead else L[TY + i]
        gx = L[GX + i] + (dxx * qx + dxy * qy + ax)
        gy = L[GY + i] + (dxy * qx + dyy * qy + ay)
        alive, ended = _settle(L, i, t, L[F + i], gx, gy, fmin, tol)
        n_alive += alive
        n_ended += ended
    return n_alive, n_ended


@jit
def _step_back(L, t, n):
    """Lanes that ended at iterate t go back to the iterate their last move started from (for a
    lane that left the box in that move, it is the same point)."""
    for i in range(n):
        if L[DIV + i] == t:
            L[X + i] = L[PX + i]
            L[Y + i] = L[PY + i]


@jit
def _lookahead(L, n):
    """Nesterov, once the loss at the trial iterates w is known: keeps it (row QF) and puts the
    gradient point q = w - gamma m, where momentum is about to carry the iterate, in the trial rows
    T, where the surface is evaluated, and w in rows Q."""
    for i in range(n):
        L[QF + i] = L[F + i]
        gamma = L[GAMMA + i]
        wx = L[TX + i]
        wy = L[TY + i]
        L[QX + i] = wx
        L[QY + i] = wy
        L[TX + i] = wx - gamma * L[MX + i]
        L[TY + i] = wy - gamma * L[MY + i]


@jit
def _lookahead_back(L, n):
    """After the surface was evaluated at q: its gradient stays in rows GX, GY; w goes back to rows
    T with its loss (row F), q to rows Q."""
    for i in range(n):
        L[F + i] = L[QF + i]
        qx = L[TX + i]
        qy = L[TY + i]
        L[TX + i] = L[QX + i]
        L[TY + i] = L[QY + i]
        L[QX + i] = qx
        L[QY + i] = qy


@jit(inline="always")
def _race(opt, sid, p, L, steps, noise, fmin, tol, n, rec_xy, rec_loss, rec_grad, rec_rate):
    """The time loop of `race` over a prepared block L.

    Every call here takes L as a borrowed reference, and nothing in the loop makes a view of it or
    inlines a helper that takes an array: either would add atomic reference counting to every
    step, which costs more than a whole one-lane step. For the same reason the choice between a
    typed formula and a built-in surface is made here rather than in a function of its own.
    Numba inlines this whole function into `race` (counting references to its arrays once per
    block): as a function of its own it was compiled twice, alone and again inside `race`.
    """
    record = rec_xy.shape[0] > 0
    for t in range(steps + 1):
        if sid == CUSTOM:
            _run_program(p, L, n)
        else:
            value_grad_block(sid, p, L, n)
        if opt == NESTEROV:
            # The loss at the iterate (above), the gradient at the lookahead point.
            _lookahead(L, n)
            if sid == CUSTOM:
                _run_program(p, L, n)
            else:
                value_grad_block(sid, p, L, n)
            _lookahead_back(L, n)
        if noise.shape[0] == 0:
            n_alive, n_ended = _check(L, t, fmin, tol, n)
        else:
            n_alive, n_ended = _check_batch(L, t, opt == NESTEROV, noise, fmin, tol, n)
        if n_ended > 0:
            _step_back(L, t, n)
        if record and L[DIV] < 0.0:
            rec_xy[t, 0] = L[X]
            rec_xy[t, 1] = L[Y]
            rec_loss[t] = L[F]
            rec_grad[t, 0] = L[GX]
            rec_grad[t, 1] = L[GY]
        if t == steps or n_alive == 0:
            break
        update(opt, L, t + 1, n)
        if record:
            rec_rate[t, 0] = L[RX]
            rec_rate[t, 1] = L[RY]


@jit
def _start_block(L, H, x, y, box, lo, n):
    """Fills block L for the n lanes from lane lo of (x, y), with their hyperparameters (rows of H)."""
    L[:] = 0.0
    for i in range(n):
        L[X + i] = L[TX + i] = L[PX + i] = x[lo + i]
        L[Y + i] = L[TY + i] = L[PY + i] = y[lo + i]
        for k in range(len(HYPER_ROWS)):
            L[HYPER_ROWS[k] + i] = H[lo + i, k]
        L[B1T + i] = L[B2T + i] = 1.0
        L[DIV + i] = L[HIT + i] = -1.0
    for k in range(4):
        L[BOX + k] = box[k]
    shared = True
    for i in range(n):
        shared = shared and L[BETA1 + i] == L[BETA1] and L[BETA2 + i] == L[BETA2]
    L[SHARED] = 1.0 if shared else 0.0


@jit
def race(
    opt, sid, p, H, x, y, steps, noise, box, fmin, tol, hit, div, loss, rec_xy, rec_loss, rec_grad, rec_rate
):
    """Steps the trajectories (x, y) in place for `steps` updates, BLOCK lanes at a time.

    H holds each lane's hyperparameters (eta, gamma, beta1, beta2, eps_in, eps_out, lambda) as a
    row. Writes each lane's final loss to loss, the first iterate index whose loss is within tol
    of fmin to hit (-1: never) and the update that diverged to div (-1: none). With non-empty
    rec_* arrays (one lane), records every iterate, its loss and gradient, and each update's
    effective learning rate. Releases the GIL, so threads can run parts of the lanes at once.
    """
    n = x.size
    L = np.empty(N_ROWS)
    for lo in range(0, n, BLOCK):
        hi = min(n, lo + BLOCK)
        m = hi - lo
        _start_block(L, H, x, y, box, lo, m)
        _race(opt, sid, p, L, steps, noise, fmin, tol, m, rec_xy, rec_loss, rec_grad, rec_rate)
        # Lanes that ended keep their last good iterate; its loss was finite when it was checked.
        for i in range(m):
            L[TX + i] = L[X + i]
            L[TY + i] = L[Y + i]
        if sid == CUSTOM:
            _run_program(p, L, m)
        else:
            value_grad_block(sid, p, L, m)
        for i in range(m):
            x[lo + i] = L[X + i]
            y[lo + i] = L[Y + i]
            loss[lo + i] = L[F + i]
            hit[lo + i] = np.int64(L[HIT + i])
            div[lo + i] = np.int64(L[DIV + i])
