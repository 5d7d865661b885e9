"""The update rules, each in one short place, written with the lecture's symbols.

Every rule updates a block of n trajectories at once (a loop over lanes i, so LLVM vectorises it)
and writes the step `d` (the new iterate is w - d) and the effective per-coordinate learning rate
`r` (what multiplies the gradient, eta / sqrt(G + eps) for the adaptive methods) for the teaching
overlays. The kernel in `engine.py` evaluates the gradient g and applies the step.

State rows S (shape (8, n)): m_x, m_y, G_x, G_y, U_x, U_y, beta1^t, beta2^t.
Hyperparameter rows H (shape (7, n)): eta, gamma, beta1, beta2, eps_in, eps_out, lambda (weight decay).
eps enters as 1 / (sqrt(G + eps_in) + eps_out): the lecture's form puts eps inside the root
(eps_in = eps, eps_out = 0), PyTorch's and TensorFlow's outside (eps_in = 0, eps_out = eps); one
formula serves both without a branch in the loop.
"""

from __future__ import annotations

import numpy as np

from optviz._jit import jit

# Optimizer ids: the position of each rule in `update`'s dispatch below.
GD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADADELTA, ADAM, AMSGRAD, NADAM, ADAMW, LION = range(11)

N_STATE = 8
N_HYPER = 7
ETA, GAMMA, BETA1, BETA2, EPS_IN, EPS_OUT, LAMBDA = range(N_HYPER)


@jit(inline="always")
def _inv_root(G, eps_in, eps_out):
    return 1.0 / (np.sqrt(G + eps_in) + eps_out)


@jit
def gd(gx, gy, x, y, S, H, d, r, n):
    """w <- w - eta g"""
    for i in range(n):
        eta = H[ETA, i]
        d[0, i] = eta * gx[i]
        d[1, i] = eta * gy[i]
        r[0, i] = eta
        r[1, i] = eta


@jit
def momentum(gx, gy, x, y, S, H, d, r, n):
    """m <- gamma m + eta g;  w <- w - m   (the kernel evaluates g at w - gamma m for Nesterov)"""
    for i in range(n):
        eta = H[ETA, i]
        gamma = H[GAMMA, i]
        S[0, i] = gamma * S[0, i] + eta * gx[i]
        S[1, i] = gamma * S[1, i] + eta * gy[i]
        d[0, i] = S[0, i]
        d[1, i] = S[1, i]
        r[0, i] = eta
        r[1, i] = eta


@jit
def adagrad(gx, gy, x, y, S, H, d, r, n):
    """G <- G + g^2;  w <- w - eta / sqrt(G + eps) g"""
    for i in range(n):
        S[2, i] += gx[i] * gx[i]
        S[3, i] += gy[i] * gy[i]
        r[0, i] = H[ETA, i] * _inv_root(S[2, i], H[EPS_IN, i], H[EPS_OUT, i])
        r[1, i] = H[ETA, i] * _inv_root(S[3, i], H[EPS_IN, i], H[EPS_OUT, i])
        d[0, i] = r[0, i] * gx[i]
        d[1, i] = r[1, i] * gy[i]


@jit
def rmsprop(gx, gy, x, y, S, H, d, r, n):
    """G <- gamma G + (1 - gamma) g^2;  w <- w - eta / sqrt(G + eps) g"""
    for i in range(n):
        gamma = H[GAMMA, i]
        S[2, i] = gamma * S[2, i] + (1.0 - gamma) * gx[i] * gx[i]
        S[3, i] = gamma * S[3, i] + (1.0 - gamma) * gy[i] * gy[i]
        r[0, i] = H[ETA, i] * _inv_root(S[2, i], H[EPS_IN, i], H[EPS_OUT, i])
        r[1, i] = H[ETA, i] * _inv_root(S[3, i], H[EPS_IN, i], H[EPS_OUT, i])
        d[0, i] = r[0, i] * gx[i]
        d[1, i] = r[1, i] * gy[i]


@jit
def adadelta(gx, gy, x, y, S, H, d, r, n):
    """G <- gamma G + (1 - gamma) g^2;  delta = sqrt(U + eps) / sqrt(G + eps) g;
    U <- gamma U + (1 - gamma) delta^2;  w <- w - eta delta"""
    for i in range(n):
        gamma = H[GAMMA, i]
        e_in = H[EPS_IN, i]
        e_out = H[EPS_OUT, i]
        S[2, i] = gamma * S[2, i] + (1.0 - gamma) * gx[i] * gx[i]
        S[3, i] = gamma * S[3, i] + (1.0 - gamma) * gy[i] * gy[i]
        sx = (np.sqrt(S[4, i] + e_in) + e_out) * _inv_root(S[2, i], e_in, e_out)
        sy = (np.sqrt(S[5, i] + e_in) + e_out) * _inv_root(S[3, i], e_in, e_out)
        delta_x = sx * gx[i]
        delta_y = sy * gy[i]
        S[4, i] = gamma * S[4, i] + (1.0 - gamma) * delta_x * delta_x
        S[5, i] = gamma * S[5, i] + (1.0 - gamma) * delta_y * delta_y
        r[0, i] = H[ETA, i] * sx
        r[1, i] = H[ETA, i] * sy
        d[0, i] = H[ETA, i] * delta_x
        d[1, i] = H[ETA, i] * delta_y


@jit(inline="always")
def _moments(gx, gy, S, H, i):
    """Adam's moments for lane i: m <- beta1 m + (1 - beta1) g;  G <- beta2 G + (1 - beta2) g^2.

    Returns m_hat = m / (1 - beta1^t) and the bias correction 1 - beta2^t (beta^t kept as running
    products in S[6], S[7]).
    """
    b1 = H[BETA1, i]
    b2 = H[BETA2, i]
    S[6, i] *= b1
    S[7, i] *= b2
    c1 = 1.0 - S[6, i]
    S[0, i] = b1 * S[0, i] + (1.0 - b1) * gx[i]
    S[1, i] = b1 * S[1, i] + (1.0 - b1) * gy[i]
    S[2, i] = b2 * S[2, i] + (1.0 - b2) * gx[i] * gx[i]
    S[3, i] = b2 * S[3, i] + (1.0 - b2) * gy[i] * gy[i]
    return S[0, i] / c1, S[1, i] / c1, c1, 1.0 - S[7, i]


@jit
def adam(gx, gy, x, y, S, H, d, r, n):
    """m_hat, G_hat = G / (1 - beta2^t) as above;  w <- w - eta / sqrt(G_hat + eps) m_hat"""
    for i in range(n):
        mx, my, _, c2 = _moments(gx, gy, S, H, i)
        r[0, i] = H[ETA, i] * _inv_root(S[2, i] / c2, H[EPS_IN, i], H[EPS_OUT, i])
        r[1, i] = H[ETA, i] * _inv_root(S[3, i] / c2, H[EPS_IN, i], H[EPS_OUT, i])
        d[0, i] = r[0, i] * mx
        d[1, i] = r[1, i] * my


@jit
def amsgrad(gx, gy, x, y, S, H, d, r, n):
    """Adam with U <- max(U, G) and G_hat = U / (1 - beta2^t): the step size never grows back."""
    for i in range(n):
        mx, my, _, c2 = _moments(gx, gy, S, H, i)
        S[4, i] = max(S[4, i], S[2, i])
        S[5, i] = max(S[5, i], S[3, i])
        r[0, i] = H[ETA, i] * _inv_root(S[4, i] / c2, H[EPS_IN, i], H[EPS_OUT, i])
        r[1, i] = H[ETA, i] * _inv_root(S[5, i] / c2, H[EPS_IN, i], H[EPS_OUT, i])
        d[0, i] = r[0, i] * mx
        d[1, i] = r[1, i] * my


@jit
def nadam(gx, gy, x, y, S, H, d, r, n):
    """Adam with a Nesterov look-ahead in the momentum:
    w <- w - eta / sqrt(G_hat + eps) (beta1 m_hat + (1 - beta1) g / (1 - beta1^t))"""
    for i in range(n):
        mx, my, c1, c2 = _moments(gx, gy, S, H, i)
        b1 = H[BETA1, i]
        r[0, i] = H[ETA, i] * _inv_root(S[2, i] / c2, H[EPS_IN, i], H[EPS_OUT, i])
        r[1, i] = H[ETA, i] * _inv_root(S[3, i] / c2, H[EPS_IN, i], H[EPS_OUT, i])
        d[0, i] = r[0, i] * (b1 * mx + (1.0 - b1) * gx[i] / c1)
        d[1, i] = r[1, i] * (b1 * my + (1.0 - b1) * gy[i] / c1)


@jit
def adamw(gx, gy, x, y, S, H, d, r, n):
    """Adam with decoupled weight decay: w <- w - eta (m_hat / sqrt(G_hat + eps) + lambda w)"""
    for i in range(n):
        mx, my, _, c2 = _moments(gx, gy, S, H, i)
        r[0, i] = H[ETA, i] * _inv_root(S[2, i] / c2, H[EPS_IN, i], H[EPS_OUT, i])
        r[1, i] = H[ETA, i] * _inv_root(S[3, i] / c2, H[EPS_IN, i], H[EPS_OUT, i])
        d[0, i] = r[0, i] * mx + H[ETA, i] * H[LAMBDA, i] * x[i]
        d[1, i] = r[1, i] * my + H[ETA, i] * H[LAMBDA, i] * y[i]


@jit
def lion(gx, gy, x, y, S, H, d, r, n):
    """c = beta1 m + (1 - beta1) g;  w <- w - eta (sign(c) + lambda w);  m <- beta2 m + (1 - beta2) g"""
    for i in range(n):
        eta = H[ETA, i]
        b1 = H[BETA1, i]
        b2 = H[BETA2, i]
        cx = b1 * S[0, i] + (1.0 - b1) * gx[i]
        cy = b1 * S[1, i] + (1.0 - b1) * gy[i]
        d[0, i] = eta * (np.sign(cx) + H[LAMBDA, i] * x[i])
        d[1, i] = eta * (np.sign(cy) + H[LAMBDA, i] * y[i])
        S[0, i] = b2 * S[0, i] + (1.0 - b2) * gx[i]
        S[1, i] = b2 * S[1, i] + (1.0 - b2) * gy[i]
        r[0, i] = eta
        r[1, i] = eta


@jit
def update(opt, gx, gy, x, y, S, H, d, r, n):
    """One update of every lane by optimizer `opt` (the choice is made once, outside the lane loop)."""
    if opt == GD:
        gd(gx, gy, x, y, S, H, d, r, n)
    elif opt in (MOMENTUM, NESTEROV):
        momentum(gx, gy, x, y, S, H, d, r, n)
    elif opt == ADAGRAD:
        adagrad(gx, gy, x, y, S, H, d, r, n)
    elif opt == RMSPROP:
        rmsprop(gx, gy, x, y, S, H, d, r, n)
    elif opt == ADADELTA:
        adadelta(gx, gy, x, y, S, H, d, r, n)
    elif opt == ADAM:
        adam(gx, gy, x, y, S, H, d, r, n)
    elif opt == AMSGRAD:
        amsgrad(gx, gy, x, y, S, H, d, r, n)
    elif opt == NADAM:
        nadam(gx, gy, x, y, S, H, d, r, n)
    elif opt == ADAMW:
        adamw(gx, gy, x, y, S, H, d, r, n)
    elif opt == LION:
        lion(gx, gy, x, y, S, H, d, r, n)
