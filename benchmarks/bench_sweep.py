"""Stability-map speed, printed (ratios are what to compare on a shared machine).

    python benchmarks/bench_sweep.py

1. a 512 x 512 grid (eta x beta1) x 500 steps of Adam on Beale: 131 million optimizer steps;
2. the same grid with the maths vectorised in NumPy (measured on a slice, scaled), and the ratio;
3. a 64 x 64 grid x 300 steps, the size the app redraws while a slider moves.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optviz
import surfaces
from benchmarks.numpy_reference import adam_beale, beale_loss


def numpy_adam_beale(lr: np.ndarray, beta1: np.ndarray, start: tuple[float, float], steps: int) -> np.ndarray:
    """Final losses of Adam for every (lr, beta1) cell, with NumPy."""
    starts = np.broadcast_to(np.asarray(start, dtype=np.float64), (lr.size, 2))
    return beale_loss(adam_beale(starts, steps, lr, beta1))


def timed(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    x_axis = ("lr", 1e-4, 1.0, 512, "log")
    y_axis = ("beta1", 0.0, 0.99, 512, "linear")
    optviz.sweep("adam", "beale", (*x_axis[:3], 4), (*y_axis[:3], 4, "linear"), steps=2)  # load kernels
    big = timed(lambda: optviz.sweep("adam", "beale", x_axis, y_axis, steps=500), 3)
    cells = 512 * 512
    steps_total = cells * 500

    m = optviz.sweep("adam", "beale", x_axis, y_axis, steps=500)
    lr, beta1 = np.meshgrid(m.x.values, m.y.values)
    part = slice(0, 8192)
    start = surfaces.get("beale").start
    t_numpy = timed(lambda: numpy_adam_beale(lr.ravel()[part], beta1.ravel()[part], start, 500), 1)
    t_numpy *= cells / 8192
    # Same maths: after 30 steps (before large-eta runs turn chaotic) the two agree to rounding.
    short = optviz.sweep("adam", "beale", x_axis, y_axis, steps=30).final_loss.ravel()[part]
    theirs = numpy_adam_beale(lr.ravel()[part], beta1.ravel()[part], start, 30)
    same = np.max(np.abs(short - theirs) / np.maximum(1.0, np.abs(theirs)))

    small_x, small_y = ("lr", 1e-4, 1.0, 64), ("beta1", 0.0, 0.99, 64, "linear")
    small = timed(lambda: optviz.sweep("adam", "beale", small_x, small_y, steps=300), 20)

    print(f"numba threads {numba.get_num_threads()}")
    print(f"(1) 512 x 512 x 500 Adam on Beale: {big:.3f} s = {steps_total / big / 1e6:.0f} M steps/s")
    print(f"(2) NumPy, same maths: {t_numpy:.1f} s = {steps_total / t_numpy / 1e6:.1f} M steps/s; "
          f"ratio {t_numpy / big:.0f}x; largest relative difference after 30 steps: {same:.1e}")  # fmt: skip
    print(f"(3) 64 x 64 x 300: {small * 1e3:.1f} ms")
    print(f"    diverged cells in (1): {m.diverged.mean():.1%}")


if __name__ == "__main__":
    main()
