"""Every surface as a sum over training examples, so that SGD and mini-batch GD are honest.

The lecture tells batch, stochastic and mini-batch gradient descent apart by how many training
examples feed one update. Each surface f is given a finite-sum form whose mean is exactly f:

    E_n(w) = f(w) + 1/2 w^T D_n w + a_n . w + c_n,   with   sum_n D_n = 0, sum_n a_n = 0, sum_n c_n = 0,

so the picture never changes, the gradient of one example is grad f(w) + D_n w + a_n, and a batch's
gradient is grad f(w) + mean(D) w + mean(a) over the batch. For the test functions D_n = 0 and the
a_n are random vectors with a chosen spread (the "data noise"); for the line fit D_n, a_n and c_n are
what makes E_n exactly one data point's squared error.

A batch averages (not sums) its examples' gradients, so eta means the same thing at every batch
size. Which examples each update sees is the engine's business (`optviz.engine.batches`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from surfaces.ranges import NON_NEGATIVE, whole_number
from surfaces.surface import Surface

DEFAULT_EXAMPLES = 100


@dataclass(frozen=True, eq=False)  # one object per surface, N, spread and seed (`examples`)
class Examples:
    """The per-example terms of a surface's finite-sum form (N examples)."""

    D: np.ndarray  # (N, 3): the symmetric 2x2 matrices D_n as (dxx, dxy, dyy)
    a: np.ndarray  # (N, 2)
    c: np.ndarray  # (N,)

    @property
    def n(self) -> int:
        return len(self.c)

    def gradients(self, surface: Surface, x: float, y: float) -> np.ndarray:
        """Every example's gradient at (x, y), shape (N, 2)."""
        gx, gy = surface.gradient(x, y)
        d = self.D
        return np.column_stack(
            (gx + d[:, 0] * x + d[:, 1] * y + self.a[:, 0], gy + d[:, 1] * x + d[:, 2] * y + self.a[:, 1])
        )

    def losses(self, surface: Surface, x: float, y: float) -> np.ndarray:
        """Every example's loss E_n at (x, y), shape (N,)."""
        d = self.D
        quad = 0.5 * (d[:, 0] * x * x + 2.0 * d[:, 1] * x * y + d[:, 2] * y * y)
        return surface(x, y) + quad + self.a[:, 0] * x + self.a[:, 1] * y + self.c


_whole = whole_number


def _spread(spread: object) -> float:
    return NON_NEGATIVE.check("spread", spread)


@dataclass(frozen=True)
class _Key:
    """What decides a surface's examples (the surface rides along, outside the comparison)."""

    identity: tuple
    n: int | None
    spread: float | None
    seed: int
    surface: Surface = field(compare=False, hash=False, repr=False)


def examples(
    surface: Surface, n_examples: int | None = None, spread: float | None = None, seed: int = 0
) -> Examples:
    """The surface's training examples (read-only arrays, made once per surface, N, spread and seed).

    A data-fitting surface has its own data set (N fixed, `spread` unused). For the other surfaces
    N defaults to 100 and `spread` to the surface's own default.
    """
    n = None if n_examples is None else _whole("n_examples", n_examples, 1)
    s = None if spread is None else _spread(spread)
    return _examples(_Key(surface.identity, n, s, whole_number("seed", seed, 0), surface))


@lru_cache(maxsize=64)
def _examples(key: _Key) -> Examples:
    surface, n_examples = key.surface, key.n
    if surface.data is not None:
        t, y = surface.data
        n = len(t)
        if n_examples is not None and n_examples != n:
            raise ValueError(f"n_examples: surface {surface.name!r} has a fixed data set of {n} examples")
        mt, mtt, my, mty, myy = surface.params
        # Gradient of one point's squared error: [[1, t], [t, t^2]] w - y [1, t].
        D = np.column_stack((np.zeros(n), t - mt, t * t - mtt))
        a = np.column_stack((-(y - my), -(t * y - mty)))
        ex = Examples(D=D, a=a, c=0.5 * (y * y - myy))
    else:
        n = DEFAULT_EXAMPLES if n_examples is None else n_examples
        s = surface.spread if key.spread is None else key.spread
        a = np.random.default_rng(key.seed).normal(0.0, 1.0, (n, 2)) * s
        a -= a.mean(axis=0)  # the mean over all examples must be exactly the surface
        ex = Examples(D=np.zeros((n, 3)), a=a, c=np.zeros(n))
    for array in (ex.D, ex.a, ex.c):
        array.flags.writeable = False
    return ex
