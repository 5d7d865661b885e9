"""Ready-made races: the lecture's three comparison slides and a few more worth teaching.

Each preset is complete `AppSettings` (surface, options, start, steps and every competitor's
hyperparameters), written out rather than left to defaults so that it keeps showing its phenomenon
if a default changes; tests/test_presets.py checks that every one still does. The learning rates
are each optimizer's own good value for the surface, not one shared value: an adaptive method's eta
is a step length, plain gradient descent's multiplies the gradient, so the same number means
different things.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from optviz.race import Competitor
from optviz.settings_url import AppSettings, default_competitor


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    watch: str  # what to look for, shown to students while the preset is loaded
    settings: AppSettings


def runner(optimizer: str, **settings: float | int | str) -> Competitor:
    """A competitor with the optimizer's defaults except the settings given."""
    return replace(default_competitor(optimizer), **settings)


def race(
    surface: str,
    *competitors: Competitor,
    start: tuple[float, float],
    steps: int,
    options: dict[str, float] | None = None,
) -> AppSettings:
    """Settings for a race on `surface`; options not given, and the spread, are the surface's own."""
    base = AppSettings().with_surface(surface)
    merged = dict(base.surface_options) | (options or {})
    return replace(
        base, surface_options=tuple(merged.items()), start=start, steps=steps, competitors=competitors
    )


_ALL = (
    Preset(
        "long_valley",
        "Lecture: long valley",
        "Batch GD, with eta just under the walls' limit 1/c, bounces from wall to wall and then creeps "
        "along the floor at eta·s per step. Momentum, with a smaller eta, builds up speed along the floor "
        "(eta·s / (1 − γ)) and arrives long before. The adaptive methods scale each coordinate's step "
        "and go straight down the valley. SGD and mini-batch GD add noise to Batch GD's path.",
        race(
            "long_valley",
            runner("batch_gd", lr=0.095),
            runner("sgd", lr=0.095),
            runner("minibatch_gd", lr=0.095),
            runner("momentum", lr=0.02),
            runner("adagrad", lr=1.0),
            runner("rmsprop", lr=0.1),
            runner("adam", lr=0.2),
            options={"slope": 1.0, "wall": 10.0},
            start=(-18.0, 2.0),
            steps=150,
        ),
    ),
    Preset(
        "beale",
        "Lecture: Beale's function",
        "Batch GD has to keep eta small (at 0.05 it diverges on the steep walls), so it crawls along "
        "the flat, curved floor of the valley towards (3, 0.5). Adagrad, RMSProp and Adam divide each "
        "step by the size of recent gradients: on the flat floor their steps stay long and they arrive "
        "first.",
        race(
            "beale",
            runner("batch_gd", lr=0.01),
            runner("sgd", lr=0.01),
            runner("minibatch_gd", lr=0.01),
            runner("momentum", lr=0.005),
            runner("adagrad", lr=1.0),
            runner("rmsprop", lr=0.05),
            runner("adam", lr=0.2),
            start=(1.0, 1.4),
            steps=300,
        ),
    ),
    Preset(
        "saddle",
        "Lecture: saddle point",
        "Started almost on the ridge, Batch GD runs into the saddle at the origin and nearly stops "
        "there: the gradient across the ridge is tiny. RMSProp and Adam divide by the gradient's size, "
        "so even a tiny gradient gives a full step and they leave at once; momentum leaves sooner than "
        "GD; the noise of SGD kicks it off the ridge.",
        race(
            "saddle",
            runner("batch_gd", lr=0.05),
            runner("sgd", lr=0.05),
            runner("minibatch_gd", lr=0.05),
            runner("momentum", lr=0.05),
            runner("adagrad", lr=0.5),
            runner("rmsprop", lr=0.05),
            runner("adam", lr=0.05),
            start=(-1.8, 0.001),
            steps=150,
        ),
    ),
    Preset(
        "rosenbrock",
        "Rosenbrock's banana valley",
        "Everyone reaches the valley floor within a few steps (the loss falls from 24 to under 5); "
        "the floor then bends and is almost flat, and getting along it to (1, 1) takes hundreds of "
        "steps. Momentum, Nesterov and Adam keep their speed along the bend; Batch GD, which the steep "
        "walls hold to a tiny eta, and Adagrad, whose steps keep shrinking, are still on the way.",
        race(
            "rosenbrock",
            runner("batch_gd", lr=0.002),
            runner("momentum", lr=0.001),
            runner("nesterov", lr=0.001),
            runner("adagrad", lr=1.0),
            runner("rmsprop", lr=0.01),
            runner("adam", lr=0.1),
            start=(-1.2, 1.0),
            steps=800,
        ),
    ),
    Preset(
        "himmelblau",
        "Himmelblau's four basins",
        "Four equally deep minima, and every runner starts at the same point on the left edge. Batch GD "
        "slides into the nearest basin (top left); RMSProp and Adam, whose steps follow the gradient's "
        "sign more than its size, head down into the bottom-left one; Momentum and Nesterov gather speed "
        "and roll over the ridges into the two basins on the right. Click the map near the start: who "
        "ends where can change.",
        race(
            "himmelblau",
            runner("batch_gd", lr=0.01),
            runner("momentum", lr=0.002),
            runner("nesterov", lr=0.005),
            runner("rmsprop", lr=0.05),
            runner("adam", lr=0.1),
            start=(-4.9, 0.45),
            steps=500,
        ),
    ),
    Preset(
        "bowl",
        "Ill-conditioned bowl",
        "Curvatures 1 and κ = 25: gradient descent is stable only for eta < 2/κ = 0.08. At eta = 0.07 "
        "it zig-zags across the narrow direction and crawls along the wide one; at 0.09 it diverges. "
        "RMSProp and Adam rescale each coordinate and go almost straight in; turn the bowl (θ = 45°) "
        "and that advantage disappears.",
        race(
            "bowl",
            runner("batch_gd", lr=0.07),
            runner("batch_gd", lr=0.09),
            runner("momentum", lr=0.02),
            runner("rmsprop", lr=0.1),
            runner("adam", lr=0.1),
            options={"kappa": 25.0, "theta": 0.0},
            start=(-5.0, 2.0),
            steps=200,
        ),
    ),
)

PRESETS: dict[str, Preset] = {p.name: p for p in _ALL}
DEFAULT = PRESETS["long_valley"]  # what the app opens with


def matching(settings: AppSettings) -> str | None:
    """The preset whose race these settings are (display settings aside), if any."""
    for preset in _ALL:
        if replace(settings, view=preset.settings.view, tol=preset.settings.tol) == preset.settings:
            return preset.name
    return None
