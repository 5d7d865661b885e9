"""A race's settings as one frozen value, and its JSON form.

`RaceSettings` holds everything that decides a race (the surface, the start, the steps, the
stochastic examples, every competitor) and how it is shown (`View`, the results' tolerance). Its
values are always concrete, never "the default", so the same settings give the same race even if a
default changes. The views of it are derived from its fields, not listed again:

- the link (`optviz.link`): each field's `key` and `kind` in its metadata;
- the JSON export, the command line's `--config` and the JSON import (`to_json` / `from_json`):
  the fields marked `race`, under their own names;
- the stability map's request (`optviz.app.map_tab`) and the race cache's key: `race_part()`.

Adding a race setting: the field (with its key and kind), the code that uses it, its widget, and
rows in the tests (tests/test_link_ranges.py, and the link's keys in tests/test_link.py); README's
"Where to change what" lists the files a setting that `optviz.run` does not take yet also touches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

import surfaces
from optviz.checks import BatchSize, Choice, Domain, Flag, Points, Real, Text, Whole
from optviz.engine.optimizers import LECTURE_OPTIMIZERS, OPTIMIZERS
from optviz.params import HYPERPARAMETERS, SYMBOLS
from optviz.views.style import PALETTE
from surfaces.finite_sum import DEFAULT_EXAMPLES
from surfaces.formula import DEFAULT_DOMAIN
from surfaces.formula import MAX_LENGTH as MAX_FORMULA_LENGTH

Box = tuple[tuple[float, float], tuple[float, float]]
CUSTOM = "custom"  # the surface name of a typed formula

# Limits that protect a server (optviz.limits lists them with their reasons).
MAX_STEPS = 2000  # the page carries every iterate of every competitor; more steps crowd the views
MAX_EXAMPLES = 10_000
MAX_COMPETITORS = 10

# The kinds of value of the settings (optviz.checks).
STEPS = Whole(1, MAX_STEPS)
N_EXAMPLES = Whole(1, MAX_EXAMPLES)
BATCH = BatchSize(Whole(1, MAX_EXAMPLES))
SPREAD = Real(0.0)
SEED = Whole(0, 2**31 - 1)
TOL = Real(0.0, low_open=True)
TRAIL = Whole(0, MAX_STEPS)
SPEEDS = (1, 2, 5, 10, 20, 30, 60, 120, 240)  # the player's speed menu, in steps per second
SPEED = Whole(1, max(SPEEDS))
EPS_PLACEMENT = Choice(("inside", "outside"), "eps placement")
SURFACE = Choice((*surfaces.SURFACES, CUSTOM), "surface")
OPTIMIZER = Choice(tuple(OPTIMIZERS), "optimizer")
COLOR = Whole(0, len(PALETTE) - 1)
COORDINATE = Real(-1e6, 1e6)
FORMULA = Text(MAX_FORMULA_LENGTH)
DOMAIN = Domain(COORDINATE)
MINIMA = Points(COORDINATE)
FLAG = Flag()
LR = HYPERPARAMETERS["lr"].allowed


def setting(default: Any = None, *, key: str, kind: Any, race: bool = True, factory: Any = None) -> Any:
    """A field that is one value of one kind, written in the link under `key`; `race`: it changes
    the race (it is in the JSON settings), rather than only how the race is shown."""
    metadata = {"key": key, "kind": kind, "race": race}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def simple_fields(cls: type) -> list[Any]:
    """The fields of `cls` that are one value of one kind (those made with `setting`)."""
    return [f for f in fields(cls) if "key" in f.metadata]


# --- competitors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Competitor:
    """One runner: an optimizer with its own hyperparameters (None: the optimizer's default)."""

    optimizer: str
    lr: float | None = None
    gamma: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    eps: float | None = None
    weight_decay: float | None = None
    batch_size: int | str | None = None  # None: the optimizer's own; "full" or an int
    # Its slot in `style.PALETTE`, kept for its whole life (None: given one when it joins a race).
    color: int | None = None

    @property
    def title(self) -> str:
        return OPTIMIZERS[self.optimizer].title

    def hyperparameters(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in HYPERPARAMETERS}

    def concrete(self) -> Competitor:
        """The same competitor with every setting its optimizer uses written out (None: the
        optimizer's default), so that equal races have equal competitors."""
        opt = OPTIMIZERS[self.optimizer]
        values = {name: self.value(name) for name in opt.uses}
        batch = self.value("batch_size")
        return replace(self, batch_size="full" if batch is None else batch, **values)

    def value(self, name: str) -> Any:
        """A hyperparameter or the batch size as it races: its own value, else the optimizer's."""
        opt = OPTIMIZERS[self.optimizer]
        if name == "batch_size":
            return self.batch_size if self.batch_size is not None else opt.batch_size
        value = getattr(self, name)
        return value if value is not None else opt.defaults.get(name)


# Each optimizer's own colour slot: the lecture's seven in order, their relatives after them, so that
# one optimizer has the same colour in every race where its slot is free.
_OWN_COLOR = {name: i for i, name in enumerate(LECTURE_OPTIMIZERS)}


def own_color(optimizer: str) -> int:
    if optimizer in _OWN_COLOR:
        return _OWN_COLOR[optimizer]
    others = [name for name in OPTIMIZERS if name not in _OWN_COLOR]
    free = len(PALETTE) - len(_OWN_COLOR)
    return len(_OWN_COLOR) + others.index(optimizer) % free


def assign_colors(competitors: tuple[Competitor, ...]) -> tuple[Competitor, ...]:
    """Every competitor with a colour slot of its own. One that has a free slot keeps it; the others
    (new ones, or a later one repeating a slot) take their optimizer's own colour if it is free, and
    the rest the first free slots."""
    slots: list[int | None] = []
    taken: set[int] = set()
    for c in competitors:
        valid = isinstance(c.color, int) and 0 <= c.color < len(PALETTE) and c.color not in taken
        slots.append(c.color if valid else None)
        if valid:
            taken.add(c.color)
    for i, c in enumerate(competitors):
        own = own_color(c.optimizer)
        if slots[i] is None and own not in taken:
            slots[i] = own
            taken.add(own)
    free = iter([k for k in range(len(PALETTE)) if k not in taken])
    out = []
    for c, slot in zip(competitors, slots, strict=True):
        # More competitors than colours cannot happen in a race (MAX_COMPETITORS); 0 keeps it total.
        slot = next(free, 0) if slot is None else slot
        out.append(c if c.color == slot else replace(c, color=slot))
    return tuple(out)


def labels(competitors: tuple[Competitor, ...]) -> list[str]:
    """Titles; where one optimizer runs more than once, each with the first setting in which its
    runs differ ("Adam (η=0.2)"), or numbered where they do not differ at all."""
    out = []
    for c in competitors:
        twins = [d for d in competitors if d.optimizer == c.optimizer]
        if len(twins) == 1:
            out.append(c.title)
            continue
        names = (*OPTIMIZERS[c.optimizer].uses, "batch_size")
        differing = next((n for n in names if len({repr(d.value(n)) for d in twins}) > 1), None)
        if differing is None:
            out.append(c.title)
        elif differing == "batch_size":
            out.append(f"{c.title} (B={c.value('batch_size')})")
        else:
            out.append(f"{c.title} ({SYMBOLS[differing]}={c.value(differing):g})")
    # Still ambiguous (the same settings twice): number them.
    return [f"{t} #{out[:i].count(t) + 1}" if out.count(t) > 1 else t for i, t in enumerate(out)]


def default_competitor(optimizer: str) -> Competitor:
    """The optimizer with every hyperparameter it uses, and its batch size, set to its defaults, in
    its own colour (a race where another competitor has that colour gives it a free one)."""
    opt = OPTIMIZERS[optimizer]
    batch: int | str = "full" if opt.batch_size is None else opt.batch_size
    return Competitor(optimizer, batch_size=batch, color=own_color(optimizer), **dict(opt.defaults))


def _lecture_seven() -> tuple[Competitor, ...]:
    return tuple(default_competitor(name) for name in LECTURE_OPTIMIZERS)


# --- surfaces ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomSurface:
    """A typed formula surface as plain, hashable data: what `surfaces.from_formula` rebuilds it from."""

    text: str
    domain: Box = ((-3.0, 3.0), (-3.0, 3.0))
    minima: tuple[tuple[float, float], ...] | None = None  # None: estimated numerically

    def build(self) -> surfaces.Surface:
        return _build_custom(self)


@lru_cache(maxsize=32)
def _build_custom(spec: CustomSurface) -> surfaces.Surface:
    # The minima search evaluates a 201 x 201 grid: worth doing once per formula, not once per use.
    return surfaces.from_formula(spec.text, domain=spec.domain, minima=spec.minima, name=CUSTOM)


DEFAULT_CUSTOM = CustomSurface("x^2 + 10 y^2", DEFAULT_DOMAIN)


def start_ranges(surface: str | surfaces.Surface) -> tuple[Real, Real]:
    """Start points: the plotted region and half its size again on every side (off the picture, but
    well inside the region where an iterate counts as diverged)."""
    s = surfaces.SURFACES[surface] if isinstance(surface, str) else surface
    (x0, x1), (y0, y1) = s.domain
    dx, dy = (x1 - x0) / 2, (y1 - y0) / 2
    return Real(x0 - dx, x1 + dx), Real(y0 - dy, y1 + dy)


# Surfaces' own defaults come from the registry, so they stay in step with it.
_FIRST_SURFACE = next(name for name, s in surfaces.SURFACES.items() if s.group == "lecture")


def _options(surface: str) -> tuple[tuple[str, float], ...]:
    return tuple((k, float(v)) for k, v in surfaces.SURFACES[surface].options.items())


# --- the settings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """How the race is shown; changes none of its numbers. Each field is one link key."""

    show_3d: bool = setting(True, key="view3d", kind=FLAG, race=False)
    show_arrows: bool = setting(False, key="arrows", kind=FLAG, race=False)
    show_rates: bool = setting(False, key="rates", kind=FLAG, race=False)
    show_formulas: bool = setting(True, key="formulas", kind=FLAG, race=False)
    # iterates behind each head that stay drawn; 0 draws the whole path
    trail: int = setting(0, key="trail", kind=TRAIL, race=False)
    speed: int = setting(30, key="speed", kind=SPEED, race=False)  # playback, in steps per second
    # the player covers the window with larger type (for a projector); a link can open straight into it
    present: bool = setting(False, key="present", kind=FLAG, race=False)


@dataclass(frozen=True)
class RaceSettings:
    """Everything a user sets: the race and how it is shown."""

    surface: str = _FIRST_SURFACE
    surface_options: tuple[tuple[str, float], ...] = field(default_factory=lambda: _options(_FIRST_SURFACE))
    start: tuple[float, float] = field(default_factory=lambda: surfaces.SURFACES[_FIRST_SURFACE].start)
    steps: int = setting(300, key="steps", kind=STEPS)
    eps_placement: str = setting("inside", key="eps_at", kind=EPS_PLACEMENT)
    n_examples: int = setting(DEFAULT_EXAMPLES, key="n", kind=N_EXAMPLES)
    spread: float = setting(
        key="spread", kind=SPREAD, factory=lambda: surfaces.SURFACES[_FIRST_SURFACE].spread
    )
    seed: int = setting(0, key="seed", kind=SEED)
    shared: bool = setting(False, key="shared", kind=FLAG)  # one learning rate for every competitor
    shared_lr: float = setting(0.01, key="lr", kind=LR)
    tol: float = setting(1e-3, key="tol", kind=TOL, race=False)  # the results' "steps to reach"
    competitors: tuple[Competitor, ...] = field(default_factory=_lecture_seven)
    view: View = View()
    custom: CustomSurface | None = None  # a typed formula; then `surface` is CUSTOM

    def __post_init__(self) -> None:
        # Options that belong to another surface would only fail when the race is run, far from the
        # line that made them: `RaceSettings(surface="beale")` keeps the first surface's options.
        if self.surface != CUSTOM:
            known = surfaces.SURFACES.get(self.surface)
            if known is None:
                names = ", ".join(surfaces.SURFACES)
                raise ValueError(f"unknown surface {self.surface!r} (surfaces: {names})")
            for name, _ in self.surface_options:
                if name not in known.options:
                    allowed = ", ".join(known.options) or "none"
                    raise ValueError(
                        f"surface {self.surface!r} has no option {name!r} (its options: {allowed}); "
                        f"RaceSettings.on({self.surface!r}) gives the surface with its own start and options"
                    )
        # Every competitor has its colour from the moment it is in the settings, so it keeps it, and
        # every value written out.
        concrete = tuple(c.concrete() for c in self.competitors)
        object.__setattr__(self, "competitors", assign_colors(concrete))

    @classmethod
    def on(cls, surface: str, custom: CustomSurface | None = None, **changes: Any) -> RaceSettings:
        """The default settings moved to `surface` (its own start, options and spread), or to the
        typed formula `custom`, then changed."""
        moved = cls().with_custom(custom) if custom is not None else cls().with_surface(surface)
        return replace(moved, **changes)

    def surface_object(self) -> surfaces.Surface:
        """The surface with its options as set (its title, formula and description follow them)."""
        if self.custom is not None:
            return self.custom.build()
        return surfaces.get(self.surface, **dict(self.surface_options))

    def with_surface(self, name: str) -> RaceSettings:
        """This race moved to another surface, with that surface's own start, options and spread."""
        if name == CUSTOM:
            return self.with_custom(self.custom or DEFAULT_CUSTOM)
        surface = surfaces.SURFACES[name]
        return replace(
            self,
            surface=name,
            surface_options=_options(name),
            start=surface.start,
            spread=surface.spread,
            custom=None,
        )

    def with_custom(self, spec: CustomSurface) -> RaceSettings:
        """This race moved to a typed formula (raises FormulaError if it does not build)."""
        surface = spec.build()
        return replace(
            self, surface=CUSTOM, surface_options=(), start=surface.start, spread=surface.spread, custom=spec
        )

    def example_count(self, surface: surfaces.Surface | None = None) -> int:
        """The number of training examples (a data-fitting surface has its own); `surface`, when
        given, is this settings' surface, already built."""
        data = (surface or self.surface_object()).data
        return self.n_examples if data is None else len(data[0])

    def raced(self, surface: surfaces.Surface | None = None) -> tuple[Competitor, ...]:
        """The competitors as they race: the shared learning rate applied, and a batch of every
        example (or more) written as the full batch it is."""
        n = self.example_count(surface)
        out = []
        for c in self.competitors:
            lr = self.shared_lr if self.shared else c.lr
            batch = "full" if c.batch_size == "full" or (c.batch_size or 0) >= n else c.batch_size
            # Most competitors race as they are (replace is a new object each time: a rerun's cost).
            out.append(c if (lr, batch) == (c.lr, c.batch_size) else replace(c, lr=lr, batch_size=batch))
        return tuple(out)

    def run_arguments(
        self, competitor: Competitor, surface: surfaces.Surface | None = None
    ) -> dict[str, Any]:
        """`optviz.run`'s keyword arguments for one of the raced competitors (see `raced`)."""
        own_data = (surface or self.surface_object()).data is not None
        return {
            "start": self.start,
            "steps": self.steps,
            "eps_placement": self.eps_placement,
            "batch_size": competitor.batch_size,
            "n_examples": None if own_data else self.n_examples,
            "spread": None if own_data else self.spread,
            "seed": self.seed,
            **competitor.hyperparameters(),
        }

    def race_part(self) -> RaceSettings:
        """These settings with how they are shown set aside: equal exactly when the races are."""
        return replace(self, view=View(), tol=TOL_DEFAULT)

    # --- JSON -------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The race's settings as JSON data (what `from_json` reads back into the same race)."""
        data: dict[str, Any] = {
            "surface": self.surface,
            "surface_options": dict(self.surface_options),
            "start": list(self.start),
        }
        data |= {f.name: getattr(self, f.name) for f in simple_fields(RaceSettings) if f.metadata["race"]}
        data["competitors"] = [
            {k: v for k, v in vars(c).items() if v is not None or k == "optimizer"} for c in self.competitors
        ]
        if self.custom is not None:
            data["custom"] = {
                "text": self.custom.text,
                "domain": [list(self.custom.domain[0]), list(self.custom.domain[1])],
                "minima": None if self.custom.minima is None else [list(p) for p in self.custom.minima],
            }
        return data

    @classmethod
    def from_json(cls, data: Any) -> RaceSettings:
        """Settings from their JSON form (`to_json`, or an older export: what it leaves out, or
        gives as null, takes the surface's or the optimizer's default). Every value is checked; a
        ValueError names the first that is not allowed."""
        return _from_json(data)


TOL_DEFAULT = next(f.default for f in fields(RaceSettings) if f.name == "tol")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _no_unknown(d: Mapping[str, Any], known: set[str], what: str) -> None:
    unknown = sorted(set(d) - known)
    _require(not unknown, f"{what} {unknown[0]!r} (known: {', '.join(sorted(known))})" if unknown else "")


def _custom_from_json(d: Any) -> CustomSurface:
    _require(isinstance(d, dict), "custom must be an object")
    _no_unknown(d, {"text", "domain", "minima"}, "custom: unknown key")
    minima = d.get("minima")
    return CustomSurface(
        text=FORMULA.check("custom text", d.get("text")),
        domain=DOMAIN.check("custom domain", d.get("domain")),
        minima=None if minima is None else MINIMA.check("custom minima", minima),
    )


def _competitor_from_json(i: int, entry: Any) -> Competitor:
    where = f"competitor {i + 1}"
    _require(isinstance(entry, dict), f"{where} must be an object, got {type(entry).__name__}")
    _no_unknown(entry, {f.name for f in fields(Competitor)}, f"{where}: unknown setting")
    name = OPTIMIZER.check(f"{where}'s optimizer", entry.get("optimizer"))
    default = default_competitor(name)
    values: dict[str, Any] = {}
    for hyper in OPTIMIZERS[name].uses:
        given = entry.get(hyper)
        values[hyper] = getattr(default, hyper) if given is None else HYPERPARAMETERS[hyper].check(given)
    batch = entry.get("batch_size")
    values["batch_size"] = default.batch_size if batch is None else BATCH.check(f"{where}: batch_size", batch)
    color = entry.get("color")
    values["color"] = None if color is None else COLOR.check(f"{where}: color", color)
    return replace(default, **values)


def _from_json(d: Any) -> RaceSettings:
    _require(isinstance(d, dict), "the settings must be a JSON object")
    known = {"surface", "surface_options", "start", "competitors", "custom"}
    known |= {f.name for f in simple_fields(RaceSettings) if f.metadata["race"]}
    _no_unknown(d, known, "unknown key")
    custom = None if d.get("custom") is None else _custom_from_json(d["custom"])
    if custom is not None:
        _require(
            d.get("surface", CUSTOM) == CUSTOM, f"settings with a custom formula have surface {CUSTOM!r}"
        )
        base = RaceSettings().with_custom(custom)
    else:
        name = d.get("surface", _FIRST_SURFACE)
        _require(
            name in surfaces.SURFACES,
            f"unknown surface {name!r}; known surfaces: {', '.join(surfaces.SURFACES)}",
        )
        base = RaceSettings().with_surface(name)
    options = d.get("surface_options") or {}
    _require(isinstance(options, dict), "surface_options must be an object of numbers")
    own = dict(base.surface_options)
    for k, v in options.items():
        _require(k in own, f"{base.surface_object().title} has no option {k!r}")
        own[k] = surfaces.OPTIONS[k].check(v)
    changes: dict[str, Any] = {"surface_options": tuple(own.items())}
    start = d.get("start")
    if start is not None:
        _require(
            isinstance(start, list | tuple) and len(start) == 2, f"start must be [x, y], got {start!r:.60}"
        )
        rx, ry = start_ranges(base.surface_object())
        changes["start"] = (rx.check("start x", start[0]), ry.check("start y", start[1]))
    for f in simple_fields(RaceSettings):
        if f.metadata["race"] and d.get(f.name) is not None:
            changes[f.name] = f.metadata["kind"].check(f.name, d[f.name])
    competitors = d.get("competitors")
    _require(
        isinstance(competitors, list) and 1 <= len(competitors) <= MAX_COMPETITORS,
        f"competitors must be a list of 1 to {MAX_COMPETITORS} competitors",
    )
    changes["competitors"] = tuple(_competitor_from_json(i, c) for i, c in enumerate(competitors))
    return replace(base, **changes)
