"""optviz: race gradient-descent optimizers on 2-D loss surfaces.

>>> import optviz
>>> result = optviz.run("adam", "beale", start=(1.0, 1.4), steps=500, lr=0.05)
>>> result.xy.shape
(501, 2)

In a notebook, `optviz.race(["adam", "momentum"], "beale")` shows the race player.
"""

from __future__ import annotations

from optviz.api import Outcomes, Settings, Trajectory, evaluate, run, run_many
from optviz.engine.optimizers import LECTURE_OPTIMIZERS, OPTIMIZERS, Optimizer
from optviz.notebook import RaceRunner, RaceView, race
from optviz.sweep import Axis, StabilityMap, sweep

__all__ = [
    "LECTURE_OPTIMIZERS",
    "OPTIMIZERS",
    "Axis",
    "Optimizer",
    "Outcomes",
    "RaceRunner",
    "RaceView",
    "Settings",
    "StabilityMap",
    "Trajectory",
    "evaluate",
    "race",
    "run",
    "run_many",
    "sweep",
]
