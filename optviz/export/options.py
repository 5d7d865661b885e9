"""What an export shows and how long it runs: `ExportOptions`, the server-protecting caps, and the
frame schedule (which step each frame shows)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from optviz.checks import Flag
from surfaces.ranges import finite_number, whole_number

VIEWS = ("contour", "3d")
RESOLUTIONS: dict[str, tuple[int, int]] = {"720p": (1280, 720), "1080p": (1920, 1080)}

# Caps: one export request must not tie up a shared server for minutes or fill its memory.
MAX_RESOLUTION = "1080p"
MAX_FPS = 60
MAX_DURATION_S = 120.0
MAX_FRAMES = 3600  # 2 minutes at 30 frames per second
# With neither a duration nor steps per frame, one step per frame, but a long race is sped up to fit.
AUTO_MAX_DURATION_S = 15.0
GIF_END_HOLD_S = 1.5  # a looping GIF rests on its last frame before starting again


_whole = whole_number


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _flag(name: str, value: Any) -> None:
    Flag().check(name, value)


@dataclass(frozen=True)
class ExportOptions:
    """How a race is exported; every field is checked when the options are made.

    view              "contour" (the map) or "3d" (the surface, with a slowly turning camera)
    fps               frames per second of the GIF, MP4 and HTML animation
    duration          seconds the animation lasts; or
    steps_per_frame   optimizer steps advanced per frame (give at most one of the two; with neither, one
                      step per frame, sped up to last at most AUTO_MAX_DURATION_S)
    resolution        "720p" (1280 x 720) or "1080p" (1920 x 1080)
    trail             iterates behind each head that stay drawn; None draws the whole path so far
    legend, step_counter, loss_inset    what the side panel shows
    step_range        (first, last) step animated; None is the whole race
    step              the step a PNG shows; None is the last step of the range
    """

    view: str = "contour"
    fps: int = 30
    duration: float | None = None
    steps_per_frame: int | None = None
    resolution: str = "720p"
    trail: int | None = None
    legend: bool = True
    step_counter: bool = True
    loss_inset: bool = True
    step_range: tuple[int, int] | None = None
    step: int | None = None

    def __post_init__(self) -> None:
        _choice("view", self.view, VIEWS)
        _choice("resolution", self.resolution, tuple(RESOLUTIONS))
        _whole("fps", self.fps, 1, MAX_FPS)
        if self.duration is not None:
            d = finite_number("duration (seconds)", self.duration)
            if not 0 < d <= MAX_DURATION_S:
                raise ValueError(f"duration must be > 0 and at most {MAX_DURATION_S:g} seconds, got {d:g}")
        if self.steps_per_frame is not None:
            _whole("steps_per_frame", self.steps_per_frame, 1)
        if self.duration is not None and self.steps_per_frame is not None:
            raise ValueError("give duration or steps_per_frame, not both")
        if self.trail is not None:
            _whole("trail", self.trail, 1)
        for name in ("legend", "step_counter", "loss_inset"):
            _flag(name, getattr(self, name))
        if self.step_range is not None:
            try:
                first, last = self.step_range
            except (TypeError, ValueError):
                raise ValueError(
                    f"step_range must be a pair (first, last), got {self.step_range!r}"
                ) from None
            _whole("step_range first", first, 0)
            _whole("step_range last", last, 0)
            if last <= first:
                raise ValueError(f"step_range must have first < last, got ({first}, {last})")
            # A list or numpy integers become a plain tuple: the options stay hashable and comparable.
            object.__setattr__(self, "step_range", (int(first), int(last)))
        if self.step is not None:
            _whole("step", self.step, 0)

    @property
    def size(self) -> tuple[int, int]:
        """Width and height in pixels (both even, as H.264 in yuv420p needs)."""
        return RESOLUTIONS[self.resolution]

    def steps_range(self, steps: int) -> tuple[int, int]:
        """The animated range in a race of `steps` updates, checked against it."""
        if self.step_range is None:
            return 0, steps
        first, last = self.step_range
        if last > steps:
            raise ValueError(f"step_range ({first}, {last}) goes beyond the race's {steps} steps")
        return first, last

    def png_step(self, steps: int) -> int:
        first, last = self.steps_range(steps)
        if self.step is None:
            return last
        if not first <= self.step <= last:
            raise ValueError(f"step must be within the step range {first}..{last}, got {self.step}")
        return self.step


def frame_steps(options: ExportOptions, steps: int) -> np.ndarray:
    """The step shown by each frame, from the first to the last step of the range (both included)."""
    first, last = options.steps_range(steps)
    span = last - first
    if options.duration is not None:
        count = max(2, round(options.duration * options.fps))
    elif options.steps_per_frame is not None:
        count = math.ceil(span / options.steps_per_frame) + 1
    else:
        count = min(span + 1, max(2, round(AUTO_MAX_DURATION_S * options.fps)))
    if count > MAX_FRAMES:
        raise ValueError(
            f"the export would have {count} frames, at most {MAX_FRAMES}: "
            "use a shorter duration or more steps per frame"
        )
    if options.steps_per_frame is not None:
        return np.minimum(first + options.steps_per_frame * np.arange(count), last)
    # Evenly spread; with more frames than steps some steps are shown twice (a slow-motion race).
    return np.rint(np.linspace(first, last, count)).astype(np.int64)
