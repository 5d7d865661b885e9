"""Adam (the lecture's form) on Beale vectorised with NumPy: the baseline the engine is compared with."""

from __future__ import annotations

import numpy as np

import surfaces


def adam_beale(
    starts: np.ndarray, steps: int, lr, beta1=0.9, beta2: float = 0.999, eps: float = 1e-8
) -> np.ndarray:
    """Final points of Adam runs from every start at once (lr and beta1 scalars or per-run arrays);
    a run is frozen where it leaves the surface's bounds, as in the engine."""
    (x_lo, x_hi), (y_lo, y_hi) = surfaces.get("beale").bounds
    x, y = starts[:, 0].copy(), starts[:, 1].copy()
    m = np.zeros((2, len(x)))
    G = np.zeros((2, len(x)))
    alive = np.ones(len(x), dtype=bool)
    for t in range(1, steps + 1):
        y2 = y * y
        y3 = y2 * y
        a = 1.5 - x + x * y
        b = 2.25 - x + x * y2
        c = 2.625 - x + x * y3
        g = np.stack((2 * (a * (y - 1) + b * (y2 - 1) + c * (y3 - 1)), 2 * x * (a + 2 * b * y + 3 * c * y2)))
        m = beta1 * m + (1 - beta1) * g
        G = beta2 * G + (1 - beta2) * g * g
        step = lr / np.sqrt(G / (1 - beta2**t) + eps) * (m / (1 - beta1**t))
        nx, ny = x - step[0], y - step[1]
        ok = alive & (nx >= x_lo) & (nx <= x_hi) & (ny >= y_lo) & (ny <= y_hi)
        x = np.where(ok, nx, x)
        y = np.where(ok, ny, y)
        alive = ok
    return np.column_stack((x, y))


def beale_loss(xy: np.ndarray) -> np.ndarray:
    x, y = xy[:, 0], xy[:, 1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y**3) ** 2
