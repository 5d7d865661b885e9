"""Races in notebooks and scripts: `optviz.race(...)` runs several optimizers on one surface and
returns a `RaceView`, which Jupyter shows with the app's own race player (JupyterLab, Notebook 7,
VS Code, Colab), exports like the app (GIF, MP4, HTML, PNG, CSV, JSON) and holds every runner's data.

>>> r = optviz.race(["adam", "momentum", {"optimizer": "adam", "lr": 0.2}], "beale", steps=300)
>>> r                      # in a notebook: the player (needs anywidget: pip install "optviz[notebook]")
>>> r.runners[0].xy        # (301, 2): the start, then each iterate
>>> r.to_gif("beale.gif")

The arguments become a `RaceSettings`, checked by the same code as a link or a JSON file, so a race
made here can be opened in the app (`r.settings.to_json()`). The player is imported only when a race
is shown (`optviz.notebook.widget`), so `import optviz` stays quick and the app never loads anywidget.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import surfaces
from optviz.api import Settings, Trajectory
from optviz.engine.optimizers import OPTIMIZERS
from optviz.params import HYPERPARAMETERS
from optviz.racing import Race, run_race
from optviz.settings import (
    BATCH,
    CUSTOM,
    EPS_PLACEMENT,
    MAX_COMPETITORS,
    OPTIMIZER,
    SEED,
    STEPS,
    Competitor,
    RaceSettings,
    start_ranges,
)

if TYPE_CHECKING:
    from optviz.export import ExportOptions
    from optviz.notebook.widget import RaceWidget

__all__ = ["RaceRunner", "RaceView", "race"]

INSTALL_HINT = (
    'the notebook player needs anywidget: pip install "optviz[notebook]" (or pip install anywidget)'
)
_SHARED = ("lr", "gamma", "beta1", "beta2", "eps", "weight_decay", "batch_size")
_KEYWORDS = ("start", "steps", *_SHARED, "eps_placement", "n_examples", "spread", "seed")
_COMPETITOR_KEYS = tuple(f.name for f in fields(Competitor))


@dataclass(frozen=True)
class RaceRunner:
    """One competitor's run: its label and colour (as in every legend of the race), the competitor
    as it raced (every setting written out) and its trajectory (`optviz.run`'s result)."""

    label: str
    color: str
    competitor: Competitor
    trajectory: Trajectory

    @property
    def optimizer(self) -> str:
        return self.competitor.optimizer

    @property
    def settings(self) -> Settings:
        """The run's settings: `optviz.run(**runner.settings.as_kwargs())` reproduces it."""
        return self.trajectory.settings

    @property
    def xy(self) -> np.ndarray:
        """(steps + 1, 2): the start, then each iterate."""
        return self.trajectory.xy

    @property
    def loss(self) -> np.ndarray:
        return self.trajectory.loss

    @property
    def grad(self) -> np.ndarray:
        return self.trajectory.grad

    @property
    def rate(self) -> np.ndarray:
        return self.trajectory.rate

    @property
    def diverged_at(self) -> int | None:
        return self.trajectory.diverged_at

    @property
    def final_loss(self) -> float:
        return float(self.trajectory.loss[-1])

    def steps_to(self, tol: float) -> int | None:
        """The first iterate whose loss is within `tol` of the surface's minimum, or None."""
        return self.trajectory.steps_to(tol)


class RaceView:
    """A race as a notebook shows it: Jupyter draws it with the race player (play, pause, scrub,
    speed, the contour map, the 3-D surface and the curves; a click on the map restarts the race
    from there), and it offers the race's data (`runners`, `settings`, `surface`) and its exports
    (`to_gif`, `to_mp4`, `to_html`, `to_png`, `to_csv`, `to_json`).

    A click on the map in the player reruns the race from the clicked point: this object then holds
    the new race, so its data and exports are what the player shows.
    """

    def __init__(self, race: Race) -> None:
        self._race = race
        self._widget: RaceWidget | None = None

    # --- the data ------------------------------------------------------------------------------------

    @property
    def race(self) -> Race:
        """The race as the app's code has it (`optviz.racing.Race`)."""
        return self._race

    @property
    def settings(self) -> RaceSettings:
        """Everything that decides the race; `settings.to_json()` is the app's JSON settings."""
        return self._race.settings

    @property
    def surface(self) -> surfaces.Surface:
        return self._race.surface

    @property
    def steps(self) -> int:
        return self._race.settings.steps

    @property
    def start(self) -> tuple[float, float]:
        return self._race.settings.start

    @property
    def runners(self) -> tuple[RaceRunner, ...]:
        return tuple(RaceRunner(r.label, r.color, r.competitor, r.trajectory) for r in self._race.runners)

    def __getitem__(self, label: str) -> RaceRunner:
        """The runner with this label (as in the legend), e.g. `r["Adam"]`."""
        for runner in self.runners:
            if runner.label == label:
                return runner
        known = ", ".join(repr(r.label) for r in self._race.runners)
        raise KeyError(f"no runner {label!r}; the runners are {known}")

    def __len__(self) -> int:
        return len(self._race.runners)

    def __repr__(self) -> str:
        s = self.settings
        head = f"<optviz race on {self.surface.title}: {s.steps} steps from ({s.start[0]:g}, {s.start[1]:g})>"
        rows = []
        for r in self.runners:
            end = (
                f"diverged at step {r.diverged_at}"
                if r.diverged_at is not None
                else f"loss {r.final_loss:.4g}"
            )
            rows.append(f"  {r.label}: {end}")
        return "\n".join([head, *rows])

    # --- exports ------------------------------------------------------------------------------------

    def to_gif(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """An animated GIF; `options` are `optviz.export.ExportOptions`'s (view="3d", fps, duration,
        steps_per_frame, resolution, trail, legend, step_counter, loss_inset, step_range)."""
        return self._export("gif", path, options)

    def to_mp4(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """An MP4 video (H.264); the same options as `to_gif`."""
        return self._export("mp4", path, options)

    def to_html(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """An interactive page that plays offline; the same options as `to_gif`."""
        return self._export("html", path, options)

    def to_png(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """One frame as a PNG image (`step=k`: the k-th step; the last by default)."""
        return self._export("png", path, options)

    def to_csv(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """Every runner's iterates, one row per runner and step (`step_range=(first, last)`)."""
        return self._export("csv", path, options)

    def to_json(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """The settings (which the app and `optviz export --config` read back) and every path."""
        return self._export("json", path, options)

    def _export(self, fmt: str, path: str | os.PathLike[str], options: Mapping[str, Any]) -> Path:
        from optviz.export import write_export

        target = Path(path)
        write_export(self._race, fmt, target, export_options(options))
        return target

    # --- the player ---------------------------------------------------------------------------------

    @property
    def widget(self) -> RaceWidget:
        """The player as a Jupyter widget (anywidget), made on first use; `display(r.widget)` or put it
        in an ipywidgets layout. Raises ImportError when anywidget is not installed."""
        if self._widget is None:
            try:
                from optviz.notebook.widget import RaceWidget
            except ModuleNotFoundError as error:
                if error.name not in ("anywidget", "ipywidgets", "traitlets"):
                    raise
                raise ImportError(INSTALL_HINT) from error
            self._widget = RaceWidget(self._payload(), on_message=self._message)
        return self._widget

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        text = repr(self)
        try:
            widget = self.widget
        except ImportError as error:
            return {"text/plain": f"{text}\n({error})"}
        bundle = widget._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        return {**data, "text/plain": text}

    def _payload(self) -> dict[str, Any]:
        from optviz.views.player import payload

        return payload(self._race, self._race.settings.view, clickable=True)

    def _message(self, event: str, value: Any) -> None:
        """A message from the player: "start" {x, y} (the map was clicked) reruns the race from there."""
        if event != "start":
            return
        from optviz.views.player import clicked_point

        point = clicked_point(value)
        if point is None or self._widget is None:
            return
        try:
            self.restart(point)
        except ValueError as error:
            self._widget.notice = f"Cannot start at ({point[0]:g}, {point[1]:g}): {error}"
            return
        self._widget.notice = ""

    def restart(self, start: tuple[float, float]) -> RaceView:
        """Runs the race again from `start` (what a click on the player's map does); this object and
        its player show the new race. Returns this object."""
        rx, ry = start_ranges(self.surface)
        try:
            x, y = start
        except (TypeError, ValueError):
            raise ValueError(f"start must be a pair (x, y), got {start!r:.60}") from None
        settings = replace(self.settings, start=(rx.check("start x", x), ry.check("start y", y)))
        self._race = run_race(settings)
        if self._widget is not None:
            self._widget.data = self._payload()
        return self


def export_options(options: Mapping[str, Any]) -> ExportOptions:
    """Export options from keyword arguments; an unknown one is a ValueError listing the known ones."""
    from optviz.export import ExportOptions

    known = [f.name for f in fields(ExportOptions)]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ValueError(f"unknown export option {unknown[0]!r} (known: {', '.join(known)})")
    return ExportOptions(**options)


# --- optviz.race -------------------------------------------------------------------------------------


def _surface_fields(surface: Any) -> dict[str, Any]:
    """The JSON settings' surface fields for a surface given by name or as a `surfaces.Surface`."""
    if not isinstance(surface, surfaces.Surface):
        return {"surface": surface}
    if surface.formula:
        return {
            "surface": CUSTOM,
            "custom": {
                "text": surface.formula,
                "domain": [list(surface.domain[0]), list(surface.domain[1])],
                "minima": [list(m) for m in surface.minima],
            },
        }
    own = surfaces.SURFACES.get(surface.name)
    if own is None or own.function is not surface.function:
        known = ", ".join(surfaces.SURFACES)
        raise ValueError(
            f"surface {surface.name!r} cannot be raced: use a built-in surface ({known}) "
            "or surfaces.from_formula(...)"
        )
    return {"surface": surface.name, "surface_options": dict(surface.options)}


def _entry(i: int, item: Any) -> dict[str, Any]:
    """One competitor of `optimizers` as a JSON settings entry."""
    where = f"optimizers[{i}]"
    if isinstance(item, str):
        entry: dict[str, Any] = {"optimizer": item}
    elif isinstance(item, Competitor):
        entry = {k: v for k, v in vars(item).items() if v is not None}
    elif isinstance(item, Mapping):
        entry = dict(item)
        unknown = sorted(str(k) for k in entry if k not in _COMPETITOR_KEYS)
        if unknown:
            raise ValueError(
                f"{where}: unknown setting {unknown[0]!r} (known: {', '.join(_COMPETITOR_KEYS)})"
            )
    else:
        raise ValueError(
            f"{where} must be an optimizer name, a dict or a Competitor, got {item!r:.60}; "
            f"optimizers are {', '.join(OPTIMIZERS)}"
        )
    name = OPTIMIZER.check(f"{where}'s optimizer", entry.get("optimizer"))
    # Every value given is checked, also one its optimizer does not use (as optviz.run does).
    for hyper, param in HYPERPARAMETERS.items():
        if entry.get(hyper) is not None:
            try:
                param.check(entry[hyper])
            except ValueError as error:
                raise ValueError(f"{where} ({name}): {error}") from None
    return entry


def race(
    optimizers: str | Iterable[str | Mapping[str, Any] | Competitor],
    surface: str | surfaces.Surface = "beale",
    start: tuple[float, float] | None = None,
    steps: int = 300,
    *,
    lr: float | None = None,
    gamma: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    eps: float | None = None,
    weight_decay: float | None = None,
    eps_placement: str = "inside",
    batch_size: int | str | None = None,
    n_examples: int | None = None,
    spread: float | None = None,
    seed: int = 0,
    **extra: Any,
) -> RaceView:
    """Race `optimizers` on `surface` from `start` for `steps` updates; in a notebook the result
    shows the race player.

    `optimizers` lists the competitors: optimizer names, dicts of one competitor's settings
    (`{"optimizer": "adam", "lr": 0.2}`: any of optimizer, lr, gamma, beta1, beta2, eps,
    weight_decay, batch_size, color) or `optviz.settings.Competitor`s; the same optimizer may run
    more than once with other settings (1 to 10 competitors). The keyword hyperparameters apply to
    every competitor that uses them and does not set its own; left out, each takes its optimizer's
    default. The other arguments are `optviz.run`'s: `surface` a name or a `surfaces.Surface`
    (a built-in one with options, or `surfaces.from_formula(...)`); `start` None for the surface's
    own; `eps_placement` "inside" or "outside"; `batch_size` None (each optimizer's own), "full" or
    a number; `n_examples`, `spread` and `seed` the stochastic examples. A bad argument raises
    ValueError naming it and what is allowed.
    """
    if extra:
        name = sorted(extra)[0]
        raise ValueError(
            f"unknown parameter {name!r}; optviz.race takes optimizers, surface, {', '.join(_KEYWORDS)}"
        )
    if isinstance(optimizers, str | Mapping | Competitor):
        optimizers = [optimizers]
    try:
        items = list(optimizers)
    except TypeError:
        raise ValueError(
            f"optimizers must be a list of optimizer names, dicts or Competitors, got {optimizers!r:.60}"
        ) from None
    if not 1 <= len(items) <= MAX_COMPETITORS:
        raise ValueError(f"optimizers must list 1 to {MAX_COMPETITORS} competitors, got {len(items)}")
    entries = [_entry(i, item) for i, item in enumerate(items)]

    shared: dict[str, Any] = {}
    for name, value in zip(_SHARED, (lr, gamma, beta1, beta2, eps, weight_decay, batch_size), strict=True):
        if value is not None:
            shared[name] = (
                BATCH.check(name, value) if name == "batch_size" else HYPERPARAMETERS[name].check(value)
            )
    for entry in entries:
        for name, value in shared.items():
            if entry.get(name) is None:
                entry[name] = value

    data: dict[str, Any] = {
        **_surface_fields(surface),
        "steps": STEPS.check("steps", steps),
        "eps_placement": EPS_PLACEMENT.check("eps_placement", eps_placement),
        "seed": SEED.check("seed", seed),
        "n_examples": n_examples,
        "spread": spread,
        "competitors": entries,
    }
    if start is None and isinstance(surface, surfaces.Surface):
        start = surface.start  # a formula's own start
    if start is not None:
        data["start"] = list(start) if isinstance(start, np.ndarray) else start
    settings = RaceSettings.from_json(data)
    return RaceView(run_race(settings))
