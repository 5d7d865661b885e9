"""A race: several competitors (optimizer + settings) on one surface from one start point.

Pure data and one function; the app, the figures, the player and the exporter all start from a
`Race`, made by `run_race` from the race's settings (`optviz.settings.RaceSettings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import surfaces
from optviz.api import Trajectory, run
from optviz.settings import MAX_COMPETITORS, Competitor, RaceSettings, labels
from optviz.views import style
from surfaces.surface import SurfaceKey

RUN_CACHE_ENTRIES = 128  # runs of single competitors (one of 2,000 steps is ~110 kB)


@dataclass(frozen=True)
class Runner:
    """A competitor's result with how it is shown: its label in every legend and its colour."""

    label: str
    color: str
    competitor: Competitor
    trajectory: Trajectory

    @property
    def casing(self) -> str:
        """The colour drawn under this runner's path, so that it stands out on every band."""
        return style.casing(self.color)


@dataclass(frozen=True)
class Race:
    settings: RaceSettings
    surface: surfaces.Surface
    runners: tuple[Runner, ...]


@lru_cache(maxsize=RUN_CACHE_ENTRIES)
def _run(optimizer: str, surface: SurfaceKey, arguments: tuple[tuple[str, Any], ...]) -> Trajectory:
    """One competitor's run, kept: a race that changes one competitor (a slider being dragged)
    reruns only that one. Trajectories are read-only, so sharing them is safe."""
    return run(optimizer, surface.surface, **dict(arguments))


def run_race(settings: RaceSettings) -> Race:
    """Runs every competitor; a bad setting raises ValueError naming the competitor and the setting."""
    if not 1 <= len(settings.competitors) <= MAX_COMPETITORS:
        raise ValueError(f"a race needs 1 to {MAX_COMPETITORS} competitors, got {len(settings.competitors)}")
    surface = settings.surface_object()
    competitors = settings.raced(surface)
    runners = []
    for competitor, label in zip(competitors, labels(competitors), strict=True):
        arguments = settings.run_arguments(competitor, surface)
        try:
            trajectory = _run(competitor.optimizer, SurfaceKey.of(surface), tuple(sorted(arguments.items())))
        except ValueError as error:
            raise ValueError(f"{label}: {error}") from None
        runners.append(Runner(label, style.PALETTE[competitor.color], competitor, trajectory))
    return Race(settings, surface, tuple(runners))
