"""Ready-made races: the lecture's comparison slides and a few more worth teaching.

Each preset is complete `RaceSettings` (surface, options, start, steps and every competitor's
hyperparameters), written out rather than left to defaults so that it keeps showing its phenomenon
if a default changes. Its note ("What to watch") is written from claims about its race
(`optviz.claims`): every number a note shows comes from the preset's settings or from the race
itself, and tests/test_presets.py checks every claim against the race.

The learning rates are each optimizer's own good value for the surface, not one shared value: an
adaptive method's eta is a step length, plain gradient descent's multiplies the gradient, so the
same number means different things. A lecture preset records them for all of the lecture's seven
(`rates`), so that "Reset to the lecture's seven" on its surface keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from optviz import claims as c
from optviz.claims import number
from optviz.engine.optimizers import LECTURE_OPTIMIZERS
from optviz.racing import Race
from optviz.settings import Competitor, RaceSettings, default_competitor


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    settings: RaceSettings
    note: c.Note  # what to look for, shown while the preset is loaded
    rates: Mapping[str, float]  # each of the lecture's seven optimizers' eta for this race

    def watch(self, race: Race) -> str:
        """The note for the race on screen (this preset's race), in Markdown."""
        return self.note.text(race, self.settings.tol)


def runner(optimizer: str, **settings: float | int | str) -> Competitor:
    """A competitor with the optimizer's defaults except the settings given."""
    return replace(default_competitor(optimizer), **settings)


def preset(
    name: str,
    title: str,
    surface: str,
    *,
    cast: Mapping[str, Competitor],
    rates: Mapping[str, float],
    start: tuple[float, float],
    steps: int,
    opening: str,
    claims: tuple[c.Claim, ...],
    options: Mapping[str, float] | None = None,
    facts: Mapping[str, float | str] | None = None,
) -> Preset:
    """A preset racing `cast` (role -> competitor, in drawing order) on `surface`; options not given,
    and the spread, are the surface's own. `facts` are what the note's sentences quote beyond the
    runners; the surface's options, the steps and the tolerance are always among them."""
    base = RaceSettings().with_surface(surface)
    merged = dict(base.surface_options) | dict(options or {})
    settings = replace(
        base,
        surface_options=tuple(merged.items()),
        start=start,
        steps=steps,
        competitors=tuple(cast.values()),
    )
    quoted = {k: number(v) for k, v in merged.items()} | {"steps": steps, "tol": number(settings.tol)}
    note = c.Note(opening, claims, {role: i for i, role in enumerate(cast)}, quoted | dict(facts or {}))
    return Preset(name, title, settings, note, dict(rates))


def _lineup(rates: Mapping[str, float], *names: str) -> dict[str, Competitor]:
    return {name: runner(name, lr=rates[name]) for name in names}


_VALLEY_RATES = {
    "batch_gd": 0.095,
    "sgd": 0.095,
    "minibatch_gd": 0.095,
    "momentum": 0.02,
    "adagrad": 0.5,
    "rmsprop": 0.1,
    "adam": 0.2,
}
_VALLEY_WALL = 10.0

_BEALE_RATES = {
    "batch_gd": 0.01,
    "sgd": 0.01,
    "minibatch_gd": 0.01,
    "momentum": 0.005,
    "adagrad": 1.0,
    "rmsprop": 0.05,
    "adam": 0.2,
}

_SADDLE_RATES = {
    "batch_gd": 0.05,
    "sgd": 0.05,
    "minibatch_gd": 0.05,
    "momentum": 0.05,
    "adagrad": 0.5,
    "rmsprop": 0.05,
    "adam": 0.05,
}

_LINE_FIT_RATES = dict.fromkeys(("batch_gd", "sgd", "minibatch_gd"), 0.1) | {
    "momentum": 0.05,
    "adagrad": 0.5,
    "rmsprop": 0.05,
    "adam": 0.1,
}

_BOWL_KAPPA = 25.0

_ALL = (
    # The lecture's comparisons are about momentum and the adaptive methods: they race against the
    # exact-gradient (batch) descent. SGD and mini-batch GD have a preset of their own below, where
    # their noise is the lesson rather than a tangle drawn over batch GD's path.
    preset(
        "long_valley",
        "Lecture: long valley",
        "long_valley",
        # Adagrad takes RMSProp's route more slowly: drawn after it, both are seen.
        cast=_lineup(_VALLEY_RATES, "batch_gd", "momentum", "rmsprop", "adagrad", "adam"),
        rates=_VALLEY_RATES,
        options={"slope": 1.0, "wall": _VALLEY_WALL},
        start=(-18.0, 2.0),
        steps=150,
        facts={"limit": f"1/c = {number(1 / _VALLEY_WALL)}"},
        opening="A long valley: steep walls across it (c = {wall}), a gentle floor along it (s = {slope}).",
        claims=(
            c.ZigZags(
                "{batch_gd} ({batch_gd.eta}, just under the walls' limit {limit}) bounces from wall "
                "to wall: y changes sign at every one of its first {n} steps.",
                ("batch_gd",),
                coordinate="y",
                n=15,
            ),
            c.Misses(
                "Along the floor it creeps: after {steps} steps it is still at {batch_gd.end}, not yet "
                "within {tol} of the minimum.",
                ("batch_gd",),
            ),
            c.Before(
                "{momentum} ({momentum.eta}, {momentum.gamma}) builds up speed along the floor and gets "
                "there at {momentum.reached}.",
                ("momentum",),
                than=("batch_gd",),
            ),
            c.Reaches(
                "{rmsprop} and {adam} scale each coordinate's step to about the same size: they head "
                "diagonally down to the floor, then straight along it, and get there at "
                "{rmsprop.reached} and {adam.reached}.",
                ("rmsprop", "adam"),
            ),
            c.Misses(
                "{adagrad} takes the same route, but its steps keep shrinking (G only grows): after "
                "{steps} steps it is still at {adagrad.end}.",
                ("adagrad",),
            ),
        ),
    ),
    preset(
        "beale",
        "Lecture: Beale's function",
        "beale",
        cast=_lineup(_BEALE_RATES, "batch_gd", "momentum", "adagrad", "rmsprop", "adam"),
        rates=_BEALE_RATES,
        start=(1.0, 1.4),
        steps=300,
        opening="Beale's function: a flat, curved valley floor between steep walls leads to the minimum.",
        claims=(
            c.DivergesWith(
                "{batch_gd} has to keep its step small ({batch_gd.eta}: at {other} it diverges on the "
                "steep walls) …",
                ("batch_gd",),
                setting="lr",
                value=0.05,
            ),
            c.Misses(
                "… so on the flat floor it crawls: after {steps} steps it is at {batch_gd.end}, not yet "
                "within {tol} of the minimum.",
                ("batch_gd",),
            ),
            c.Before(
                "{adam} ({adam.eta}) divides each step by the size of recent gradients, keeps its steps "
                "long on the flat floor and arrives first, at {adam.reached}.",
                ("adam",),
                than=("batch_gd", "momentum", "adagrad", "rmsprop"),
            ),
            c.Before(
                "{momentum} ({momentum.eta}) gathers speed along the floor and arrives next, at "
                "{momentum.reached}: before {adagrad} ({adagrad.reached}) and {rmsprop} "
                "({rmsprop.reached}).",
                ("momentum",),
                than=("adagrad", "rmsprop", "batch_gd"),
            ),
        ),
    ),
    preset(
        "saddle",
        "Lecture: saddle point",
        "saddle",
        # Batch GD's stop at the saddle is the lesson: drawn last, nobody's path covers it.
        cast=_lineup(_SADDLE_RATES, "sgd", "momentum", "adagrad", "rmsprop", "adam", "batch_gd"),
        rates=_SADDLE_RATES,
        start=(-1.8, 0.001),
        steps=150,
        opening="Everyone starts almost on the ridge between the two minima and heads for the saddle "
        "point at its middle.",
        claims=(
            c.Lingers(
                "{batch_gd} runs into the saddle and nearly stops there ({count} steps within "
                "{radius} of it): the gradient across the ridge is tiny.",
                ("batch_gd",),
                point=(0.0, 0.0),
                radius=0.1,
                at_least=15,
            ),
            c.LeavesWithin(
                "{rmsprop}, {adam} and {adagrad} divide by the gradient's size, so even a tiny gradient "
                "gives a full step: they are off the ridge within {n} steps.",
                ("rmsprop", "adam", "adagrad"),
                coordinate="y",
                beyond=0.5,
                n=15,
            ),
            c.LeavesLast(
                "{momentum} leaves sooner than {batch_gd}, and the noise of {sgd}'s one-example "
                "gradients kicks it off the ridge; {batch_gd} is the last to leave.",
                ("batch_gd",),
                coordinate="y",
                beyond=0.5,
            ),
            # SGD keeps jittering around its minimum: "at" is within a tenth of the way from there.
            c.EndsAtMinimum("Everyone ends at one of the two minima, above or below the saddle.", within=0.1),
        ),
    ),
    preset(
        "stochastic",
        "Lecture: batch, mini-batch and stochastic GD",
        "line_fit",
        cast={
            "batch_gd": runner("batch_gd", lr=0.1),
            "minibatch_gd": runner("minibatch_gd", lr=0.1),
            "sgd": runner("sgd", lr=0.1),
        },
        rates=_LINE_FIT_RATES,
        start=(-2.0, -1.0),
        steps=300,
        opening="Fitting a line to data: each update uses all the examples (batch), a batch of them "
        "(mini-batch) or one (stochastic). The noisier paths are drawn first, under the smoother ones.",
        claims=(
            c.Smooth(
                "{batch_gd} uses the exact gradient: every step goes downhill, straight to the minimum "
                "({batch_gd.reached}).",
                ("batch_gd",),
            ),
            c.Wanders(
                "{sgd} ({sgd.eta}) estimates the gradient from one example: it gets near quickly but "
                "keeps jumping around the minimum (over its last {last} steps it stays further away "
                "than {minibatch_gd} and {batch_gd}).",
                ("sgd",),
                than=("minibatch_gd", "batch_gd"),
                last=50,
            ),
            c.Wanders(
                "{minibatch_gd} averages a batch: a good estimate, so it follows {batch_gd} closely with "
                "a little jitter.",
                ("minibatch_gd",),
                than=("batch_gd",),
                last=50,
            ),
        ),
    ),
    preset(
        "rosenbrock",
        "Rosenbrock's banana valley",
        "rosenbrock",
        cast={
            "batch_gd": runner("batch_gd", lr=0.002),
            "momentum": runner("momentum", lr=0.001),
            "nesterov": runner("nesterov", lr=0.001),
            "adagrad": runner("adagrad", lr=1.0),
            "rmsprop": runner("rmsprop", lr=0.01),
            "adam": runner("adam", lr=0.1),
        },
        rates={"batch_gd": 0.002, "sgd": 0.002, "minibatch_gd": 0.002, "momentum": 0.001}
        | {"adagrad": 1.0, "rmsprop": 0.01, "adam": 0.1},
        start=(-1.2, 1.0),
        steps=800,
        opening="Rosenbrock's banana: finding the valley is easy, following its bend to the minimum is hard.",
        claims=(
            c.FallsBelow(
                "Everyone reaches the valley floor within {n} steps (the loss falls from {start_loss} to "
                "under {value}) …",
                value=5.0,
                n=15,
            ),
            c.FarAt("… but after {n} steps everyone is still more than {distance} from the minimum.", n=100),
            c.Reaches(
                "{momentum}, {nesterov} and {adam} keep their speed along the bend and get there "
                "({momentum.reached}, {nesterov.reached}, {adam.reached}).",
                ("momentum", "nesterov", "adam"),
            ),
            c.Misses(
                "{batch_gd}, which the steep walls hold to a tiny step ({batch_gd.eta}), {adagrad}, whose "
                "steps keep shrinking, and {rmsprop} are still on the way after {steps} steps.",
                ("batch_gd", "adagrad", "rmsprop"),
            ),
        ),
    ),
    preset(
        "himmelblau",
        "Himmelblau's four basins",
        "himmelblau",
        cast={
            "batch_gd": runner("batch_gd", lr=0.01),
            "momentum": runner("momentum", lr=0.002),
            "nesterov": runner("nesterov", lr=0.005),
            "rmsprop": runner("rmsprop", lr=0.05),
            "adam": runner("adam", lr=0.1),
        },
        rates={"batch_gd": 0.01, "sgd": 0.01, "minibatch_gd": 0.01, "momentum": 0.002}
        | {"adagrad": 0.5, "rmsprop": 0.05, "adam": 0.1},
        start=(-4.9, 0.45),
        steps=500,
        opening="Four equally deep minima, and everyone starts at the same point on the left edge. "
        "Click the map near the start: who ends where can change.",
        claims=(
            c.EndsIn("{batch_gd} slides into the nearest basin.", ("batch_gd",), where="nearest"),
            c.EndsIn(
                "{rmsprop} and {adam}, whose steps follow the gradient's sign more than its size, head "
                "down into the bottom-left one.",
                ("rmsprop", "adam"),
                where="left-bottom",
            ),
            c.EndsIn(
                "{momentum} and {nesterov} gather speed and roll over the ridges into basins on the right.",
                ("momentum", "nesterov"),
                where="right",
            ),
            c.AllBasins("Between them, the runners end in all four basins."),
        ),
    ),
    preset(
        "bowl",
        "Ill-conditioned bowl",
        "bowl",
        cast={
            "stable": runner("batch_gd", lr=0.07),
            "unstable": runner("batch_gd", lr=0.09),
            "momentum": runner("momentum", lr=0.02),
            "rmsprop": runner("rmsprop", lr=0.1),
            "adam": runner("adam", lr=0.1),
        },
        rates={"batch_gd": 0.07, "sgd": 0.07, "minibatch_gd": 0.07, "momentum": 0.02}
        | {"adagrad": 1.0, "rmsprop": 0.1, "adam": 0.1},
        options={"kappa": _BOWL_KAPPA, "theta": 0.0},
        start=(-5.0, 2.0),
        steps=200,
        facts={"limit": f"2/κ = {number(2 / _BOWL_KAPPA)}"},
        opening="One direction is κ = {kappa} times more curved than the other: gradient descent is "
        "stable only for η < {limit}.",
        claims=(
            c.ZigZags(
                "{stable} zig-zags across the narrow direction (y changes sign at each of its first {n} "
                "steps) and gets there at {stable.reached} …",
                ("stable",),
                coordinate="y",
                n=10,
            ),
            c.Reaches("", ("stable",)),
            c.Diverges("… while {unstable} diverges (at {unstable.diverged}).", ("unstable",)),
            c.NeverOvershoots(
                "{rmsprop} and {adam} rescale each coordinate and go in without ever overshooting "
                "across the narrow direction.",
                ("rmsprop", "adam"),
                coordinate="y",
            ),
            c.Reaches("", ("rmsprop", "adam")),
            c.SlowerWith(
                "Turn the bowl (θ = {theta}°) and that advantage disappears: {rmsprop} arrives later.",
                ("rmsprop",),
                options=(("theta", 45.0),),
            ),
        ),
    ),
)

PRESETS: dict[str, Preset] = {p.name: p for p in _ALL}
DEFAULT = PRESETS["long_valley"]  # what the app opens with
LECTURE = ("long_valley", "beale", "saddle", "stochastic")


def _race_part(settings: RaceSettings) -> tuple[RaceSettings, tuple[Competitor, ...]]:
    """The settings that make the race: how it is shown, and the runners' colours, aside."""
    rest = replace(settings, view=RaceSettings().view, tol=RaceSettings().tol, competitors=())
    return rest, tuple(replace(c, color=None) for c in settings.competitors)


def matching(settings: RaceSettings) -> str | None:
    """The preset whose race these settings are (display settings aside), if any."""
    mine = _race_part(settings)
    for p in _ALL:
        if _race_part(p.settings) == mine:
            return p.name
    return None


def lecture_seven(surface: str) -> tuple[Competitor, ...]:
    """The lecture's seven optimizers with the learning rates the first preset on `surface` found for
    them (the optimizers' defaults on a surface without a preset)."""
    rates = next((p.rates for p in _ALL if p.settings.surface == surface), {})
    return tuple(
        runner(name, lr=rates[name]) if name in rates else default_competitor(name)
        for name in LECTURE_OPTIMIZERS
    )
