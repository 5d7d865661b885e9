"""Where the exports put the marks that need a decision: a diverged run's end mark, the loss inset's
range. Shared by the video frames and the interactive page so both show the same."""

from __future__ import annotations

import numpy as np

from optviz.racing import Race, Runner
from optviz.views import figures
from surfaces import Surface

TURN_DEG_PER_S = 3.0  # the 3-D camera's slow turn, the same in the video and on the page
INSET_DECADES = 14  # the loss inset shows at most this many decades below its top
INSET_HEADROOM = 30.0  # above the highest starting loss: room for a run that climbs before it descends


def azimuth(seconds: float) -> float:
    """The 3-D camera's azimuth in degrees at time `seconds`: the app's view, turning slowly."""
    return figures.CAMERA[0] + TURN_DEG_PER_S * seconds


def lift(surface: Surface) -> float:
    """How far above the drawn 3-D surface paths and marks sit, so the surface does not hide them
    (the player lifts them by the same share of the colour scale)."""
    scale = figures.color_scale(surface)
    return figures.LIFT * (scale.high - scale.low)


def _inside(surface: Surface, p: np.ndarray) -> bool:
    (x0, x1), (y0, y1) = surface.domain
    return bool(x0 <= p[0] <= x1 and y0 <= p[1] <= y1)


def _exit(surface: Surface, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Where the segment from `a` (inside the domain) to `b` (outside) crosses the domain's edge."""
    (x0, x1), (y0, y1) = surface.domain
    t = 1.0
    for lo, hi, pa, pb in ((x0, x1, a[0], b[0]), (y0, y1, a[1], b[1])):
        d = pb - pa
        if d > 0 and pb > hi:
            t = min(t, (hi - pa) / d)
        elif d < 0 and pb < lo:
            t = min(t, (lo - pa) / d)
    return a + t * (b - a)


def end_point(surface: Surface, runner: Runner) -> np.ndarray:
    """Where a diverged run's end mark goes: its last good iterate, or where its path left the map
    when that iterate is off the map (so the mark and its note are always seen)."""
    t = runner.trajectory
    d = t.diverged_at
    last = t.xy[(t.steps if d is None else d - 1)]
    if _inside(surface, last):
        return last
    path = t.xy[: (t.steps if d is None else d - 1) + 1]
    inside = [i for i in range(len(path) - 1, -1, -1) if _inside(surface, path[i])]
    if not inside:
        (x0, x1), (y0, y1) = surface.domain
        return np.array([min(max(last[0], x0), x1), min(max(last[1], y0), y1)])
    j = inside[0]
    return _exit(surface, path[j], path[j + 1])


def loss_gap(race: Race, runner: Runner) -> np.ndarray:
    """f - f* per iterate up to the last good one (the rows after a divergence only repeat it)."""
    gap = figures.loss_gap(race, runner)
    d = runner.trajectory.diverged_at
    return gap if d is None else gap[:d]


def inset_range(race: Race) -> tuple[float, float]:
    """The inset's log-axis range: from the lowest loss reached (at most INSET_DECADES below the top) to
    above every run that did not diverge; a diverging run's curve leaves through the top."""
    gaps = [loss_gap(race, r) for r in race.runners]
    kept = [g for g, r in zip(gaps, race.runners, strict=True) if r.trajectory.diverged_at is None] or gaps
    top = max(max(float(g[0]) for g in gaps) * INSET_HEADROOM, max(float(g.max()) for g in kept) * 2.0)
    bottom = max(min(float(g.min()) for g in gaps) / 2.0, top * 10.0**-INSET_DECADES)
    if not bottom < top:
        bottom = top / 10.0
    return bottom, top


def note_anchor(surface: Surface, point: np.ndarray) -> tuple[str, str, float, float]:
    """Alignment (ha, va) and offset direction of a note at `point`, turned away from the nearest
    edges so the text stays on the map."""
    (x0, x1), (y0, y1) = surface.domain
    fx = (point[0] - x0) / (x1 - x0)
    fy = (point[1] - y0) / (y1 - y0)
    ha = "left" if fx < 0.2 else "right" if fx > 0.8 else "center"
    below = fy > 0.85
    dx = 1.0 if ha == "left" else -1.0 if ha == "right" else 0.0
    return ha, "top" if below else "bottom", dx, -1.0 if below else 1.0
