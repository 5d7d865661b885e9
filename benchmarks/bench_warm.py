"""How long the engine takes to get ready, printed side by side in one run.

    python benchmarks/bench_warm.py [--runs 2] [--detail]

1. `python -m optviz warm` with an empty kernel cache (a fresh NUMBA_CACHE_DIR each run): what a
   new user waits for once, with the lines it prints;
2. the same command again with the cache it filled: what every later start costs;
3. `import optviz` in a fresh process (best of 5);
4. with --detail: where the compile time goes, one process compiling everything in turn (as the
   first call of `optviz.run` and `optviz.evaluate` would): per function, the seconds Numba spent
   on it alone (its callees excluded) and the part of those spent in LLVM (optimising and
   generating machine code, which a caller repeats for the callees it links in).

Each measurement is its own process, started from the repository root. The first-visitor time of
the app is measured by `benchmarks/bench_app.py --first-visits`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], cache: str) -> tuple[float, str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - started, done.stdout


def import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import optviz; print(time.perf_counter() - t)"
    times = []
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        times.append(float(done.stdout))
    return min(times)


DETAIL = r"""
import time
from numba.core import event

rows, stack = [], []


class Timer(event.Listener):
    def on_start(self, ev):
        if ev.kind == "numba:compile":
            fn = ev.data["dispatcher"].py_func
            stack.append([f"{fn.__module__}.{fn.__qualname__}", time.perf_counter(), 0.0, 0.0])
        else:
            self.llvm = time.perf_counter()

    def on_end(self, ev):
        if ev.kind == "numba:compile":
            name, t0, inner, llvm = stack.pop()
            total = time.perf_counter() - t0
            rows.append((name, total - inner, llvm))
            if stack:
                stack[-1][2] += total
        elif stack:
            stack[-1][3] += time.perf_counter() - self.llvm


timer = Timer()
event.register("numba:compile", timer)
event.register("numba:llvm_lock", timer)
from optviz.engine import warm

for job in warm.JOBS:
    if job.name in warm.ENTRIES:
        job.run()
own = {}
for name, alone, llvm in rows:
    key = name if name.startswith(("optviz", "surfaces")) else "(Numba's own library functions)"
    a = own.setdefault(key, [0.0, 0.0, 0])
    a[0] += alone
    a[1] += llvm
    a[2] += 1
for name, (alone, llvm, count) in sorted(own.items(), key=lambda kv: -kv[1][0]):
    times = f" ({count} signatures)" if count > 1 else ""
    print(f"    {name:<40} {alone:6.2f} s, LLVM {llvm:5.2f} s{times}")
print(f"    {'total':<40} {sum(r[1] for r in rows):6.2f} s, LLVM {sum(r[2] for r in rows):5.2f} s")
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2, help="empty-cache runs (each a new cache)")
    parser.add_argument("--detail", action="store_true", help="also time each function's compile")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    cold, again = [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="optviz-warm-") as cache:
            seconds, printed = _run(["-m", "optviz", "warm"], cache)
            cold.append(seconds)
            if run == 0:
                print("`python -m optviz warm`, empty cache, prints:")
                print("".join(f"    {line}\n" for line in printed.splitlines()), end="")
            again.append(_run(["-m", "optviz", "warm"], cache)[0])
    runs = ", ".join(f"{s:.1f}" for s in cold)
    print(f"(1) warm, empty cache:  {min(cold):5.1f} s wall, process included  [{runs}]")
    print(f"(2) warm, full cache:   {statistics.median(again):5.2f} s wall, process included")
    print(f"(3) import optviz:      {import_seconds():5.2f} s (best of 5)")
    if args.detail:
        with tempfile.TemporaryDirectory(prefix="optviz-warm-") as cache:
            seconds, printed = _run(["-c", DETAIL], cache)
        print(f"(4) compiling everything in one process took {seconds:.1f} s; per function:")
        print(printed, end="")


if __name__ == "__main__":
    main()
