"""The Numba kernels: every optimizer on every surface, one trajectory or a million.

One kernel serves every optimizer x surface pair: it dispatches on integer ids once per time step,
outside the loop over trajectories, so each (optimizer, surface) inner loop is a tight loop that
LLVM vectorises, and nothing is compiled per pair (`cache=True` keeps it on disk).

Time runs in the outer loop and a block of trajectories ("lanes") in the inner loops; the batched
path hands blocks of `BLOCK` lanes to the cores with `prange`. The single-trajectory path is the
same kernel with one lane that also records every iterate.

Divergence: an iterate that is not finite or leaves the surface's bounds, or whose loss or gradient
is not finite, ends its lane at that step ("diverged at k" means the k-th update produced it); the
lane keeps its last good iterate, so no NaN or inf ever leaves the kernel.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from optviz._jit import jit
from optviz.rules import (
    B1T,
    B2T,
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
    QX,
    QY,
    RX,
    RY,
    SCRATCH1,
    SCRATCH2,
    SCRATCH3,
    F,
    X,
    Y,
    row,
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

_f0, _f1, _f2, _f3, _f4, _f5, _f6, _f7, _f8, _f9, _f10, _f11, _f12 = (
    jit(inline="always")(fn) for fn in SURFACE_FUNCTIONS
)


CUSTOM = len(SURFACE_FUNCTIONS)  # a typed formula: p is its program (see surfaces.program)


@jit
def _run_program(p, x, y, f, gx, gy, n):
    """Interprets a formula's program over n points: one pass over the points per instruction, so
    each pass is a simple loop that LLVM vectorises."""
    n_ops = int(p[0])
    n_regs = int(p[1])
    base = program.HEADER
    consts = p[base + 4 * n_ops :]
    R = np.empty((n_regs, n))
    R[0, :] = x[:n]
    R[1, :] = y[:n]
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
    f[:n] = R[int(p[3])]
    gx[:n] = R[int(p[4])]
    gy[:n] = R[int(p[5])]


@jit
def value_grad_block(sid, p, x, y, f, gx, gy, n):
    """f, df/dx, df/dy of surface `sid` at n points."""
    if sid == CUSTOM:
        _run_program(p, x, y, f, gx, gy, n)
    elif sid == 0:
        for i in range(n):
            f[i], gx[i], gy[i] = _f0(x[i], y[i], p)
    elif sid == 1:
        for i in range(n):
            f[i], gx[i], gy[i] = _f1(x[i], y[i], p)
    elif sid == 2:
        for i in range(n):
            f[i], gx[i], gy[i] = _f2(x[i], y[i], p)
    elif sid == 3:
        for i in range(n):
            f[i], gx[i], gy[i] = _f3(x[i], y[i], p)
    elif sid == 4:
        for i in range(n):
            f[i], gx[i], gy[i] = _f4(x[i], y[i], p)
    elif sid == 5:
        for i in range(n):
            f[i], gx[i], gy[i] = _f5(x[i], y[i], p)
    elif sid == 6:
        for i in range(n):
            f[i], gx[i], gy[i] = _f6(x[i], y[i], p)
    elif sid == 7:
        for i in range(n):
            f[i], gx[i], gy[i] = _f7(x[i], y[i], p)
    elif sid == 8:
        for i in range(n):
            f[i], gx[i], gy[i] = _f8(x[i], y[i], p)
    elif sid == 9:
        for i in range(n):
            f[i], gx[i], gy[i] = _f9(x[i], y[i], p)
    elif sid == 10:
        for i in range(n):
            f[i], gx[i], gy[i] = _f10(x[i], y[i], p)
    elif sid == 11:
        for i in range(n):
            f[i], gx[i], gy[i] = _f11(x[i], y[i], p)
    elif sid == 12:
        for i in range(n):
            f[i], gx[i], gy[i] = _f12(x[i], y[i], p)


@jit
def evaluate(sid, p, x, y):
    """f and its gradient on arrays of points (any equal shapes), e.g. a plotting grid."""
    xf = np.ascontiguousarray(x).ravel()
    yf = np.ascontiguousarray(y).ravel()
    n = xf.size
    f = np.empty(n)
    gx = np.empty(n)
    gy = np.empty(n)
    value_grad_block(sid, p, xf, yf, f, gx, gy, n)
    return f.reshape(x.shape), gx.reshape(x.shape), gy.reshape(x.shape)


@jit(inline="always")
def _check_point(L, t, Q, noise, fmin, tol, n):
    """Adds the batch's term (evaluated at the gradient's point, rows Q) to the gradient if the run
    is stochastic; ends lanes whose loss or gradient at iterate t is not finite, back at their
    previous iterate; notes lanes within tol of fmin. Returns the number of lanes still alive.

    Branch-free, so LLVM vectorises it: every element is loaded unconditionally and results are
    selected (a load inside a condition would be a branch).
    """
    dxx = dxy = dyy = ax = ay = 0.0
    if noise.shape[0] > 0:
        dxx, dxy, dyy, ax, ay = noise[t, 0], noise[t, 1], noise[t, 2], noise[t, 3], noise[t, 4]
    q_x, q_y, f, g_x, g_y = row(L, Q), row(L, Q + BLOCK), row(L, F), row(L, GX), row(L, GY)
    x, y, p_x, p_y, div, hit = row(L, X), row(L, Y), row(L, PX), row(L, PY), row(L, DIV), row(L, HIT)
    n_alive = 0
    for i in range(n):
        fi = f[i]
        gx = g_x[i] + (dxx * q_x[i] + dxy * q_y[i] + ax)
        gy = g_y[i] + (dxy * q_x[i] + dyy * q_y[i] + ay)
        g_x[i] = gx
        g_y[i] = gy
        di = div[i]
        hi = hit[i]
        xi = x[i]
        yi = y[i]
        pxi = p_x[i]
        pyi = p_y[i]
        finite = (np.abs(fi) < np.inf) & (np.abs(gx) < np.inf) & (np.abs(gy) < np.inf)
        alive = di < 0.0
        bad = alive & (not finite)
        now = alive & finite
        x[i] = pxi if bad else xi
        y[i] = pyi if bad else yi
        div[i] = t if bad else di
        hit[i] = t if (now & (hi < 0.0) & (fi - fmin <= tol)) else hi
        n_alive += np.int64(now)
    return n_alive


@jit(inline="always")
def _evaluate(opt, sid, p, L, t, noise, fmin, tol, n):
    """Loss at every lane's iterate t and the gradient where the optimizer asks for it."""
    x = L[X : X + n]
    y = L[Y : Y + n]
    if opt == NESTEROV:
        # Nesterov evaluates the gradient where momentum is about to carry the iterate.
        q_x, q_y, gamma, m_x, m_y = row(L, QX), row(L, QY), row(L, GAMMA), row(L, MX), row(L, MY)
        for i in range(n):
            q_x[i] = x[i] - gamma[i] * m_x[i]
            q_y[i] = y[i] - gamma[i] * m_y[i]
        gx, gy = L[GX : GX + n], L[GY : GY + n]
        value_grad_block(sid, p, L[QX : QX + n], L[QY : QY + n], L[SCRATCH1 : SCRATCH1 + n], gx, gy, n)
        value_grad_block(
            sid, p, x, y, L[F : F + n], L[SCRATCH2 : SCRATCH2 + n], L[SCRATCH3 : SCRATCH3 + n], n
        )
        return _check_point(L, t, QX, noise, fmin, tol, n)
    value_grad_block(sid, p, x, y, L[F : F + n], L[GX : GX + n], L[GY : GY + n], n)
    return _check_point(L, t, X, noise, fmin, tol, n)


@jit
def race_block(
    opt, sid, p, H, x, y, steps, noise, box, fmin, tol, hit, div, rec_xy, rec_loss, rec_grad, rec_rate
):
    """Steps up to BLOCK lanes (x, y) in place for `steps` updates; returns the final losses.

    H holds the hyperparameter rows (eta, gamma, beta1, beta2, eps_in, eps_out, lambda) per lane.
    hit[i]: first iterate index whose loss is within tol of fmin (-1: never); div[i]: the update
    that diverged (-1: none). With non-empty rec_* arrays (one lane), records every iterate, its
    loss and gradient, and each update's effective learning rate.
    """
    n = x.size
    record = rec_xy.shape[0] > 0
    L = np.zeros(N_ROWS)
    L[X : X + n] = x
    L[Y : Y + n] = y
    L[PX : PX + n] = x
    L[PY : PY + n] = y
    for k in range(len(HYPER_ROWS)):
        L[HYPER_ROWS[k] : HYPER_ROWS[k] + n] = H[k]
    L[B1T : B1T + n] = 1.0
    L[B2T : B2T + n] = 1.0
    L[DIV : DIV + n] = -1.0
    L[HIT : HIT + n] = -1.0
    L[BOX : BOX + 4] = box
    for t in range(steps + 1):
        n_alive = _evaluate(opt, sid, p, L, t, noise, fmin, tol, n)
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
    # Lanes that ended keep their last good iterate; its loss was finite when it was checked.
    f = np.empty(n)
    value_grad_block(
        sid, p, L[X : X + n], L[Y : Y + n], f, L[SCRATCH2 : SCRATCH2 + n], L[SCRATCH3 : SCRATCH3 + n], n
    )
    x[:] = L[X : X + n]
    y[:] = L[Y : Y + n]
    for i in range(n):
        hit[i] = np.int64(L[HIT + i])
        div[i] = np.int64(L[DIV + i])
    return f


@jit(parallel=True)
def race_many(opt, sid, p, H, x0, y0, steps, noise, box, fmin, tol, out_xy, out_loss, hit, div):
    """race_block over many lanes, BLOCK lanes at a time on all cores; records final states only."""
    n = x0.size
    n_blocks = (n + BLOCK - 1) // BLOCK
    for b in prange(n_blocks):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        x = x0[lo:hi].copy()
        y = y0[lo:hi].copy()
        Hb = np.ascontiguousarray(H[:, lo:hi])
        hb = hit[lo:hi].copy()
        db = div[lo:hi].copy()
        no_xy = np.empty((0, 2))
        f = race_block(
            opt, sid, p, Hb, x, y, steps, noise, box, fmin, tol, hb, db, no_xy, np.empty(0), no_xy, no_xy
        )
        out_xy[lo:hi, 0] = x
        out_xy[lo:hi, 1] = y
        out_loss[lo:hi] = f
        hit[lo:hi] = hb
        div[lo:hi] = db
