"""Which examples each update of a stochastic run sees, drawn in compiled code.

As in the lecture's loops, batches are drawn without replacement within an epoch and the examples
are reshuffled every epoch; the last batch of an epoch is smaller when B does not divide N. The
shuffles come from one small counter-based generator (SplitMix64) seeded by the run's seed, so a
run is reproducible from its seed alone, on any machine and with any NumPy.

`batch_means` gives the engine each update's mean of the examples' terms (what a batch adds to the
surface's gradient, see `surfaces.finite_sum`); `batch_order` gives the same draw as indices, for
tests and teaching.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from optviz.engine.jit import jit
from surfaces.finite_sum import Examples
from surfaces.ranges import whole_number

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SHUFFLE_STREAM = np.uint64(0x5F3759DF)  # keeps the shuffles apart from any other use of the seed
_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@jit
def _splitmix(state):
    """The next state and output of SplitMix64 (Steele, Lea and Flood 2014)."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return state, z ^ (z >> np.uint64(31))


@jit
def _orders(n, epochs, seed):
    """One shuffle of 0..n-1 per epoch (Fisher-Yates), shape (epochs, n)."""
    out = np.empty((epochs, n), dtype=np.int64)
    state = np.uint64(seed) ^ _SHUFFLE_STREAM
    for e in range(epochs):
        row = out[e]
        for i in range(n):
            row[i] = i
        for i in range(n - 1, 0, -1):
            state, r = _splitmix(state)
            # A uniform index in 0..i from the output's top 53 bits (the bias is below 2**-40).
            j = int((r >> np.uint64(11)) * _UNIT * (i + 1))
            row[i], row[j] = row[j], row[i]
    return out


@jit
def _means(terms, orders, batch, steps):
    """Each update's mean of its batch's rows of `terms` (n, 5)."""
    n = terms.shape[0]
    per_epoch = (n + batch - 1) // batch
    out = np.empty((steps, 5))
    for t in range(steps):
        row = orders[t // per_epoch]
        first = (t % per_epoch) * batch
        last = min(first + batch, n)
        s0 = s1 = s2 = s3 = s4 = 0.0
        for k in range(first, last):
            i = row[k]
            s0 += terms[i, 0]
            s1 += terms[i, 1]
            s2 += terms[i, 2]
            s3 += terms[i, 3]
            s4 += terms[i, 4]
        size = last - first
        out[t, 0] = s0 / size
        out[t, 1] = s1 / size
        out[t, 2] = s2 / size
        out[t, 3] = s3 / size
        out[t, 4] = s4 / size
    return out


def _schedule(n: int, batch_size: int, steps: int) -> tuple[int, int, int]:
    """Validates a batch schedule; returns (batch size, batches per epoch, epochs for `steps`)."""
    n = whole_number("n_examples", n, 1)
    batch_size = whole_number("batch_size", batch_size, 1, n)
    steps = whole_number("steps", steps, 0)
    per_epoch = -(-n // batch_size)
    return batch_size, per_epoch, -(-steps // per_epoch)


def batch_order(n: int, batch_size: int, steps: int, seed: int) -> list[np.ndarray]:
    """The example indices of each update's batch."""
    batch_size, per_epoch, epochs = _schedule(n, batch_size, steps)
    orders = _orders(n, epochs, whole_number("seed", seed, 0))
    return [orders[t // per_epoch, (t % per_epoch) * batch_size :][:batch_size] for t in range(steps)]


def batch_means(ex: Examples, batch_size: int, steps: int, seed: int) -> np.ndarray:
    """For each of `steps` updates, the batch's mean of (dxx, dxy, dyy, ax, ay): shape (steps, 5).
    Made once per examples, batch size, steps and seed: a race whose learning rates or start change
    (a slider being dragged) draws the same batches. Not to be written to."""
    return _batch_means(ex, whole_number("batch_size", batch_size, 1), whole_number("steps", steps, 0), seed)


@lru_cache(maxsize=64)
def _batch_means(ex: Examples, batch_size: int, steps: int, seed: int) -> np.ndarray:
    batch_size, _, epochs = _schedule(ex.n, batch_size, steps)
    orders = _orders(ex.n, epochs, whole_number("seed", seed, 0))
    return _means(np.column_stack((ex.D, ex.a)), orders, batch_size, steps)
