"""The update rules, each in one short place, written with the lecture's symbols.

Every rule updates a block of up to BLOCK trajectories ("lanes") at once: a loop over lanes i that
LLVM vectorises. Each lane's step d is applied at once by `_move` (the trial iterate is w - d), so
an update makes one pass over the block. Each rule also writes the effective per-coordinate
learning rate r (what multiplies the gradient: eta / sqrt(G + eps) for the adaptive methods) for
the teaching overlays. The rules are inlined into `update` by Numba, and their small helpers
(`jit.helper`) into the rules by LLVM, so `update` calls no other function: a call would make
Numba count references to L around it, atomically, on every update.

All of a block's per-lane numbers live in one flat float64 array L, one row of BLOCK numbers per
quantity: `L[MX + i]` is lane i's m_x. Why: accesses at constant offsets of one array let LLVM
prove that writing one row never touches another, so it vectorises the loops without run-time
overlap checks, and indexing L directly (rather than through views of its rows) costs no atomic
reference counting, which would outweigh a whole step of a single trajectory.

A store that keeps a row's own old value in some lanes (`row = new if c else row`) is compiled
into a masked store, several times slower than a plain one. So the move reads the iterate from
one row and writes the new one to another (X to T), and per-lane markers are written as
arithmetic (`_mark`).

eps enters as 1 / (sqrt(G + eps_in) + eps_out): the lecture's form puts eps inside the root
(eps_in = eps, eps_out = 0), PyTorch's and TensorFlow's outside (eps_in = 0, eps_out = eps); one
formula serves both without a branch in the loop.
"""

from __future__ import annotations

import numpy as np

from optviz.engine.jit import helper, jit

# Optimizer ids: the position of each rule in `update`'s dispatch below.
GD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADADELTA, ADAM, AMSGRAD, NADAM, ADAMW, LION = range(11)

BLOCK = 128  # lanes per block: the rows a pass reads and writes (~27 x 1 KB) stay in L1 cache

# Rows of L, each the offset of its first lane: the iterate (checked), the trial iterate the last
# move produced (evaluated next), the iterate that move started from; loss and gradient; the
# lookahead point and the loss kept while it is evaluated (Nesterov); optimizer state; bias
# corrections; rates; hyperparameters; per-lane outcomes (the update that diverged, the first
# iterate within tol of the minimum; -1: none).
(
    X, Y, TX, TY, PX, PY, F, GX, GY, QX, QY, QF,
    MX, MY, GGX, GGY, UX, UY, B1T, B2T, K1, K2, RX, RY,
    ETA, GAMMA, BETA1, BETA2, EPS_IN, EPS_OUT, LAMBDA,
    DIV, HIT, BOX, N_ROWS,
) = (k * BLOCK for k in range(35))  # fmt: skip
HYPER_ROWS = (ETA, GAMMA, BETA1, BETA2, EPS_IN, EPS_OUT, LAMBDA)
# BOX row: x_min, x_max, y_min, y_max of the region outside which an iterate has diverged, then
# SHARED: 1 when every lane of the block has the same beta1 and beta2.
SHARED = BOX + 4


@helper
def _mark(d, t, now):
    """t where `now`, else d, for a step marker d (divergence, hit) that is -1 wherever `now` holds.
    Written as arithmetic so that it is stored with a plain store, not a masked one; it is exact:
    d + (t - d) is t for these whole numbers, and d + 0.0 is d (a marker is never -0.0)."""
    return d + ((t - d) if now else 0.0)


@helper
def _inv_root(G, eps_in, eps_out):
    """1 / (sqrt(G + eps_in) + eps_out); 0 when that root is 0 (eps = 0 and a coordinate whose
    gradient has always been 0), so such a coordinate stays put instead of taking 0 / 0."""
    root = np.sqrt(G + eps_in) + eps_out
    return 1.0 / root if root > 0.0 else 0.0


@helper
def _adaptive_rates(L, i, Gx, Gy):
    """Lane i's per-coordinate learning rates eta / (sqrt(G + eps_in) + eps_out), stored in rows R
    (what the app plots) and returned."""
    eta, e_in, e_out = L[ETA + i], L[EPS_IN + i], L[EPS_OUT + i]
    rx = eta * _inv_root(Gx, e_in, e_out)
    ry = eta * _inv_root(Gy, e_in, e_out)
    L[RX + i] = rx
    L[RY + i] = ry
    return rx, ry


@helper
def _box(L):
    """The bounds outside which an iterate has diverged, read once before a rule's lane loop: as
    far as the compiler can tell, a store in the loop could change them, which would stop it
    vectorising a loop that reads them."""
    return L[BOX], L[BOX + 1], L[BOX + 2], L[BOX + 3]


@helper
def _move(L, box, i, t, dx, dy):
    """Trial iterate T = w - d for lane i if it is alive (div < 0); ends it (div = t) if w - d is
    not finite or leaves the box, and then T = w. Rows P keep w. Branch-free: loads are
    unconditional and results are selected."""
    x_min, x_max, y_min, y_max = box
    xi = L[X + i]
    yi = L[Y + i]
    di = L[DIV + i]
    nx = xi - dx
    ny = yi - dy
    # NaN fails every comparison, so this is also the finiteness test.
    ok = (nx >= x_min) & (nx <= x_max) & (ny >= y_min) & (ny <= y_max)
    alive = di < 0.0
    move = alive & ok
    L[PX + i] = xi
    L[PY + i] = yi
    L[TX + i] = nx if move else xi
    L[TY + i] = ny if move else yi
    L[DIV + i] = _mark(di, t, alive & (not ok))


@jit(inline="always")
def gd(L, t, n):
    """w <- w - eta g"""
    box = _box(L)
    for i in range(n):
        eta = L[ETA + i]
        L[RX + i] = eta
        L[RY + i] = eta
        _move(L, box, i, t, eta * L[GX + i], eta * L[GY + i])


@jit(inline="always")
def momentum(L, t, n):
    """m <- gamma m + eta g;  w <- w - m   (the kernel evaluates g at w - gamma m for Nesterov)"""
    box = _box(L)
    for i in range(n):
        eta = L[ETA + i]
        gamma = L[GAMMA + i]
        mx = gamma * L[MX + i] + eta * L[GX + i]
        my = gamma * L[MY + i] + eta * L[GY + i]
        L[MX + i] = mx
        L[MY + i] = my
        L[RX + i] = eta
        L[RY + i] = eta
        _move(L, box, i, t, mx, my)


@jit(inline="always")
def adagrad(L, t, n):
    """G <- G + g^2;  w <- w - eta / sqrt(G + eps) g"""
    box = _box(L)
    for i in range(n):
        gx, gy = L[GX + i], L[GY + i]
        Gx = L[GGX + i] + gx * gx
        Gy = L[GGY + i] + gy * gy
        L[GGX + i] = Gx
        L[GGY + i] = Gy
        rx, ry = _adaptive_rates(L, i, Gx, Gy)
        _move(L, box, i, t, rx * gx, ry * gy)


@jit(inline="always")
def rmsprop(L, t, n):
    """G <- gamma G + (1 - gamma) g^2;  w <- w - eta / sqrt(G + eps) g"""
    box = _box(L)
    for i in range(n):
        gx, gy = L[GX + i], L[GY + i]
        c = L[GAMMA + i]
        Gx = c * L[GGX + i] + (1.0 - c) * gx * gx
        Gy = c * L[GGY + i] + (1.0 - c) * gy * gy
        L[GGX + i] = Gx
        L[GGY + i] = Gy
        rx, ry = _adaptive_rates(L, i, Gx, Gy)
        _move(L, box, i, t, rx * gx, ry * gy)


@jit(inline="always")
def adadelta(L, t, n):
    """G <- gamma G + (1 - gamma) g^2;  delta = sqrt(U + eps) / sqrt(G + eps) g;
    U <- gamma U + (1 - gamma) delta^2;  w <- w - eta delta"""
    box = _box(L)
    for i in range(n):
        eta, e_in, e_out, gx, gy = L[ETA + i], L[EPS_IN + i], L[EPS_OUT + i], L[GX + i], L[GY + i]
        c = L[GAMMA + i]
        Gx = c * L[GGX + i] + (1.0 - c) * gx * gx
        Gy = c * L[GGY + i] + (1.0 - c) * gy * gy
        Ux = L[UX + i]
        Uy = L[UY + i]
        sx = (np.sqrt(Ux + e_in) + e_out) * _inv_root(Gx, e_in, e_out)
        sy = (np.sqrt(Uy + e_in) + e_out) * _inv_root(Gy, e_in, e_out)
        delta_x = sx * gx
        delta_y = sy * gy
        L[GGX + i] = Gx
        L[GGY + i] = Gy
        L[UX + i] = c * Ux + (1.0 - c) * delta_x * delta_x
        L[UY + i] = c * Uy + (1.0 - c) * delta_y * delta_y
        L[RX + i] = eta * sx
        L[RY + i] = eta * sy
        _move(L, box, i, t, eta * delta_x, eta * delta_y)


@jit(inline="always")  # called in two places, one of them with a constant lane
def _advance_powers(L, i):
    """beta1^t, beta2^t of lane i (running products in rows B1T, B2T) advanced to this update;
    returns the bias corrections 1 / (1 - beta1^t), 1 / (1 - beta2^t) (the reciprocals save two
    divisions per coordinate)."""
    q1 = L[B1T + i] * L[BETA1 + i]
    q2 = L[B2T + i] * L[BETA2 + i]
    L[B1T + i] = q1
    L[B2T + i] = q2
    return 1.0 / (1.0 - q1), 1.0 / (1.0 - q2)


@helper
def _bias_corrections(L, n):
    """Rows K1, K2: every lane's bias corrections for this update. When the lanes share beta1 and
    beta2 (as a run_many's do unless one of them is given per run), the first lane's serve them
    all: two divisions per block and update instead of two per lane."""
    if L[SHARED] > 0.0:
        k1, k2 = _advance_powers(L, 0)
        for i in range(n):
            L[K1 + i] = k1
            L[K2 + i] = k2
    else:
        for i in range(n):
            L[K1 + i], L[K2 + i] = _advance_powers(L, i)


@helper
def _moments(L, i):
    """Adam's moments for lane i: m <- beta1 m + (1 - beta1) g;  G <- beta2 G + (1 - beta2) g^2.
    Returns m, G and the lane's bias corrections (`_bias_corrections` computed them)."""
    b1 = L[BETA1 + i]
    b2 = L[BETA2 + i]
    gx = L[GX + i]
    gy = L[GY + i]
    mx = b1 * L[MX + i] + (1.0 - b1) * gx
    my = b1 * L[MY + i] + (1.0 - b1) * gy
    Gx = b2 * L[GGX + i] + (1.0 - b2) * gx * gx
    Gy = b2 * L[GGY + i] + (1.0 - b2) * gy * gy
    L[MX + i] = mx
    L[MY + i] = my
    L[GGX + i] = Gx
    L[GGY + i] = Gy
    return mx, my, Gx, Gy, L[K1 + i], L[K2 + i]


@jit(inline="always")
def adam(L, t, n):
    """m_hat = m / (1 - beta1^t);  G_hat = G / (1 - beta2^t);  w <- w - eta / sqrt(G_hat + eps) m_hat"""
    box = _box(L)
    _bias_corrections(L, n)
    for i in range(n):
        mx, my, Gx, Gy, k1, k2 = _moments(L, i)
        rx, ry = _adaptive_rates(L, i, Gx * k2, Gy * k2)
        _move(L, box, i, t, rx * (mx * k1), ry * (my * k1))


@jit(inline="always")
def amsgrad(L, t, n):
    """Adam with U <- max(U, G) and G_hat = U / (1 - beta2^t): the step size never grows back."""
    box = _box(L)
    _bias_corrections(L, n)
    for i in range(n):
        mx, my, Gx, Gy, k1, k2 = _moments(L, i)
        Ux = max(L[UX + i], Gx)
        Uy = max(L[UY + i], Gy)
        L[UX + i] = Ux
        L[UY + i] = Uy
        rx, ry = _adaptive_rates(L, i, Ux * k2, Uy * k2)
        _move(L, box, i, t, rx * (mx * k1), ry * (my * k1))


@jit(inline="always")
def nadam(L, t, n):
    """Adam with a Nesterov look-ahead in the momentum:
    w <- w - eta / sqrt(G_hat + eps) (beta1 m_hat + (1 - beta1) g / (1 - beta1^t))"""
    box = _box(L)
    _bias_corrections(L, n)
    for i in range(n):
        mx, my, Gx, Gy, k1, k2 = _moments(L, i)
        b1 = L[BETA1 + i]
        rx, ry = _adaptive_rates(L, i, Gx * k2, Gy * k2)
        dx = rx * (b1 * (mx * k1) + (1.0 - b1) * L[GX + i] * k1)
        dy = ry * (b1 * (my * k1) + (1.0 - b1) * L[GY + i] * k1)
        _move(L, box, i, t, dx, dy)


@jit(inline="always")
def adamw(L, t, n):
    """Adam with decoupled weight decay: w <- w - eta (m_hat / sqrt(G_hat + eps) + lambda w)"""
    box = _box(L)
    _bias_corrections(L, n)
    for i in range(n):
        mx, my, Gx, Gy, k1, k2 = _moments(L, i)
        rx, ry = _adaptive_rates(L, i, Gx * k2, Gy * k2)
        decay = L[ETA + i] * L[LAMBDA + i]
        _move(L, box, i, t, rx * (mx * k1) + decay * L[X + i], ry * (my * k1) + decay * L[Y + i])


@jit(inline="always")
def lion(L, t, n):
    """c = beta1 m + (1 - beta1) g;  w <- w - eta (sign(c) + lambda w);  m <- beta2 m + (1 - beta2) g"""
    box = _box(L)
    for i in range(n):
        eta, lam, b1, b2, gx, gy = L[ETA + i], L[LAMBDA + i], L[BETA1 + i], L[BETA2 + i], L[GX + i], L[GY + i]
        mx = L[MX + i]
        my = L[MY + i]
        cx = b1 * mx + (1.0 - b1) * gx
        cy = b1 * my + (1.0 - b1) * gy
        L[MX + i] = b2 * mx + (1.0 - b2) * gx
        L[MY + i] = b2 * my + (1.0 - b2) * gy
        L[RX + i] = eta
        L[RY + i] = eta
        _move(L, box, i, t, eta * (np.sign(cx) + lam * L[X + i]), eta * (np.sign(cy) + lam * L[Y + i]))


@jit
def update(opt, L, t, n):
    """Update t of every lane by optimizer `opt` (chosen once here, outside the lane loop): trial
    iterates in rows T, rates in rows R."""
    if opt == GD:
        gd(L, t, n)
    elif opt in (MOMENTUM, NESTEROV):
        momentum(L, t, n)
    elif opt == ADAGRAD:
        adagrad(L, t, n)
    elif opt == RMSPROP:
        rmsprop(L, t, n)
    elif opt == ADADELTA:
        adadelta(L, t, n)
    elif opt == ADAM:
        adam(L, t, n)
    elif opt == AMSGRAD:
        amsgrad(L, t, n)
    elif opt == NADAM:
        nadam(L, t, n)
    elif opt == ADAMW:
        adamw(L, t, n)
    elif opt == LION:
        lion(L, t, n)
