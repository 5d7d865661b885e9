"""The app's full state as plain data, and its form in the URL's query string.

Every setting of the app is a field of `AppSettings`. `to_query` writes all of them as text; `from_query`
reads them back through an allow-list of keys, each with its own parser and range, so a shared link
reproduces the same race exactly. A missing key takes the base settings' value; a malformed or
out-of-range one does too, with a warning that names the key and the problem. Nothing from the URL is
evaluated or unpickled.

Keys (every one is written):
    surface                      a name from `surfaces.SURFACES`, or custom (a typed formula:)
    f, dom, min                  the formula f(x, y) as text (parsed by `surfaces.formula`, never run),
                                 its domain "x0,x1,y0,y1" and its known minima "x,y;x,y" (optional);
                                 written only for a custom surface
    slope, wall, kappa, theta    the chosen surface's options (only those it has)
    x0, y0                       the start point, inside the surface's plotted region
    steps                        updates per competitor
    eps_at                       inside | outside (eps inside the square root, or PyTorch's form)
    n, spread, seed              the stochastic examples: how many, their spread, the random seed
    shared, lr                   shared-settings mode (0 | 1) and its one learning rate
    tol                          the results table's tolerance for "steps to reach"
    view3d, arrows, rates, formulas, trail, speed    what is shown and how fast it plays
    c1 .. c10                    the competitors' optimizers, in order
    cK.lr, cK.gamma, cK.beta1, cK.beta2, cK.eps, cK.weight_decay    competitor K's hyperparameters
    cK.batch                     competitor K's batch size: full or a whole number
    cK.color                     competitor K's colour (a slot of the palette), kept for its life
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import surfaces
from optviz.engine.optimizers import LECTURE_OPTIMIZERS, OPTIMIZERS
from optviz.params import HYPERPARAMETERS
from optviz.racing import (
    CUSTOM,
    MAX_COMPETITORS,
    Box,
    Competitor,
    CustomSurface,
    RaceConfig,
    assign_colors,
    own_color,
)
from optviz.views.style import PALETTE
from surfaces.finite_sum import DEFAULT_EXAMPLES
from surfaces.formula import DEFAULT_DOMAIN
from surfaces.formula import MAX_LENGTH as MAX_FORMULA_LENGTH

# --- Value types: each parses text from the URL and checks a value typed in the app. ---------------


@dataclass(frozen=True)
class Real:
    """A finite number in [low, high] (or (low, high] with low_open)."""

    low: float
    high: float
    low_open: bool = False

    def problem(self, value: float) -> str | None:
        if not math.isfinite(value):
            return f"{value} is not a finite number"
        too_low = value <= self.low if self.low_open else value < self.low
        if too_low or value > self.high:
            return f"{value:g} is outside the allowed range {self.describe()}"
        return None

    def describe(self) -> str:
        return f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"

    def parse(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{_show(text)} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{_show(text)} is not a finite number")
        return _checked(self, value)

    def text(self, value: float) -> str:
        return _number_text(value)


@dataclass(frozen=True)
class Whole:
    """A whole number in [low, high]."""

    low: int
    high: int

    def problem(self, value: float) -> str | None:
        if not math.isfinite(value) or value != int(value):
            return f"{value:g} is not a whole number"
        if not self.low <= value <= self.high:
            return f"{value:g} is outside the allowed range {self.describe()}"
        return None

    def describe(self) -> str:
        return f"{self.low}..{self.high}"

    def parse(self, text: str) -> int:
        # Digits only: no floats, no exponents, no 10,000-digit numbers.
        if not re.fullmatch(r"[+-]?\d{1,12}", text.strip()):
            raise ValueError(f"{_show(text)} is not a whole number in {self.describe()}")
        return _checked(self, int(text))

    def text(self, value: int) -> str:
        return str(value)


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]
    what: str = "value"

    def parse(self, text: str) -> str:
        if text not in self.values:
            raise ValueError(f"unknown {self.what} {_show(text)} (known: {', '.join(self.values)})")
        return text

    def text(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Flag:
    def parse(self, text: str) -> bool:
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{_show(text)} is not 0 or 1")

    def text(self, value: bool) -> str:
        return "1" if value else "0"


@dataclass(frozen=True)
class BatchSize:
    """'full' (the exact gradient) or a number of examples per update."""

    sizes: Whole

    def parse(self, text: str) -> int | str:
        return "full" if text == "full" else self.sizes.parse(text)

    def text(self, value: int | str) -> str:
        return str(value)


@dataclass(frozen=True)
class Text:
    """Plain text of bounded length (what it means is for its reader to check)."""

    limit: int

    def parse(self, text: str) -> str:
        if len(text) > self.limit:
            raise ValueError(f"{len(text)} characters, at most {self.limit}")
        return text

    def text(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Domain:
    """A rectangle "x0,x1,y0,y1" with x0 < x1 and y0 < y1, every value within `coordinate`."""

    coordinate: Real

    def problem(self, box: Box) -> str | None:
        for name, (low, high) in zip("xy", box, strict=True):
            for value in (low, high):
                p = self.coordinate.problem(value)
                if p:
                    return f"{name}: {p}"
            if not low < high:
                return f"{name} min {low:g} must be below {name} max {high:g}"
        return None

    def parse(self, text: str) -> Box:
        parts = text.split(",")
        if len(text) > 200 or len(parts) != 4:
            raise ValueError(f"{_show(text)} is not x0,x1,y0,y1")
        x0, x1, y0, y1 = (self.coordinate.parse(part.strip()) for part in parts)
        box = ((x0, x1), (y0, y1))
        return _checked(self, box)

    def text(self, box: Box) -> str:
        return ",".join(_number_text(v) for pair in box for v in pair)


@dataclass(frozen=True)
class Points:
    """Up to `most` points "x, y; x, y" (spaces optional), every coordinate within `coordinate`."""

    coordinate: Real
    most: int = 20

    def parse(self, text: str) -> tuple[tuple[float, float], ...]:
        if len(text) > 40 * self.most:
            raise ValueError(f"{_show(text)} is too long for {self.most} points")
        items = [item for item in text.split(";") if item.strip()]
        if not items:
            raise ValueError("no points given (write them as x, y; x, y)")
        if len(items) > self.most:
            raise ValueError(f"{len(items)} points, at most {self.most}")
        points = []
        for item in items:
            parts = item.split(",")
            if len(parts) != 2:
                raise ValueError(f"{_show(item.strip())} is not a point x, y")
            x, y = (self.coordinate.parse(part.strip()) for part in parts)
            points.append((x, y))
        return tuple(points)

    def text(self, points: tuple[tuple[float, float], ...]) -> str:
        return ";".join(f"{_number_text(x)},{_number_text(y)}" for x, y in points)


def _checked(kind: Any, value: Any) -> Any:
    problem = kind.problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _show(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _number_text(value: float) -> str:
    """The shortest text that reads back as exactly this float ('-18' rather than '-18.0')."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


# --- Ranges: one place for the URL parser, the app's typed-value checks and its slider bounds. -----

HYPER_RANGES: dict[str, Real] = {
    "lr": Real(0.0, 10.0, low_open=True),
    "gamma": Real(0.0, 0.9999),
    "beta1": Real(0.0, 0.9999),
    "beta2": Real(0.0, 0.999999),
    "eps": Real(0.0, 1.0),
    "weight_decay": Real(0.0, 1.0),
}
SURFACE_OPTION_RANGES: dict[str, Real] = {
    "slope": Real(0.05, 10.0),
    "wall": Real(1.0, 200.0),
    "kappa": Real(1.0, 1000.0),
    "theta": Real(-90.0, 90.0),
}
MAX_STEPS = 2000  # the page carries every iterate of every competitor; more steps crowd the views
MAX_EXAMPLES = 10_000
STEPS = Whole(1, MAX_STEPS)
N_EXAMPLES = Whole(1, MAX_EXAMPLES)
BATCH = BatchSize(Whole(1, MAX_EXAMPLES))
SPREAD = Real(0.0, 1000.0)
SEED = Whole(0, 2**31 - 1)
TOL = Real(1e-12, 1e3)
TRAIL = Whole(0, MAX_STEPS)
SPEEDS = (1, 2, 5, 10, 20, 30, 60, 120, 240)  # the player's speed menu, in steps per second
SPEED = Whole(1, max(SPEEDS))
EPS_PLACEMENT = Choice(("inside", "outside"), "eps placement")
SURFACE = Choice((*surfaces.SURFACES, CUSTOM), "surface")
COORDINATE = Real(-1e6, 1e6)
FORMULA = Text(MAX_FORMULA_LENGTH)
DOMAIN = Domain(COORDINATE)
MINIMA = Points(COORDINATE)
DEFAULT_CUSTOM = CustomSurface("x^2 + 10 y^2", DEFAULT_DOMAIN)
_CUSTOM_KEYS = ("f", "dom", "min")
OPTIMIZER = Choice(tuple(OPTIMIZERS), "optimizer")
COLOR = Whole(0, len(PALETTE) - 1)
FLAG = Flag()

# Hyperparameter names in the URL are the engine's (`run(lr=...)`), as are the values.
_COMPETITOR_KEY = re.compile(rf"c(\d{{1,2}})(?:\.({'|'.join(HYPERPARAMETERS)}|batch|color))?")
MAX_WARNINGS = 30


def start_ranges(surface: str | surfaces.Surface) -> tuple[Real, Real]:
    """Start points: the plotted region and half its size again on every side (off the picture, but
    well inside the region where an iterate counts as diverged)."""
    s = surfaces.SURFACES[surface] if isinstance(surface, str) else surface
    (x0, x1), (y0, y1) = s.domain
    dx, dy = (x1 - x0) / 2, (y1 - y0) / 2
    return Real(x0 - dx, x1 + dx), Real(y0 - dy, y1 + dy)


# --- The settings. ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """How the race is shown; changes none of its numbers."""

    show_3d: bool = True
    show_arrows: bool = False
    show_rates: bool = False
    show_formulas: bool = True
    trail: int = 0  # iterates behind each head that stay drawn; 0 draws the whole path
    speed: int = 30  # playback, in steps per second


def default_competitor(optimizer: str) -> Competitor:
    """The optimizer with every hyperparameter it uses, and its batch size, set to its defaults, in
    its own colour (a race where another competitor has that colour gives it a free one)."""
    opt = OPTIMIZERS[optimizer]
    batch: int | str = "full" if opt.batch_size is None else opt.batch_size
    return Competitor(optimizer, batch_size=batch, color=own_color(optimizer), **dict(opt.defaults))


def _lecture_seven() -> tuple[Competitor, ...]:
    return tuple(default_competitor(name) for name in LECTURE_OPTIMIZERS)


# Surfaces' own defaults come from the registry, so they stay in step with it.
_FIRST_SURFACE = next(name for name, s in surfaces.SURFACES.items() if s.group == "lecture")


def _options(surface: str) -> tuple[tuple[str, float], ...]:
    return tuple((k, float(v)) for k, v in surfaces.SURFACES[surface].options.items())


@dataclass(frozen=True)
class AppSettings:
    """Everything the user can set. Values are always concrete (never 'the default'), so the same
    settings give the same race even if defaults change."""

    surface: str = _FIRST_SURFACE
    surface_options: tuple[tuple[str, float], ...] = field(default_factory=lambda: _options(_FIRST_SURFACE))
    start: tuple[float, float] = field(default_factory=lambda: surfaces.SURFACES[_FIRST_SURFACE].start)
    steps: int = 300
    eps_placement: str = "inside"
    n_examples: int = DEFAULT_EXAMPLES
    spread: float = field(default_factory=lambda: surfaces.SURFACES[_FIRST_SURFACE].spread)
    seed: int = 0
    shared: bool = False
    shared_lr: float = 0.01
    tol: float = 1e-3
    competitors: tuple[Competitor, ...] = field(default_factory=_lecture_seven)
    view: View = View()
    custom: CustomSurface | None = None  # a typed formula; then `surface` is CUSTOM

    def __post_init__(self) -> None:
        # Every competitor has its colour from the moment it is in the settings, so it keeps it.
        object.__setattr__(self, "competitors", assign_colors(self.competitors))

    def surface_object(self) -> surfaces.Surface:
        """The surface with its options as set (its title, formula and description follow them)."""
        if self.custom is not None:
            return self.custom.build()
        return surfaces.get(self.surface, **dict(self.surface_options))

    def with_surface(self, name: str) -> AppSettings:
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

    def with_custom(self, spec: CustomSurface) -> AppSettings:
        """This race moved to a typed formula (raises FormulaError if it does not build)."""
        surface = spec.build()
        return replace(
            self,
            surface=CUSTOM,
            surface_options=(),
            start=surface.start,
            spread=surface.spread,
            custom=spec,
        )

    def example_count(self) -> int:
        """The number of training examples (a data-fitting surface has its own)."""
        data = self.surface_object().data
        return self.n_examples if data is None else len(data[0])


def race_config(settings: AppSettings) -> RaceConfig:
    """The engine's view of the settings: what actually runs."""
    n = settings.example_count()
    fixed_data = settings.surface_object().data is not None
    competitors = tuple(
        replace(
            c,
            lr=settings.shared_lr if settings.shared else c.lr,
            # A batch can hold at most every example: that is the exact gradient.
            batch_size="full" if c.batch_size == "full" or c.batch_size >= n else c.batch_size,
        )
        for c in settings.competitors
    )
    return RaceConfig(
        surface=settings.surface,
        surface_options=settings.surface_options,
        start=settings.start,
        steps=settings.steps,
        eps_placement=settings.eps_placement,
        n_examples=None if fixed_data else settings.n_examples,
        spread=None if fixed_data else settings.spread,
        seed=settings.seed,
        competitors=competitors,
        custom=settings.custom,
    )


# --- Settings -> query string. ---------------------------------------------------------------------

_VIEW_KEYS: dict[str, tuple[str, Any]] = {
    "view3d": ("show_3d", FLAG),
    "arrows": ("show_arrows", FLAG),
    "rates": ("show_rates", FLAG),
    "formulas": ("show_formulas", FLAG),
    "trail": ("trail", TRAIL),
    "speed": ("speed", SPEED),
}


def to_query(settings: AppSettings) -> dict[str, str]:
    """Every setting as query-string text."""
    s = settings
    query = {"surface": s.surface}
    if s.custom is not None:
        query["f"] = FORMULA.text(s.custom.text)
        query["dom"] = DOMAIN.text(s.custom.domain)
        if s.custom.minima is not None:
            query["min"] = MINIMA.text(s.custom.minima)
    query.update({name: _number_text(value) for name, value in s.surface_options})
    query.update(
        {
            "x0": _number_text(s.start[0]),
            "y0": _number_text(s.start[1]),
            "steps": str(s.steps),
            "eps_at": s.eps_placement,
            "n": str(s.n_examples),
            "spread": _number_text(s.spread),
            "seed": str(s.seed),
            "shared": FLAG.text(s.shared),
            "lr": _number_text(s.shared_lr),
            "tol": _number_text(s.tol),
        }
    )
    query.update({key: parser.text(getattr(s.view, name)) for key, (name, parser) in _VIEW_KEYS.items()})
    for k, c in enumerate(s.competitors, start=1):
        query[f"c{k}"] = c.optimizer
        for name in OPTIMIZERS[c.optimizer].uses:
            query[f"c{k}.{name}"] = _number_text(getattr(c, name))
        query[f"c{k}.batch"] = BATCH.text(c.batch_size)
        query[f"c{k}.color"] = COLOR.text(c.color)
    return query


# --- Query string -> settings. ---------------------------------------------------------------------

_GLOBAL_KEYS = frozenset(
    {"surface", "x0", "y0", "steps", "eps_at", "n", "spread", "seed", "shared", "lr", "tol"}
    | set(_VIEW_KEYS)
    | set(SURFACE_OPTION_RANGES)
    | set(_CUSTOM_KEYS)
)


class _Reader:
    """Reads one key at a time, falling back (with a warning) on anything malformed."""

    def __init__(self, params: Mapping[str, str | Sequence[str]]) -> None:
        self.values: dict[str, list[str]] = {
            str(k): [v] if isinstance(v, str) else [str(x) for x in v] for k, v in params.items()
        }
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def has(self, key: str) -> bool:
        return key in self.values

    def read(self, key: str, parser: Any, default: Any, instead: str | None = None) -> Any:
        """The parsed value of `key`, or `default`; `instead` says what happens then (for the warning)."""
        if key not in self.values:
            return default
        instead = instead if instead is not None else f"using {_default_text(default)}"
        given = self.values[key]
        if len(given) != 1:
            self.warn(f"{key}: given {len(given)} times; {instead}")
            return default
        try:
            return parser.parse(given[0])
        except ValueError as error:
            self.warn(f"{key}: {error}; {instead}")
            return default


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return f"the default {'on' if value else 'off'}"
    if isinstance(value, float):
        return f"the default {value:g}"
    return f"the default {value}"


def from_query(
    params: Mapping[str, str | Sequence[str]], base: AppSettings | None = None
) -> tuple[AppSettings, tuple[str, ...]]:
    """Settings from query parameters (text, or lists of text for repeated keys), and the warnings.

    A key that is missing takes `base`'s value (or, when the URL picks another surface, that surface's
    own start, options and spread); a malformed one does too, with a warning naming it.
    """
    base = AppSettings() if base is None else base
    r = _Reader(params)
    _check_keys(r)

    surface = r.read("surface", SURFACE, base.surface)
    custom = _custom(r, base) if surface == CUSTOM else None
    if surface == CUSTOM and custom is None:
        surface = base.surface if base.custom is None else _FIRST_SURFACE
        for key in ("dom", "min"):
            if r.has(key) and not any(w.startswith(f"{key}:") for w in r.warnings):
                r.warn(f"{key}: ignored, since the link gives no usable formula f=...")
    elif surface != CUSTOM:
        for key in _CUSTOM_KEYS:
            if r.has(key):
                r.warn(f"{key}: only used with surface=custom; ignored")
    if custom is not None:
        fallback = base if custom == base.custom else base.with_custom(custom)
    else:
        fallback = base if surface == base.surface and base.custom is None else base.with_surface(surface)
    options = _surface_options(r, fallback)
    sx, sy = start_ranges(fallback.surface_object())
    start = (r.read("x0", sx, fallback.start[0]), r.read("y0", sy, fallback.start[1]))
    n_examples = r.read("n", N_EXAMPLES, fallback.n_examples)
    view = View(
        **{
            name: r.read(key, parser, getattr(fallback.view, name))
            for key, (name, parser) in _VIEW_KEYS.items()
        }
    )
    settings = replace(
        fallback,
        surface_options=options,
        start=start,
        steps=r.read("steps", STEPS, fallback.steps),
        eps_placement=r.read("eps_at", EPS_PLACEMENT, fallback.eps_placement),
        n_examples=n_examples,
        spread=r.read("spread", SPREAD, fallback.spread),
        seed=r.read("seed", SEED, fallback.seed),
        shared=r.read("shared", FLAG, fallback.shared),
        shared_lr=r.read("lr", HYPER_RANGES["lr"], fallback.shared_lr),
        tol=r.read("tol", TOL, fallback.tol),
        view=view,
    )
    settings = replace(settings, competitors=_competitors(r, fallback.competitors))
    warnings = r.warnings
    if len(warnings) > MAX_WARNINGS:
        warnings = [*warnings[:MAX_WARNINGS], f"... and {len(warnings) - MAX_WARNINGS} more problems"]
    return settings, tuple(warnings)


def _check_keys(r: _Reader) -> None:
    for key in list(r.values):
        match = _COMPETITOR_KEY.fullmatch(key)
        if key in _GLOBAL_KEYS or (match and 1 <= int(match.group(1)) <= MAX_COMPETITORS):
            continue
        reason = f"at most {MAX_COMPETITORS} competitors" if match else "not a setting"
        r.warn(f"{_show(key)}: unknown key ({reason}); ignored")
        del r.values[key]


def _custom(r: _Reader, base: AppSettings) -> CustomSurface | None:
    """The typed formula of a link, checked by building it; None (with a warning) if it does not."""
    instead = "using the default surface"
    if not r.has("f"):
        r.warn(f"surface=custom needs a formula f=...; {instead}")
        return None
    text = r.read("f", FORMULA, None, instead)
    if text is None:
        return None
    domain = r.read("dom", DOMAIN, DEFAULT_DOMAIN)
    minima = r.read("min", MINIMA, None, "estimating the minima")
    spec = CustomSurface(text, domain, minima)
    try:
        spec.build()
    except ValueError as error:  # FormulaError: the parser's own message names the problem
        r.warn(f"f={_show(text)}: {error}; {instead}")
        return None
    return spec


def _surface_options(r: _Reader, fallback: AppSettings) -> tuple[tuple[str, float], ...]:
    title = fallback.surface_object().title
    for key in SURFACE_OPTION_RANGES:
        if r.has(key) and key not in dict(fallback.surface_options):
            r.warn(f"{key}: {title} has no option {key!r}; ignored")
    return tuple(
        (name, r.read(name, SURFACE_OPTION_RANGES[name], value)) for name, value in fallback.surface_options
    )


def _competitors(r: _Reader, fallback: tuple[Competitor, ...]) -> tuple[Competitor, ...]:
    slots = sorted({int(m.group(1)) for key in r.values if (m := _COMPETITOR_KEY.fullmatch(key))})
    if not slots:
        return fallback
    out: list[Competitor] = []
    taken: set[int] = set()
    for k in slots:
        competitor = _competitor(r, k)
        if competitor is None:
            continue
        if competitor.color in taken:
            r.warn(f"c{k}.color: {competitor.color} is another competitor's colour; giving it a free one")
            competitor = replace(competitor, color=None)
        if competitor.color is not None:
            taken.add(competitor.color)
        out.append(competitor)
    if not out:
        r.warn("no valid competitors (c1, c2, ...); using the default ones")
        return fallback
    return assign_colors(tuple(out))


def _competitor(r: _Reader, k: int) -> Competitor | None:
    key = f"c{k}"
    settings_given = sorted(name for name in r.values if name.startswith(f"{key}."))
    if not r.has(key):
        r.warn(f"{', '.join(settings_given)}: no optimizer {key}=...; ignored")
        return None
    name = r.read(key, OPTIMIZER, None, "this competitor is left out")
    if name is None:
        return None
    opt = OPTIMIZERS[name]
    default = default_competitor(name)
    for given in settings_given:
        hyper = given.split(".", 1)[1]
        if hyper not in ("batch", "color") and hyper not in opt.uses:
            r.warn(f"{given}: {opt.title} has no {hyper}; ignored")
    values = {
        hyper: r.read(
            f"{key}.{hyper}", HYPER_RANGES[hyper], getattr(default, hyper), _of(opt.title, default, hyper)
        )
        for hyper in opt.uses
    }
    batch = r.read(
        f"{key}.batch", BATCH, default.batch_size, f"using {opt.title}'s default {default.batch_size}"
    )
    color = r.read(f"{key}.color", COLOR, None, "giving it a free colour")
    return replace(default, batch_size=batch, color=color, **values)


def _of(title: str, default: Competitor, hyper: str) -> str:
    return f"using {title}'s default {getattr(default, hyper):g}"
