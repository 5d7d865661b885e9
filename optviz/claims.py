"""What a preset tells students about its race, as claims that can be checked against the race.

A preset's note is written from its claims. Each claim has a sentence and a check: the sentence's
placeholders are filled from the race on screen (the runners' names, the settings they race with,
what they did), and `problems(race)` says where the race does not do what the sentence says.
tests/test_presets.py runs every preset and checks every claim, so a note can never contradict the
race it describes.

In a sentence, `{gd}` is the runner cast as "gd" (in bold), `{gd.eta}` its learning rate written
"η = 0.095", `{gd.gamma}` its γ, `{gd.reached}` when it came within the tolerance ("step 125"),
`{gd.diverged}` the step it diverged at, `{gd.end}` where it ended. A claim adds its own figures
(`{n}`, `{count}`...), and the preset its settings (`{steps}`, `{tol}`, the surface's options and
what it derives from them). A sentence writes no number of its own: every number it shows is
one of these. A claim with no sentence checks something the sentence before it says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from optviz.params import SYMBOLS
from optviz.racing import Race, Runner, run_race

Cast = Mapping[str, int]  # a role in the sentences -> the competitor's index in the race


def number(value: float) -> str:
    """A value as a note shows it."""
    return f"{value:g}"


@dataclass(frozen=True)
class Quote:
    """What a sentence may say of one runner."""

    runner: Runner
    tol: float

    def __format__(self, spec: str) -> str:
        return f"**{self.runner.label}**"

    def _setting(self, name: str) -> str:
        value = getattr(self.runner.trajectory.settings, name)
        return f"{SYMBOLS[name]} = {number(value)}"

    @property
    def eta(self) -> str:
        return self._setting("lr")

    @property
    def gamma(self) -> str:
        return self._setting("gamma")

    @property
    def reached(self) -> str:
        k = self.runner.trajectory.steps_to(self.tol)
        return "never" if k is None else f"step {k}"

    @property
    def diverged(self) -> str:
        k = self.runner.trajectory.diverged_at
        return "never" if k is None else f"step {k}"

    @property
    def end(self) -> str:
        x, y = self.runner.trajectory.xy[-1]
        return f"({x:.2f}, {y:.2f})"


@dataclass(frozen=True)
class Claim:
    """One sentence of a note and the check that it is true. `who` are roles of the preset's cast."""

    text: str
    who: tuple[str, ...]

    def figures(self, race: Race, cast: Cast, tol: float) -> dict[str, Any]:
        """The claim's own numbers that its sentence may show."""
        return {}

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        raise NotImplementedError

    def runners(self, race: Race, cast: Cast, roles: tuple[str, ...] | None = None) -> list[Runner]:
        return [race.runners[cast[role]] for role in (self.who if roles is None else roles)]


def _reached(runner: Runner, tol: float) -> int | None:
    return runner.trajectory.steps_to(tol)


def _coordinate(name: str) -> int:
    return "xy".index(name)


@dataclass(frozen=True)
class Reaches(Claim):
    """Each comes within the tolerance of the minimum's loss within the race's steps."""

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        return [
            f"{r.label} never comes within {tol:g}"
            for r in self.runners(race, cast)
            if _reached(r, tol) is None
        ]


@dataclass(frozen=True)
class Misses(Claim):
    """None of them comes within the tolerance in the race's steps."""

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        out = []
        for r in self.runners(race, cast):
            k = _reached(r, tol)
            if k is not None:
                out.append(f"{r.label} comes within {tol:g} at step {k}")
        return out


@dataclass(frozen=True)
class Before(Claim):
    """Each of `who` comes within the tolerance before every one of `than` does (or than never)."""

    than: tuple[str, ...] = ()

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        out = []
        for r in self.runners(race, cast):
            k = _reached(r, tol)
            if k is None:
                out.append(f"{r.label} never comes within {tol:g}")
                continue
            for other in self.runners(race, cast, self.than):
                j = _reached(other, tol)
                if j is not None and j <= k:
                    out.append(f"{other.label} (step {j}) is not after {r.label} (step {k})")
        return out


@dataclass(frozen=True)
class Diverges(Claim):
    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        return [
            f"{r.label} does not diverge"
            for r in self.runners(race, cast)
            if r.trajectory.diverged_at is None
        ]


@dataclass(frozen=True)
class NoneDiverges(Claim):
    """Nobody in the race diverges (`who` is empty: the claim is about everyone)."""

    who: tuple[str, ...] = ()

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        return [
            f"{r.label} diverges at step {r.trajectory.diverged_at}"
            for r in race.runners
            if r.trajectory.diverged_at is not None
        ]


@dataclass(frozen=True)
class ZigZags(Claim):
    """The coordinate changes sign at every one of the first `n` steps."""

    coordinate: str = "y"
    n: int = 10

    def figures(self, race: Race, cast: Cast, tol: float) -> dict[str, Any]:
        return {"n": self.n}

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        out = []
        for r in self.runners(race, cast):
            v = r.trajectory.xy[: self.n + 1, _coordinate(self.coordinate)]
            same = np.flatnonzero(np.sign(v[1:]) == np.sign(v[:-1]))
            if same.size:
                out.append(f"{r.label}'s {self.coordinate} keeps its sign at step {same[0] + 1}")
        return out


@dataclass(frozen=True)
class NeverOvershoots(Claim):
    """The coordinate's size never exceeds where it started: no step crosses over to the far side."""

    coordinate: str = "y"

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        out = []
        for r in self.runners(race, cast):
            v = np.abs(r.trajectory.xy[:, _coordinate(self.coordinate)])
            if (v > v[0] + 1e-9).any():
                out.append(f"{r.label} overshoots in {self.coordinate}")
        return out


@dataclass(frozen=True)
class Lingers(Claim):
    """Each spends at least `at_least` steps within `radius` of `point`; `count` is the first one's."""

    point: tuple[float, float] = (0.0, 0.0)
    radius: float = 0.1
    at_least: int = 10

    def _count(self, r: Runner) -> int:
        xy = r.trajectory.xy
        return int((np.hypot(xy[:, 0] - self.point[0], xy[:, 1] - self.point[1]) < self.radius).sum())

    def figures(self, race: Race, cast: Cast, tol: float) -> dict[str, Any]:
        return {"count": self._count(self.runners(race, cast)[0]), "radius": number(self.radius)}

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        return [
            f"{r.label} spends {self._count(r)} steps near {self.point}"
            for r in self.runners(race, cast)
            if self._count(r) < self.at_least
        ]


def _leaves(r: Runner, coordinate: str, beyond: float) -> int | None:
    """The first step at which |coordinate| > beyond."""
    hits = np.flatnonzero(np.abs(r.trajectory.xy[:, _coordinate(coordinate)]) > beyond)
    return int(hits[0]) if hits.size else None


@dataclass(frozen=True)
class LeavesWithin(Claim):
    """Each gets further than `beyond` from the line coordinate = 0 within `n` steps."""

    coordinate: str = "y"
    beyond: float = 0.5
    n: int = 15

    def figures(self, race: Race, cast: Cast, tol: float) -> dict[str, Any]:
        return {"n": self.n}

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        out = []
        for r in self.runners(race, cast):
            k = _leaves(r, self.coordinate, self.beyond)
            if k is None or k > self.n:
                out.append(f"{r.label} leaves at step {k}")
        return out


@dataclass(frozen=True)
class LeavesLast(Claim):
    """`who` (one role) is the last in the race to get further than `beyond` from coordinate = 0."""

    coordinate: str = "y"
    beyond: float = 0.5

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        (runner,) = self.runners(race, cast)
        last = _leaves(runner, self.coordinate, self.beyond)
        if last is None:
            return [f"{runner.label} never leaves"]
        return [
            f"{r.label} leaves at step {k}, not before {runner.label} (step {last})"
            for r in race.runners
            if r is not runner and ((k := _leaves(r, self.coordinate, self.beyond)) is None or k >= last)
        ]


@dataclass(frozen=True)
class EndsAtMinimum(Claim):
    """Each ends within `within` of a global minimum (no `who`: everyone)."""

    who: tuple[str, ...] = ()
    within: float = 0.05

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        runners = self.runners(race, cast) if self.who else list(race.runners)
        return [
            f"{r.label} ends {d:.3g} from the nearest minimum"
            for r in runners
            if (d := float(race.surface.distance_to_minimum(r.trajectory.xy[-1]))) > self.within
        ]


def _basin(race: Race, r: Runner) -> int:
    minima = np.asarray(race.surface.minima)
    return int(np.argmin(np.hypot(*(minima - r.trajectory.xy[-1]).T)))


@dataclass(frozen=True)
class EndsIn(Claim):
    """Each ends at the minimum `where` describes: "nearest" (to the start), or a side of the map
    ("left", "right", "top", "bottom": the minimum there, among those on that side)."""

    where: str = "nearest"

    def _minima(self, race: Race) -> list[int]:
        minima = np.asarray(race.surface.minima)
        start = race.runners[0].trajectory.xy[0]
        if self.where == "nearest":
            return [int(np.argmin(np.hypot(*(minima - start).T)))]
        test: dict[str, Callable[[np.ndarray], bool]] = {
            "left": lambda m: m[0] < 0,
            "right": lambda m: m[0] > 0,
            "top": lambda m: m[1] > 0,
            "bottom": lambda m: m[1] < 0,
        }
        return [i for i, m in enumerate(minima) if all(test[w](m) for w in self.where.split("-"))]

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        allowed = self._minima(race)
        out = []
        for r in self.runners(race, cast):
            if (
                float(race.surface.distance_to_minimum(r.trajectory.xy[-1])) > 1e-3
                or _basin(race, r) not in allowed
            ):
                out.append(f"{r.label} ends at {r.trajectory.xy[-1]}, not in the {self.where} basin")
        return out


@dataclass(frozen=True)
class AllBasins(Claim):
    """The runners end in every one of the surface's minima."""

    who: tuple[str, ...] = ()

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        found = {_basin(race, r) for r in race.runners}
        missing = len(race.surface.minima) - len(found)
        return [f"{missing} minima have nobody in them"] if missing else []


@dataclass(frozen=True)
class FallsBelow(Claim):
    """Everyone's loss falls below `value` within `n` steps (no `who`: everyone)."""

    who: tuple[str, ...] = ()
    value: float = 1.0
    n: int = 15

    def figures(self, race: Race, cast: Cast, tol: float) -> dict[str, Any]:
        return {
            "n": self.n,
            "value": number(self.value),
            "start_loss": number(round(float(race.runners[0].trajectory.loss[0]), 1)),
        }

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        return [
            f"{r.label} stays above {self.value:g}"
            for r in race.runners
            if not (r.trajectory.loss[: self.n + 1] < self.value).any()
        ]


@dataclass(frozen=True)
class FarAt(Claim):
    """Everyone is still more than `distance` from the minimum at step `n` (no `who`: everyone)."""

    who: tuple[str, ...] = ()
    distance: float = 0.5
    n: int = 100

    def figures(self, race: Race, cast: Cast, tol: float) -> dict[str, Any]:
        return {"n": self.n, "distance": number(self.distance)}

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        return [
            f"{r.label} is within {self.distance:g} at step {self.n}"
            for r in race.runners
            if float(race.surface.distance_to_minimum(r.trajectory.xy[self.n])) <= self.distance
        ]


@dataclass(frozen=True)
class Smooth(Claim):
    """Every step lowers the loss."""

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        return [
            f"{r.label}'s loss rises at some step"
            for r in self.runners(race, cast)
            if (np.diff(r.trajectory.loss) > 0).any()
        ]


def _settle(race: Race, r: Runner, last: int) -> float:
    """Mean distance to the minimum over the last `last` iterates: how far it keeps wandering."""
    return float(race.surface.distance_to_minimum(r.trajectory.xy[-last:]).mean())


@dataclass(frozen=True)
class Wanders(Claim):
    """Over the last `last` steps, each of `who` stays further from the minimum on average than each
    of `than` (the noisier a gradient, the more a run keeps jumping around the minimum)."""

    than: tuple[str, ...] = ()
    last: int = 50

    def figures(self, race: Race, cast: Cast, tol: float) -> dict[str, Any]:
        return {"last": self.last}

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        out = []
        for r in self.runners(race, cast):
            for other in self.runners(race, cast, self.than):
                if _settle(race, r, self.last) <= _settle(race, other, self.last):
                    out.append(f"{r.label} does not wander more than {other.label}")
        return out


@dataclass(frozen=True)
class DivergesWith(Claim):
    """With `setting` changed to `value`, `who` (one role) diverges: what a sentence can only say
    after checking it in a race of its own."""

    setting: str = "lr"
    value: float = 1.0

    def figures(self, race: Race, cast: Cast, tol: float) -> dict[str, Any]:
        return {"other": f"{SYMBOLS[self.setting]} = {number(self.value)}"}

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        (role,) = self.who
        competitor = replace(race.settings.competitors[cast[role]], **{self.setting: self.value})
        alone = run_race(replace(race.settings, competitors=(competitor,)))
        return [] if alone.runners[0].trajectory.diverged_at is not None else [f"{role} does not diverge"]


@dataclass(frozen=True)
class SlowerWith(Claim):
    """With the surface's options changed, each of `who` comes within the tolerance later (or never)."""

    options: tuple[tuple[str, float], ...] = ()

    def figures(self, race: Race, cast: Cast, tol: float) -> dict[str, Any]:
        return {name: number(value) for name, value in self.options}

    def problems(self, race: Race, cast: Cast, tol: float) -> list[str]:
        config = race.settings
        changed = run_race(
            replace(
                config, surface_options=tuple((dict(config.surface_options) | dict(self.options)).items())
            )
        )
        out = []
        for role in self.who:
            before = _reached(race.runners[cast[role]], tol)
            after = _reached(changed.runners[cast[role]], tol)
            if before is None or (after is not None and after <= before):
                out.append(f"{role}: step {before} on the surface, {after} with {self.options}")
        return out


@dataclass(frozen=True)
class Note:
    """A preset's note: an opening sentence and the claims, with the settings' values they quote."""

    opening: str
    claims: tuple[Claim, ...]
    cast: Mapping[str, int]
    facts: Mapping[str, Any] = field(default_factory=dict)  # settings and what follows from them

    def quotes(self, race: Race, tol: float) -> dict[str, Any]:
        return {role: Quote(race.runners[i], tol) for role, i in self.cast.items()} | dict(self.facts)

    def sentences(self, race: Race, tol: float) -> list[str]:
        """One per claim that has a sentence (a claim without one checks what the one before says)."""
        quotes = self.quotes(race, tol)
        return [c.text.format(**(quotes | c.figures(race, self.cast, tol))) for c in self.claims if c.text]

    def text(self, race: Race, tol: float) -> str:
        """The note in Markdown: its opening, then one line per claim."""
        opening = self.opening.format(**self.quotes(race, tol))
        return "\n".join([opening, *(f"- {s}" for s in self.sentences(race, tol))])

    def problems(self, race: Race, tol: float) -> list[str]:
        """Where the race does not do what the note says (empty: every claim holds)."""
        return [p for c in self.claims for p in c.problems(race, self.cast, tol)]
