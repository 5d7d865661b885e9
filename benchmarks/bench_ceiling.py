"""How fast can Adam on Beale go on this machine? The engine beside minimal hand-written kernels.

    python benchmarks/bench_ceiling.py [--starts 65536] [--steps 500] [--rounds 5]

All on one core, in one run, in optimizer steps per second:
- the engine (`optviz.run_many`, one Numba thread);
- a minimal kernel: Beale, the divergence check and Adam's update fused in one loop over a block of
  128 trajectories, with exactly the engine's arithmetic (bit-for-bit IEEE, as the tests require);
- the engine's speed as a fraction of that exact kernel's (the project's target: at least 0.90),
  from `--rounds` rounds that time the two one after the other; the median of the rounds' ratios;
- the same kernel without Adam's two square roots and two divisions (not Adam any more: the cost
  of everything else);
- the same kernel compiled with fused multiply-adds (`fastmath={"contract"}`) and with all of LLVM's
  fast-math flags: faster, but their results are no longer the lecture's formulas evaluated
  exactly (and `fastmath=True` assumes no NaN or inf, which breaks the divergence check);
- NumPy on all the start points.

Times are the CPU time of the thread that runs the kernel (every kernel here runs on the calling
thread), so on a busy shared machine a kernel is not charged for the time other processes held its
core; what they leave in the caches still counts, so compare the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optviz
from benchmarks.numpy_reference import adam_beale as numpy_adam_beale
from surfaces import functions

# The engine's own Beale (f and its gradient), compiled into each kernel below.
beale = numba.njit(inline="always")(functions.beale)
NO_PARAMETERS = np.zeros(1)

LR, BETA1, BETA2, EPS = 0.01, 0.9, 0.999, 1e-8
BOUND = 4.5 * 201  # a box far around Beale's domain, as the engine's


def fused_kernel(fastmath: bool | set[str], roots: bool = True):
    """Adam on Beale for every start, BLOCK lanes at a time, one fused loop per time step."""

    @numba.njit(fastmath=fastmath, error_model="numpy")
    def kernel(x_all, y_all, steps):  # pragma: no cover - compiled
        n = x_all.size
        block = 128
        for lo in range(0, n, block):
            m = min(block, n - lo)
            x = x_all[lo : lo + m].copy()
            y = y_all[lo : lo + m].copy()
            mx = np.zeros(m)
            my = np.zeros(m)
            gx2 = np.zeros(m)
            gy2 = np.zeros(m)
            div = -np.ones(m)
            q1 = 1.0
            q2 = 1.0
            for t in range(1, steps + 1):
                q1 *= BETA1
                q2 *= BETA2
                k1 = 1.0 / (1.0 - q1)
                k2 = 1.0 / (1.0 - q2)
                for i in range(m):
                    xi = x[i]
                    yi = y[i]
                    f, gx, gy = beale(xi, yi, NO_PARAMETERS)
                    finite = (np.abs(f) < np.inf) & (np.abs(gx) < np.inf) & (np.abs(gy) < np.inf)
                    nmx = BETA1 * mx[i] + (1.0 - BETA1) * gx
                    nmy = BETA1 * my[i] + (1.0 - BETA1) * gy
                    ngx = BETA2 * gx2[i] + (1.0 - BETA2) * gx * gx
                    ngy = BETA2 * gy2[i] + (1.0 - BETA2) * gy * gy
                    mx[i] = nmx
                    my[i] = nmy
                    gx2[i] = ngx
                    gy2[i] = ngy
                    if roots:
                        rx = LR * (1.0 / np.sqrt(ngx * k2 + EPS))
                        ry = LR * (1.0 / np.sqrt(ngy * k2 + EPS))
                    else:
                        rx = LR * (ngx * k2 + EPS)
                        ry = LR * (ngy * k2 + EPS)
                    nx = xi - rx * (nmx * k1)
                    ny = yi - ry * (nmy * k1)
                    d = div[i]
                    alive = d < 0.0
                    ok = finite & (nx >= -BOUND) & (nx <= BOUND) & (ny >= -BOUND) & (ny <= BOUND)
                    move = alive & ok
                    x[i] = nx if move else xi
                    y[i] = ny if move else yi
                    div[i] = d + ((t - d) if (alive & (not ok)) else 0.0)
            x_all[lo : lo + m] = x
            y_all[lo : lo + m] = y

    return kernel


def cpu_seconds(fn) -> float:
    """The CPU time of this thread while fn runs."""
    started = time.thread_time()
    fn()
    return time.thread_time() - started


def best_of(repeats: int, fn) -> float:
    return min(cpu_seconds(fn) for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=65_536)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5, help="engine / exact kernel rounds")
    args = parser.parse_args()
    if args.starts < 1 or args.steps < 1 or args.rounds < 1:
        parser.error("--starts, --steps and --rounds must be at least 1")

    rng = np.random.default_rng(0)
    starts = np.column_stack((rng.uniform(-4.5, 4.5, args.starts), rng.uniform(-4.5, 4.5, args.starts)))
    total = args.starts * args.steps
    cores = numba.get_num_threads()
    numba.set_num_threads(1)
    optviz.run_many("adam", "beale", starts[:8], 2, lr=LR)

    def kernel_rate(kernel) -> float:
        kernel(starts[:8, 0].copy(), starts[:8, 1].copy(), 2)  # compile
        seconds = best_of(3, lambda: kernel(starts[:, 0].copy(), starts[:, 1].copy(), args.steps))
        return total / seconds / 1e6

    # Exactness of the minimal kernel: the engine's final points, bit for bit.
    exact = fused_kernel(False)
    x, y = starts[:2048, 0].copy(), starts[:2048, 1].copy()
    exact(x, y, 50)
    engine_xy = optviz.run_many("adam", "beale", starts[:2048], 50, lr=LR).final_xy
    same = np.array_equal(np.column_stack((x, y)), engine_xy)

    def run_engine() -> None:
        optviz.run_many("adam", "beale", starts, args.steps, lr=LR)

    def run_exact() -> None:
        exact(starts[:, 0].copy(), starts[:, 1].copy(), args.steps)

    engine_times, exact_times = [], []
    for _ in range(args.rounds):
        engine_times.append(cpu_seconds(run_engine))
        exact_times.append(cpu_seconds(run_exact))
    ratios = [e / g for g, e in zip(engine_times, exact_times, strict=True)]
    rows = [
        ("engine (optviz.run_many), one thread", total / min(engine_times) / 1e6),
        ("minimal fused kernel, exact", total / min(exact_times) / 1e6),
        ("  the same without the 2 roots and 2 divisions", kernel_rate(fused_kernel(False, roots=False))),
        ("  with fused multiply-adds (not exact)", kernel_rate(fused_kernel({"contract"}))),
        ("  with all fast-math flags (not exact, no NaN check)", kernel_rate(fused_kernel(True))),
    ]
    numba.set_num_threads(cores)
    numpy_rate = total / best_of(1, lambda: numpy_adam_beale(starts, args.steps, LR)) / 1e6

    loadavg = Path("/proc/loadavg")
    load = loadavg.read_text().split()[0] if loadavg.exists() else "?"
    print(f"Adam on Beale, {args.starts:,} starts x {args.steps} steps, one core, M steps/s "
          f"(best of the rounds; load average {load}):")  # fmt: skip
    for name, rate in rows:
        print(f"  {name:<55} {rate:7.1f}")
    print(f"  (the exact minimal kernel's final points equal the engine's bit for bit: {same})")
    print(f"engine / exact kernel: {statistics.median(ratios):.2f} (median of {args.rounds} rounds; "
          f"{min(ratios):.2f}-{max(ratios):.2f}); target >= 0.90")  # fmt: skip
    print(f"NumPy vectorised: {numpy_rate:.1f} M steps/s; the engine on one core is "
          f"{rows[0][1] / numpy_rate:.1f}x that")  # fmt: skip


if __name__ == "__main__":
    main()
