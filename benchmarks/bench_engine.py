"""Engine speed, printed side by side in one run (ratios are what to compare on a shared machine).

    python benchmarks/bench_engine.py [--starts 131072] [--steps 500]

1. the batched path: Adam on Beale from many start points, all cores, optimizer steps per second;
2. the same maths vectorised with NumPy over all start points (same divergence handling);
3. one app-sized run: the lecture's 7 optimizers x 1,000 steps, each recording its whole path, and
   its two largest parts timed alone (drawing the stochastic batches, the kernel);
4. the first call in a fresh process with the on-disk kernel cache warm (import included).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optviz
import surfaces
from benchmarks.numpy_reference import adam_beale as numpy_adam_beale
from optviz import api
from optviz.engine import kernels
from optviz.params import HYPERPARAMETERS


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def app_run_phases() -> tuple[float, float]:
    """The app-sized run's two largest parts, each timed alone: drawing the stochastic optimizers'
    batches (surfaces.finite_sum) and the kernel (best of 20 each)."""
    surf = surfaces.get("beale")
    sid, p, box = api._kernel_inputs(surf)
    calls = []
    for name in optviz.LECTURE_OPTIMIZERS:
        opt = optviz.OPTIMIZERS[name]
        noise = api._batches(opt, surf, None, None, None, 0, 1000)[0]
        hyper = {k: api._hyper_value(opt, k, 0.01 if k == "lr" else None) for k in HYPERPARAMETERS}
        calls.append((opt, noise, np.array([api._hyper_columns(hyper, "inside")])))

    def batches() -> None:
        for opt, _, _ in calls:
            if opt.batch_size is not None:
                api._batches(opt, surf, None, None, None, 0, 1000)

    def kernel() -> None:
        for opt, noise, H in calls:
            x, y = np.array([surf.start[0]]), np.array([surf.start[1]])
            out = (np.empty(1, dtype=np.int64), np.empty(1, dtype=np.int64), np.empty(1))
            record = (np.zeros((1001, 2)), np.zeros(1001), np.zeros((1001, 2)), np.zeros((1000, 2)))
            kernels.race(opt.rule, sid, p, H, x, y, 1000, noise, box, surf.min_value, -1.0, *out, *record)

    return best_of(20, batches), best_of(20, kernel)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=131_072, help="start points for (1) and (2)")
    parser.add_argument("--steps", type=int, default=500, help="steps for (1) and (2)")
    args = parser.parse_args()
    if args.starts < 1 or args.steps < 1:
        parser.error("--starts and --steps must be at least 1")

    rng = np.random.default_rng(0)
    starts = np.column_stack((rng.uniform(-4.5, 4.5, args.starts), rng.uniform(-4.5, 4.5, args.starts)))
    lr = 0.01
    optviz.run_many("adam", "beale", starts[:8], 2, lr=lr)  # compile or load the kernels first
    optviz.run("adam", "beale", steps=2)
    cores = numba.get_num_threads()
    total = args.starts * args.steps

    t_batched = best_of(3, lambda: optviz.run_many("adam", "beale", starts, args.steps, lr=lr))
    numba.set_num_threads(1)
    t_one_core = best_of(2, lambda: optviz.run_many("adam", "beale", starts, args.steps, lr=lr))
    numba.set_num_threads(cores)
    # NumPy on the same start points (a slice would fit in cache and flatter it).
    t_numpy = best_of(1, lambda: numpy_adam_beale(starts, args.steps, lr))

    # The two implementations agree (a check that the benchmark measures the same maths).
    ours = optviz.run_many("adam", "beale", starts[:2048], 50, lr=lr).final_xy
    theirs = numpy_adam_beale(starts[:2048], 50, lr)
    agree = np.max(np.abs(ours - theirs))

    def app_run() -> None:
        for name in optviz.LECTURE_OPTIMIZERS:
            optviz.run(name, "beale", steps=1000, lr=0.01)

    app_run()
    t_app = best_of(20, app_run)
    t_batches, t_kernel = app_run_phases()

    code = (
        "import time; t0 = time.perf_counter(); import optviz; "
        "optviz.run('adam', 'beale', steps=1000, lr=0.01); "
        "optviz.run_many('adam', 'beale', [[1.0, 1.0]], 10); "
        "print(time.perf_counter() - t0)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    cold = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                 check=True).stdout) for _ in range(3)]  # fmt: skip

    print(f"machine: {os.cpu_count()} cores, numba threads {cores}, numba {numba.__version__}")
    print(f"(1) batched Adam on Beale, {args.starts:,} starts x {args.steps} steps, all cores:")
    print(f"      {total / t_batched / 1e6:8.1f} M steps/s  ({t_batched:.3f} s)")
    print(f"    same, one core: {total / t_one_core / 1e6:8.1f} M steps/s per core")
    print(f"(2) NumPy vectorised:  {total / t_numpy / 1e6:8.1f} M steps/s  ({t_numpy:.2f} s)")
    print(f"    ratio (1)/(2): {t_numpy / t_batched:.1f}x   max |difference| after 50 steps: {agree:.1e}")
    print(f"(3) app-sized run, 7 lecture optimizers x 1,000 steps recorded: {t_app * 1e3:.2f} ms")
    print(f"    of which: drawing SGD's and mini-batch GD's batches {t_batches * 1e3:.2f} ms, "
          f"the kernel {t_kernel * 1e3:.2f} ms, the rest (checks, results) "
          f"{(t_app - t_batches - t_kernel) * 1e3:.2f} ms")  # fmt: skip
    print(f"(4) first call in a fresh process, cache warm (import included): {min(cold):.2f} s (best of 3)")


if __name__ == "__main__":
    main()
