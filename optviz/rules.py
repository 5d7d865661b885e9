"""The update rules, each in one short place, written with the lecture's symbols.

Every rule updates a block of up to BLOCK trajectories ("lanes") at once: a loop over lanes i that
LLVM vectorises. Each lane's step d is applied at once by `_move` (the new iterate is w - d), so a
time step makes one pass over the block. Each rule also writes the effective per-coordinate
learning rate r (what multiplies the gradient: eta / sqrt(G + eps) for the adaptive methods) for
the teaching overlays.

All of a block's per-lane numbers live in one flat float64 array L, one row of BLOCK numbers per
quantity; a rule takes the rows it needs as views (`row(L, MX)[i]` is lane i's m_x). Why: views at
constant offsets of one array let LLVM prove that writing one row never touches another, so it
vectorises the loop without run-time overlap checks; with a dozen separate arrays it needs more
checks than it allows and gives up.

eps enters as 1 / (sqrt(G + eps_in) + eps_out): the lecture's form puts eps inside the root
(eps_in = eps, eps_out = 0), PyTorch's and TensorFlow's outside (eps_in = 0, eps_out = eps); one
formula serves both without a branch in the loop.
"""

from __future__ import annotations

import numpy as np

from optviz._jit import jit

# Optimizer ids: the position of each rule in `update`'s dispatch below.
GD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADADELTA, ADAM, AMSGRAD, NADAM, ADAMW, LION = range(11)

BLOCK = 256  # lanes per block: a block's rows (~35 x 2 KB) stay in L1/L2 cache

# Rows of L, each the offset of its first lane. Iterate, previous iterate, loss and gradient,
# the lookahead point (Nesterov), optimizer state, rates, hyperparameters, per-lane outcomes.
(
    X, Y, PX, PY, F, GX, GY, QX, QY,
    MX, MY, GGX, GGY, UX, UY, B1T, B2T, RX, RY,
    ETA, GAMMA, BETA1, BETA2, EPS_IN, EPS_OUT, LAMBDA,
    DIV, HIT, SCRATCH1, SCRATCH2, SCRATCH3, BOX, N_ROWS,
) = (k * BLOCK for k in range(33))  # fmt: skip
HYPER_ROWS = (ETA, GAMMA, BETA1, BETA2, EPS_IN, EPS_OUT, LAMBDA)
STATE_ROWS = (MX, MY, GGX, GGY, UX, UY, B1T, B2T)
# BOX row: x_min, x_max, y_min, y_max of the region outside which an iterate has diverged.


@jit(inline="always")
def row(L, k):
    """Row k of the block (k is one of the row offsets above) as a view."""
    return L[k : k + BLOCK]


@jit(inline="always")
def _inv_root(G, eps_in, eps_out):
    """1 / (sqrt(G + eps_in) + eps_out); 0 when that root is 0 (eps = 0 and a coordinate whose
    gradient has always been 0), so such a coordinate stays put instead of taking 0 / 0."""
    root = np.sqrt(G + eps_in) + eps_out
    return 1.0 / root if root > 0.0 else 0.0


@jit(inline="always")
def _iterates(L):
    """The rows `_move` works on: iterate, previous iterate, divergence step, bounds."""
    return row(L, X), row(L, Y), row(L, PX), row(L, PY), row(L, DIV), row(L, BOX)


@jit(inline="always")
def _move(w, i, t, dx, dy):
    """w <- w - d for lane i if it is alive (div < 0); ends it (div = t) if the new iterate is not
    finite or leaves the box. Branch-free: loads are unconditional and results are selected."""
    x, y, px, py, div, box = w
    xi = x[i]
    yi = y[i]
    di = div[i]
    nx = xi - dx
    ny = yi - dy
    # NaN fails every comparison, so this is also the finiteness test.
    ok = (nx >= box[0]) & (nx <= box[1]) & (ny >= box[2]) & (ny <= box[3])
    alive = di < 0.0
    move = alive & ok
    px[i] = xi
    py[i] = yi
    x[i] = nx if move else xi
    y[i] = ny if move else yi
    div[i] = t if (alive & (not ok)) else di


@jit
def gd(L, t, n):
    """w <- w - eta g"""
    w = _iterates(L)
    g_x, g_y, eta, r_x, r_y = row(L, GX), row(L, GY), row(L, ETA), row(L, RX), row(L, RY)
    for i in range(n):
        r_x[i] = eta[i]
        r_y[i] = eta[i]
        _move(w, i, t, eta[i] * g_x[i], eta[i] * g_y[i])


@jit
def momentum(L, t, n):
    """m <- gamma m + eta g;  w <- w - m   (the kernel evaluates g at w - gamma m for Nesterov)"""
    w = _iterates(L)
    g_x, g_y, eta, gamma = row(L, GX), row(L, GY), row(L, ETA), row(L, GAMMA)
    m_x, m_y, r_x, r_y = row(L, MX), row(L, MY), row(L, RX), row(L, RY)
    for i in range(n):
        mx = gamma[i] * m_x[i] + eta[i] * g_x[i]
        my = gamma[i] * m_y[i] + eta[i] * g_y[i]
        m_x[i] = mx
        m_y[i] = my
        r_x[i] = eta[i]
        r_y[i] = eta[i]
        _move(w, i, t, mx, my)


@jit
def adagrad(L, t, n):
    """G <- G + g^2;  w <- w - eta / sqrt(G + eps) g"""
    w = _iterates(L)
    g_x, g_y, eta, e_in, e_out = row(L, GX), row(L, GY), row(L, ETA), row(L, EPS_IN), row(L, EPS_OUT)
    G_x, G_y, r_x, r_y = row(L, GGX), row(L, GGY), row(L, RX), row(L, RY)
    for i in range(n):
        Gx = G_x[i] + g_x[i] * g_x[i]
        Gy = G_y[i] + g_y[i] * g_y[i]
        G_x[i] = Gx
        G_y[i] = Gy
        rx = eta[i] * _inv_root(Gx, e_in[i], e_out[i])
        ry = eta[i] * _inv_root(Gy, e_in[i], e_out[i])
        r_x[i] = rx
        r_y[i] = ry
        _move(w, i, t, rx * g_x[i], ry * g_y[i])


@jit
def rmsprop(L, t, n):
    """G <- gamma G + (1 - gamma) g^2;  w <- w - eta / sqrt(G + eps) g"""
    w = _iterates(L)
    g_x, g_y, eta, e_in, e_out = row(L, GX), row(L, GY), row(L, ETA), row(L, EPS_IN), row(L, EPS_OUT)
    gamma, G_x, G_y, r_x, r_y = row(L, GAMMA), row(L, GGX), row(L, GGY), row(L, RX), row(L, RY)
    for i in range(n):
        c = gamma[i]
        Gx = c * G_x[i] + (1.0 - c) * g_x[i] * g_x[i]
        Gy = c * G_y[i] + (1.0 - c) * g_y[i] * g_y[i]
        G_x[i] = Gx
        G_y[i] = Gy
        rx = eta[i] * _inv_root(Gx, e_in[i], e_out[i])
        ry = eta[i] * _inv_root(Gy, e_in[i], e_out[i])
        r_x[i] = rx
        r_y[i] = ry
        _move(w, i, t, rx * g_x[i], ry * g_y[i])


@jit
def adadelta(L, t, n):
    """G <- gamma G + (1 - gamma) g^2;  delta = sqrt(U + eps) / sqrt(G + eps) g;
    U <- gamma U + (1 - gamma) delta^2;  w <- w - eta delta"""
    w = _iterates(L)
    g_x, g_y, eta, e_in, e_out = row(L, GX), row(L, GY), row(L, ETA), row(L, EPS_IN), row(L, EPS_OUT)
    gamma, G_x, G_y, r_x, r_y = row(L, GAMMA), row(L, GGX), row(L, GGY), row(L, RX), row(L, RY)
    U_x, U_y = row(L, UX), row(L, UY)
    for i in range(n):
        c = gamma[i]
        Gx = c * G_x[i] + (1.0 - c) * g_x[i] * g_x[i]
        Gy = c * G_y[i] + (1.0 - c) * g_y[i] * g_y[i]
        sx = (np.sqrt(U_x[i] + e_in[i]) + e_out[i]) * _inv_root(Gx, e_in[i], e_out[i])
        sy = (np.sqrt(U_y[i] + e_in[i]) + e_out[i]) * _inv_root(Gy, e_in[i], e_out[i])
        delta_x = sx * g_x[i]
        delta_y = sy * g_y[i]
        G_x[i] = Gx
        G_y[i] = Gy
        U_x[i] = c * U_x[i] + (1.0 - c) * delta_x * delta_x
        U_y[i] = c * U_y[i] + (1.0 - c) * delta_y * delta_y
        r_x[i] = eta[i] * sx
        r_y[i] = eta[i] * sy
        _move(w, i, t, eta[i] * delta_x, eta[i] * delta_y)


@jit(inline="always")
def _adam_rows(L):
    return (
        row(L, GX), row(L, GY), row(L, BETA1), row(L, BETA2),
        row(L, MX), row(L, MY), row(L, GGX), row(L, GGY), row(L, B1T), row(L, B2T),
    )  # fmt: skip


@jit(inline="always")
def _moments(a, i):
    """Adam's moments for lane i: m <- beta1 m + (1 - beta1) g;  G <- beta2 G + (1 - beta2) g^2.

    Returns m, G and the bias corrections 1 / (1 - beta1^t), 1 / (1 - beta2^t) (beta^t kept as
    running products; the reciprocals save two divisions per coordinate).
    """
    g_x, g_y, beta1, beta2, m_x, m_y, G_x, G_y, b1t, b2t = a
    b1 = beta1[i]
    b2 = beta2[i]
    q1 = b1t[i] * b1
    q2 = b2t[i] * b2
    mx = b1 * m_x[i] + (1.0 - b1) * g_x[i]
    my = b1 * m_y[i] + (1.0 - b1) * g_y[i]
    Gx = b2 * G_x[i] + (1.0 - b2) * g_x[i] * g_x[i]
    Gy = b2 * G_y[i] + (1.0 - b2) * g_y[i] * g_y[i]
    m_x[i] = mx
    m_y[i] = my
    G_x[i] = Gx
    G_y[i] = Gy
    b1t[i] = q1
    b2t[i] = q2
    return mx, my, Gx, Gy, 1.0 / (1.0 - q1), 1.0 / (1.0 - q2)


@jit
def adam(L, t, n):
    """m_hat = m / (1 - beta1^t);  G_hat = G / (1 - beta2^t);  w <- w - eta / sqrt(G_hat + eps) m_hat"""
    w = _iterates(L)
    a = _adam_rows(L)
    eta, e_in, e_out, r_x, r_y = row(L, ETA), row(L, EPS_IN), row(L, EPS_OUT), row(L, RX), row(L, RY)
    for i in range(n):
        mx, my, Gx, Gy, k1, k2 = _moments(a, i)
        rx = eta[i] * _inv_root(Gx * k2, e_in[i], e_out[i])
        ry = eta[i] * _inv_root(Gy * k2, e_in[i], e_out[i])
        r_x[i] = rx
        r_y[i] = ry
        _move(w, i, t, rx * (mx * k1), ry * (my * k1))


@jit
def amsgrad(L, t, n):
    """Adam with U <- max(U, G) and G_hat = U / (1 - beta2^t): the step size never grows back."""
    w = _iterates(L)
    a = _adam_rows(L)
    eta, e_in, e_out, r_x, r_y = row(L, ETA), row(L, EPS_IN), row(L, EPS_OUT), row(L, RX), row(L, RY)
    U_x, U_y = row(L, UX), row(L, UY)
    for i in range(n):
        mx, my, Gx, Gy, k1, k2 = _moments(a, i)
        Ux = max(U_x[i], Gx)
        Uy = max(U_y[i], Gy)
        U_x[i] = Ux
        U_y[i] = Uy
        rx = eta[i] * _inv_root(Ux * k2, e_in[i], e_out[i])
        ry = eta[i] * _inv_root(Uy * k2, e_in[i], e_out[i])
        r_x[i] = rx
        r_y[i] = ry
        _move(w, i, t, rx * (mx * k1), ry * (my * k1))


@jit
def nadam(L, t, n):
    """Adam with a Nesterov look-ahead in the momentum:
    w <- w - eta / sqrt(G_hat + eps) (beta1 m_hat + (1 - beta1) g / (1 - beta1^t))"""
    w = _iterates(L)
    a = _adam_rows(L)
    g_x, g_y, beta1 = a[0], a[1], a[2]
    eta, e_in, e_out, r_x, r_y = row(L, ETA), row(L, EPS_IN), row(L, EPS_OUT), row(L, RX), row(L, RY)
    for i in range(n):
        mx, my, Gx, Gy, k1, k2 = _moments(a, i)
        b1 = beta1[i]
        rx = eta[i] * _inv_root(Gx * k2, e_in[i], e_out[i])
        ry = eta[i] * _inv_root(Gy * k2, e_in[i], e_out[i])
        r_x[i] = rx
        r_y[i] = ry
        dx = rx * (b1 * (mx * k1) + (1.0 - b1) * g_x[i] * k1)
        dy = ry * (b1 * (my * k1) + (1.0 - b1) * g_y[i] * k1)
        _move(w, i, t, dx, dy)


@jit
def adamw(L, t, n):
    """Adam with decoupled weight decay: w <- w - eta (m_hat / sqrt(G_hat + eps) + lambda w)"""
    w = _iterates(L)
    x, y = w[0], w[1]
    a = _adam_rows(L)
    eta, e_in, e_out, r_x, r_y = row(L, ETA), row(L, EPS_IN), row(L, EPS_OUT), row(L, RX), row(L, RY)
    lam = row(L, LAMBDA)
    for i in range(n):
        mx, my, Gx, Gy, k1, k2 = _moments(a, i)
        rx = eta[i] * _inv_root(Gx * k2, e_in[i], e_out[i])
        ry = eta[i] * _inv_root(Gy * k2, e_in[i], e_out[i])
        r_x[i] = rx
        r_y[i] = ry
        decay = eta[i] * lam[i]
        _move(w, i, t, rx * (mx * k1) + decay * x[i], ry * (my * k1) + decay * y[i])


@jit
def lion(L, t, n):
    """c = beta1 m + (1 - beta1) g;  w <- w - eta (sign(c) + lambda w);  m <- beta2 m + (1 - beta2) g"""
    w = _iterates(L)
    x, y = w[0], w[1]
    g_x, g_y, eta, beta1, beta2 = row(L, GX), row(L, GY), row(L, ETA), row(L, BETA1), row(L, BETA2)
    m_x, m_y, lam, r_x, r_y = row(L, MX), row(L, MY), row(L, LAMBDA), row(L, RX), row(L, RY)
    for i in range(n):
        b1 = beta1[i]
        b2 = beta2[i]
        cx = b1 * m_x[i] + (1.0 - b1) * g_x[i]
        cy = b1 * m_y[i] + (1.0 - b1) * g_y[i]
        m_x[i] = b2 * m_x[i] + (1.0 - b2) * g_x[i]
        m_y[i] = b2 * m_y[i] + (1.0 - b2) * g_y[i]
        r_x[i] = eta[i]
        r_y[i] = eta[i]
        _move(w, i, t, eta[i] * (np.sign(cx) + lam[i] * x[i]), eta[i] * (np.sign(cy) + lam[i] * y[i]))


@jit
def update(opt, L, t, n):
    """Update t of every lane by optimizer `opt` (chosen once here, outside the lane loop)."""
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
