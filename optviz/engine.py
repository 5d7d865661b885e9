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
from optviz.rules import GAMMA, N_STATE, NESTEROV, update
from surfaces import functions

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

BLOCK = 256  # lanes stepped together; small enough that a block's state stays in L1/L2


@jit
def value_grad_block(sid, p, x, y, f, gx, gy, n):
    """f, df/dx, df/dy of surface `sid` at n points."""
    if sid == 0:
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


@jit
def _gradient(opt, sid, p, H, S, x, y, noise, t, f, gx, gy, scratch, n):
    """f at the iterates and the gradient the optimizer asks for (its batch's, if stochastic)."""
    if opt == NESTEROV:
        # Nesterov evaluates the gradient where momentum is about to carry the iterate.
        px = scratch[0]
        py = scratch[1]
        for i in range(n):
            px[i] = x[i] - H[GAMMA, i] * S[0, i]
            py[i] = y[i] - H[GAMMA, i] * S[1, i]
        value_grad_block(sid, p, px, py, scratch[2], gx, gy, n)
        value_grad_block(sid, p, x, y, f, scratch[3], scratch[4], n)
    else:
        value_grad_block(sid, p, x, y, f, gx, gy, n)
        px = x
        py = y
    if noise.shape[0] > 0:
        dxx, dxy, dyy, ax, ay = noise[t, 0], noise[t, 1], noise[t, 2], noise[t, 3], noise[t, 4]
        for i in range(n):
            gx[i] += dxx * px[i] + dxy * py[i] + ax
            gy[i] += dxy * px[i] + dyy * py[i] + ay


@jit
def _check_point(t, f, gx, gy, x, y, px, py, alive, fmin, tol, hit, div, n):
    """Ends lanes whose loss or gradient at iterate t is not finite; notes lanes within tol."""
    n_alive = 0
    for i in range(n):
        finite = np.abs(f[i]) < np.inf and np.abs(gx[i]) < np.inf and np.abs(gy[i]) < np.inf
        bad = alive[i] and not finite
        if bad:
            x[i] = px[i]
            y[i] = py[i]
            div[i] = t
            alive[i] = False
        if alive[i] and hit[i] < 0 and f[i] - fmin <= tol:
            hit[i] = t
        n_alive += alive[i]
    return n_alive


@jit
def _apply(t, d, x, y, px, py, alive, box, div, n):
    """w <- w - d for live lanes, ending lanes whose new iterate is not finite or out of bounds."""
    x_lo, x_hi, y_lo, y_hi = box[0], box[1], box[2], box[3]
    for i in range(n):
        nx = x[i] - d[0, i]
        ny = y[i] - d[1, i]
        # NaN fails every comparison, so this is also the finiteness test.
        ok = nx >= x_lo and nx <= x_hi and ny >= y_lo and ny <= y_hi
        px[i] = x[i]
        py[i] = y[i]
        if alive[i]:
            if ok:
                x[i] = nx
                y[i] = ny
            else:
                div[i] = t
                alive[i] = False


@jit
def race_block(
    opt, sid, p, H, x, y, steps, noise, box, fmin, tol, hit, div, rec_xy, rec_loss, rec_grad, rec_rate
):
    """Steps the n lanes (x, y) in place for `steps` updates; returns the final losses.

    hit[i]: first iterate index whose loss is within tol of fmin (-1: never); div[i]: the update
    that diverged (-1: none). With non-empty rec_* arrays (one lane), records every iterate, its
    loss and gradient, and each update's effective learning rate.
    """
    n = x.size
    record = rec_xy.shape[0] > 0
    S = np.zeros((N_STATE, n))
    S[6, :] = 1.0
    S[7, :] = 1.0
    f = np.empty(n)
    gx = np.empty(n)
    gy = np.empty(n)
    scratch = np.empty((5, n))
    px = x.copy()
    py = y.copy()
    d = np.zeros((2, n))
    r = np.zeros((2, n))
    alive = np.ones(n, dtype=np.bool_)
    for t in range(steps + 1):
        _gradient(opt, sid, p, H, S, x, y, noise, t, f, gx, gy, scratch, n)
        n_alive = _check_point(t, f, gx, gy, x, y, px, py, alive, fmin, tol, hit, div, n)
        if record and alive[0]:
            rec_xy[t, 0] = x[0]
            rec_xy[t, 1] = y[0]
            rec_loss[t] = f[0]
            rec_grad[t, 0] = gx[0]
            rec_grad[t, 1] = gy[0]
        if t == steps or n_alive == 0:
            break
        update(opt, gx, gy, x, y, S, H, d, r, n)
        if record:
            rec_rate[t, 0] = r[0, 0]
            rec_rate[t, 1] = r[1, 0]
        _apply(t + 1, d, x, y, px, py, alive, box, div, n)
    # Lanes that ended keep their last good iterate; its loss was finite when it was checked.
    value_grad_block(sid, p, x, y, f, gx, gy, n)
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
