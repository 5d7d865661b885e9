"""Every surface as a sum over training examples, so that SGD and mini-batch GD are honest.

The lecture tells batch, stochastic and mini-batch gradient descent apart by how many training
examples feed one update. Each surface f is given a finite-sum form whose mean is exactly f:

    E_n(w) = f(w) + 1/2 w^T D_n w + a_n . w + c_n,   with   sum_n D_n = 0, sum_n a_n = 0, sum_n c_n = 0,

so the picture never changes, the gradient of one example is grad f(w) + D_n w + a_n, and a batch's
gradient is grad f(w) + mean(D) w + mean(a) over the batch. For the test functions D_n = 0 and the
a_n are random vectors with a chosen spread (the "data noise"); for the line fit D_n, a_n and c_n are
what makes E_n exactly one data point's squared error.

A batch averages (not sums) its examples' gradients, so eta means the same thing at every batch
size. Batches are drawn without replacement within an epoch and the examples are reshuffled every
epoch, as in the lecture's loops; the last batch of an epoch is smaller when B does not divide N.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surfaces.ranges import NON_NEGATIVE, whole_number
from surfaces.surface import Surface

DEFAULT_EXAMPLES = 100


@dataclass(frozen=True)
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


def _batches_per_epoch(n: int, batch_size: int, steps: int) -> tuple[int, int]:
    """Validates a batch schedule; returns (batches per epoch, epochs needed for `steps` updates)."""
    n = _whole("n_examples", n, 1)
    batch_size = _whole("batch_size", batch_size, 1, n)
    steps = _whole("steps", steps, 0)
    per_epoch = -(-n // batch_size)
    return per_epoch, -(-steps // per_epoch)


def _seeds(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent streams for drawing the examples and for shuffling them."""
    data_seq, shuffle_seq = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(data_seq), np.random.default_rng(shuffle_seq)


def examples(
    surface: Surface, n_examples: int | None = None, spread: float | None = None, seed: int = 0
) -> Examples:
    """The surface's training examples.

    A data-fitting surface has its own data set (N fixed, `spread` unused). For the other surfaces
    N defaults to 100 and `spread` to the surface's own default.
    """
    if surface.data is not None:
        t, y = surface.data
        n = len(t)
        if n_examples is not None and n_examples != n:
            raise ValueError(f"n_examples: surface {surface.name!r} has a fixed data set of {n} examples")
        mt, mtt, my, mty, myy = surface.params
        # Gradient of one point's squared error: [[1, t], [t, t^2]] w - y [1, t].
        D = np.column_stack((np.zeros(n), t - mt, t * t - mtt))
        a = np.column_stack((-(y - my), -(t * y - mty)))
        return Examples(D=D, a=a, c=0.5 * (y * y - myy))
    n = DEFAULT_EXAMPLES if n_examples is None else _whole("n_examples", n_examples, 1)
    s = surface.spread if spread is None else _spread(spread)
    data_rng, _ = _seeds(seed)
    a = data_rng.normal(0.0, 1.0, (n, 2)) * s
    a -= a.mean(axis=0)  # the mean over all examples must be exactly the surface
    return Examples(D=np.zeros((n, 3)), a=a, c=np.zeros(n))


def batch_order(n: int, batch_size: int, steps: int, seed: int) -> list[np.ndarray]:
    """The example indices of each update's batch (for tests and teaching; the engine uses means)."""
    per_epoch, epochs = _batches_per_epoch(n, batch_size, steps)
    _, rng = _seeds(seed)
    order = rng.permuted(np.tile(np.arange(n), (epochs, 1)), axis=1)
    return [order[t // per_epoch, (t % per_epoch) * batch_size :][:batch_size] for t in range(steps)]


def batch_means(ex: Examples, batch_size: int, steps: int, seed: int) -> np.ndarray:
    """For each of `steps` updates, the batch's mean of (dxx, dxy, dyy, ax, ay): shape (steps, 5)."""
    n = ex.n
    per_epoch, epochs = _batches_per_epoch(n, batch_size, steps)
    # The same draw as `batch_order`: one permutation of 0..N-1 per epoch.
    _, rng = _seeds(seed)
    order = rng.permuted(np.tile(np.arange(n), (epochs, 1)), axis=1).ravel()
    terms = np.column_stack((ex.D, ex.a))[order]
    starts_in_epoch = np.arange(per_epoch) * batch_size
    starts = (np.arange(epochs)[:, None] * n + starts_in_epoch[None, :]).ravel()
    sizes = np.minimum(batch_size, n - starts_in_epoch)
    sums = np.add.reduceat(terms, starts, axis=0)
    means = sums / np.tile(sizes, epochs)[:, None]
    return np.ascontiguousarray(means[:steps])
