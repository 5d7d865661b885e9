"""`python -m optviz warm`: its jobs run in the order they need, fill an empty cache once, and leave
nothing for the API to compile."""

from __future__ import annotations

import concurrent.futures as cf
import os
import subprocess
import sys
from pathlib import Path

import pytest

from optviz.engine import warm

ROOT = Path(__file__).resolve().parents[1]


def _jobs(*spec: tuple[str, tuple[str, ...]]) -> tuple[warm.Job, ...]:
    return tuple(warm.Job(name, name, needs, lambda: None) for name, needs in spec)


def _order(jobs: tuple[warm.Job, ...], workers: int) -> list[str]:
    started: list[str] = []
    done: list[str] = []

    def start(name: str) -> cf.Future:
        started.append(name)
        future: cf.Future = cf.Future()
        future.set_result((name, 0.0, []))
        return future

    warm._schedule(jobs, workers, start, lambda result: done.append(result[0]))
    assert sorted(done) == sorted(job.name for job in jobs)
    return started


def test_each_job_starts_after_the_jobs_it_needs():
    jobs = _jobs(("top", ("a", "b")), ("a", ()), ("b", ("a",)), ("side", ()))
    order = _order(jobs, workers=2)
    assert order.index("a") < order.index("b") < order.index("top")
    assert _order(warm.JOBS, workers=2)[-1] in warm.ENTRIES


def test_a_job_needing_a_job_that_does_not_exist_is_an_error():
    with pytest.raises(RuntimeError, match="do not exist"):
        _order(_jobs(("a", ("missing",))), workers=2)


EXERCISE = """
import numpy as np
from numba.core import event
import optviz, surfaces
from optviz.engine import warm

compiled = warm._Compiled()
event.register("numba:compile", compiled)
for name in optviz.OPTIMIZERS:
    optviz.run(name, "beale", steps=20)
    optviz.run(name, "rosenbrock", steps=20, eps_placement="outside", batch_size=4)
optviz.run("nesterov", "line_fit", steps=20, batch_size=1, seed=3)
optviz.run_many("adam", "beale", np.zeros((300, 2)), 30, lr=np.linspace(0.01, 0.1, 300))
optviz.run_many("sgd", "himmelblau", (1.0, 1.0), 30, batch_size=5)
lr, gamma = optviz.Axis("lr", 0.01, 1.0, 8), optviz.Axis("gamma", 0.0, 0.9, 8, "linear")
optviz.sweep("momentum", "bowl", lr, gamma, steps=30)
X, Y = np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 7))
optviz.evaluate("ackley", X, Y)
custom = surfaces.from_formula("x^2 + 10*y^2 + sin(x)", domain=((-2, 2), (-2, 2)))
optviz.run("adam", custom, steps=20)
optviz.run_many("rmsprop", custom, np.zeros((5, 2)), 20)
optviz.evaluate(custom, X, Y)
print("compiled:", sorted(set(compiled.names)))
"""


def test_an_empty_cache_is_filled_once_and_the_api_then_compiles_nothing(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}

    def python(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = python("-m", "optviz", "warm")
    lines = first.splitlines()
    assert lines[0].startswith("compiling the engine's kernels")
    for job in warm.JOBS:  # one line per job, with its seconds
        assert any(line.split()[: len(job.name.split())] == job.name.split() for line in lines[1:]), job
    assert "note:" not in first  # nothing compiled by two jobs, nothing left for the last step
    assert lines[-1].startswith("engine kernels ready in")
    assert "loaded from the cache" in python("-m", "optviz", "warm")
    assert python("-c", EXERCISE).strip() == "compiled: []"
