"""`python -m optviz warm`: compiles the engine's kernels into the on-disk cache, in parallel.

Where the time goes (`benchmarks/bench_warm.py --detail` prints it): Numba compiles every cached
function on its own, then each caller again with its callees' code linked in, which LLVM optimises
once more. The API calls two kernels, `race` (whose time loop calls `update` and the surfaces at
every step) and `evaluate` (the surfaces on a grid). Their callees do not depend on each other, so
worker processes compile them at the same time, each writing its own cache entries, and `race`
and `evaluate` are compiled as soon as what they call is in the cache. A second start finds both
in the cache and only loads them (a fraction of a second).

Each job compiles its functions for exactly the argument types their callers pass (float64
arrays, C-contiguous; int64; float64; a bool), so nothing is compiled twice: `warm` says so if a
job compiles something another one did, and `tests/test_warm.py` checks that the API then
compiles nothing.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

import numba
import numpy as np
from numba.core import event

from optviz.engine import batches, jit, kernels, rules

WORKERS = 2  # the cores of the machines it is made for; more would wait on the same two


# -------------------------------------------------------------------------------- sample arguments
# Arguments of the types the callers pass: float64 arrays, C-contiguous; Python ints and floats are
# int64 and float64. Leaves are compiled from these types without being run.


def _types(*args: object) -> tuple:
    return tuple(numba.typeof(a) for a in args)


def _block() -> np.ndarray:
    return np.zeros(rules.N_ROWS)


_PARAMS = np.zeros(1)  # a surface's parameters, or a typed formula's program
_NOISE = np.zeros((1, 5))  # a stochastic run's batch terms
_LANES = np.zeros(1)


def _update() -> None:
    rules.update.compile(_types(rules.GD, _block(), 1, 1))


def _formula() -> None:
    kernels._run_program.compile(_types(_PARAMS, _block(), 1))


def _surfaces() -> None:
    kernels.value_grad_block.compile(_types(0, _PARAMS, _block(), 1))


def _checks() -> None:
    L = _block()
    kernels._check.compile(_types(L, 0, 0.0, 0.0, 1))
    kernels._check_batch.compile(_types(L, 0, False, _NOISE, 0.0, 0.0, 1))
    kernels._step_back.compile(_types(L, 0, 1))
    kernels._lookahead.compile(_types(L, 1))
    kernels._lookahead_back.compile(_types(L, 1))
    H = np.zeros((1, len(rules.HYPER_ROWS)))
    kernels._start_block.compile(_types(L, H, _LANES, _LANES, np.zeros(4), 0, 1))


def _batches() -> None:
    orders = batches._orders(2, 1, 0)
    batches._means(np.zeros((2, 5)), orders, 1, 1)


def _race() -> None:
    # Through the API, so that the types are the ones it passes (one run, and many).
    from optviz import api

    api.run("adam", "beale", steps=2)
    api.run_many("adam", "beale", [[1.0, 1.0]], 2)


def _evaluate() -> None:
    from optviz import api

    api.evaluate("beale", np.zeros(2), np.zeros(2))


@dataclass(frozen=True)
class Job:
    name: str
    what: str
    needs: tuple[str, ...]  # jobs whose cache entries this one loads
    run: Callable[[], None]


# In the order a free worker takes them when several are ready: the longest chain first.
JOBS = (
    Job("update", "the update rules (rules.update)", (), _update),
    Job("surfaces", "built-in surfaces (kernels.value_grad_block)", (), _surfaces),
    Job("formula", "typed formulas' interpreter (kernels._run_program)", (), _formula),
    Job("checks", "per-step checks (kernels._check, ...)", (), _checks),
    Job("batches", "stochastic runs' batches (batches._orders, batches._means)", (), _batches),
    Job("race", "run and run_many (kernels.race)", ("update", "surfaces", "formula", "checks"), _race),
    Job("evaluate", "surfaces on grids (kernels.evaluate)", ("surfaces", "formula"), _evaluate),
)
ENTRIES = ("race", "evaluate", "batches")  # what the API calls: loading these loads the whole engine
_BY_NAME = {job.name: job for job in JOBS}


# ---------------------------------------------------------------------------------- compile events


class _Compiled(event.Listener):
    """Collects the cached functions Numba compiles (rather than loads from the cache); helpers,
    which have no cache entry of their own, are compiled wherever a caller is."""

    def __init__(self, refuse: bool = False) -> None:
        self.names: list[str] = []
        self.refuse = refuse

    def on_start(self, ev: event.Event) -> None:
        if self.refuse:
            raise _WouldCompileError
        dispatcher = ev.data["dispatcher"]
        if type(getattr(dispatcher, "_cache", None)).__name__ != "NullCache":
            fn = dispatcher.py_func
            self.names.append(f"{fn.__module__}.{fn.__qualname__}")

    def on_end(self, ev: event.Event) -> None:
        pass


class _WouldCompileError(Exception):
    pass


@contextmanager
def _compiles(refuse: bool = False) -> Iterator[_Compiled]:
    listener = _Compiled(refuse)
    with event.install_listener("numba:compile", listener):
        yield listener


def _run_job(name: str) -> tuple[str, float, list[str]]:
    """In a worker: runs one job; returns its name, its seconds and the functions it compiled."""
    started = time.perf_counter()
    with _compiles() as compiled:
        _BY_NAME[name].run()
    return name, time.perf_counter() - started, compiled.names


def _load_entries() -> bool:
    """Loads the API's kernels from the cache into this process; False, having compiled nothing,
    when any is not there."""
    try:
        with _compiles(refuse=True):
            for name in ENTRIES:
                _BY_NAME[name].run()
    except _WouldCompileError:
        return False
    return True


# ---------------------------------------------------------------------------------------- running


def _context() -> multiprocessing.context.BaseContext:
    # Forking is instant and the workers start with the engine imported; it is safe while this
    # process runs no other thread (and no kernel has started Numba's thread pool).
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _schedule(
    jobs: tuple[Job, ...], workers: int, start: Callable[[str], cf.Future], done: Callable[[tuple], None]
) -> None:
    """Starts each job once the jobs it needs are done, at most `workers` at a time, taking ready
    jobs in their order in `jobs`."""
    finished: set[str] = set()
    pending = list(jobs)
    running: dict[cf.Future, str] = {}
    while pending or running:
        for job in list(pending):
            if len(running) >= workers:
                break
            if all(need in finished for need in job.needs):
                pending.remove(job)
                running[start(job.name)] = job.name
        if not running:
            raise RuntimeError(f"jobs wait for jobs that do not exist: {[j.name for j in pending]}")
        ready, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
        for future in ready:
            finished.add(running.pop(future))
            done(future.result())


def _line(out: TextIO, text: str) -> None:
    out.write(text + "\n")
    out.flush()


def warm(out: TextIO = sys.stdout, workers: int = WORKERS) -> float:
    """Makes the engine's kernels ready in this process and in the on-disk cache, printing what
    it compiles as it goes (one line per job) and a last line with the total; returns the seconds
    it took. Loads them when the cache has them; otherwise compiles them in `workers` processes."""
    started = time.perf_counter()
    if _load_entries():
        seconds = time.perf_counter() - started
        _line(out, f"engine kernels ready in {seconds:.1f} s (loaded from the cache)")
        return seconds

    where = jit.CACHE_DIR if jit.JIT_OPTIONS["cache"] else None
    workers = max(1, min(workers, os.cpu_count() or 1)) if where else 1
    width = max(len(job.name) for job in JOBS)

    compiled_by: dict[str, list[str]] = {}

    def done(result: tuple[str, float, list[str]]) -> None:
        name, seconds, compiled = result
        for function in compiled:
            compiled_by.setdefault(function, []).append(name)
        _line(out, f"  {name:<{width}}  {seconds:5.1f} s  {_BY_NAME[name].what}")

    if workers == 1:
        # No cache to share (or one core): compile here, one job after another.
        _line(out, "compiling the engine's kernels" + (f" into {where}" if where else " (no writable cache)"))
        _schedule(JOBS, 1, _here, done)
    else:
        _line(out, f"compiling the engine's kernels into {where}, {workers} at a time:")
        with cf.ProcessPoolExecutor(workers, mp_context=_context()) as pool:
            _schedule(JOBS, workers, lambda name: pool.submit(_run_job, name), done)
        with _compiles() as compiled:
            for name in ENTRIES:
                _BY_NAME[name].run()  # loads what the workers wrote
        if compiled.names:
            _line(out, f"  note: not found in the cache, compiled again: {', '.join(compiled.names)}")
    twice = sorted(f for f, jobs in compiled_by.items() if len(jobs) > 1)
    if twice:
        # A job compiled a signature its callers do not use: the sample arguments above are stale.
        _line(out, f"  note: compiled by more than one job: {', '.join(twice)}")
    seconds = time.perf_counter() - started
    _line(out, f"engine kernels ready in {seconds:.1f} s")
    return seconds


def _here(name: str) -> cf.Future:
    future: cf.Future = cf.Future()
    future.set_result(_run_job(name))
    return future
