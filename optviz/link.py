"""The settings as a link: the query string that reproduces a race exactly.

`to_query` writes every setting as text; `from_query` reads it back through an allow-list of keys,
each with its own kind and range, so a shared link reproduces the same race. A missing key takes the
base settings' value; a malformed or out-of-range one does too, with a warning that names the key and
the problem. Nothing from the URL is evaluated or unpickled.

The keys of the settings that are one value (steps, n, seed, tol, view3d, speed, ...) come from their
fields (`optviz.settings.setting`); the others are written here:
    surface                      a name from `surfaces.SURFACES`, or custom (a typed formula:)
    f, dom, min                  the formula f(x, y) as text (parsed by `surfaces.formula`, never run),
                                 its domain "x0,x1,y0,y1" and its known minima "x,y;x,y" (optional);
                                 written only for a custom surface
    slope, wall, kappa, theta    the chosen surface's options (only those it has: surfaces.OPTIONS)
    x0, y0                       the start point, inside the surface's plotted region
    c1 .. c10                    the competitors' optimizers, in order
    cK.<name>                    competitor K's hyperparameters, by their names in `optviz.params`
                                 (e.g. cK.lr, cK.beta2)
    cK.batch                     competitor K's batch size: full or a whole number
    cK.color                     competitor K's colour (a slot of the palette), kept for its life
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import surfaces
from optviz.checks import number_text, show
from optviz.engine.optimizers import OPTIMIZERS
from optviz.params import HYPERPARAMETERS
from optviz.settings import (
    BATCH,
    COLOR,
    CUSTOM,
    DEFAULT_CUSTOM,
    DOMAIN,
    FORMULA,
    MAX_COMPETITORS,
    MINIMA,
    OPTIMIZER,
    SURFACE,
    Competitor,
    CustomSurface,
    RaceSettings,
    View,
    assign_colors,
    default_competitor,
    simple_fields,
    start_ranges,
)
from surfaces.formula import DEFAULT_DOMAIN

MAX_WARNINGS = 30
_CUSTOM_KEYS = ("f", "dom", "min")
_RACE_FIELDS = simple_fields(RaceSettings)
_VIEW_FIELDS = simple_fields(View)
_COMPETITOR_KEY = re.compile(rf"c(\d{{1,2}})(?:\.({'|'.join(HYPERPARAMETERS)}|batch|color))?")
_GLOBAL_KEYS = frozenset(
    {"surface", "x0", "y0", *_CUSTOM_KEYS, *surfaces.OPTIONS}
    | {f.metadata["key"] for f in (*_RACE_FIELDS, *_VIEW_FIELDS)}
)


# --- settings -> query string --------------------------------------------------------------------------


def to_query(settings: RaceSettings) -> dict[str, str]:
    """Every setting as query-string text."""
    s = settings
    query = {"surface": s.surface}
    if s.custom is not None:
        query["f"] = FORMULA.text(s.custom.text)
        query["dom"] = DOMAIN.text(s.custom.domain)
        if s.custom.minima is not None:
            query["min"] = MINIMA.text(s.custom.minima)
    query.update({name: number_text(value) for name, value in s.surface_options})
    query.update({"x0": number_text(s.start[0]), "y0": number_text(s.start[1])})
    for owner, fields_ in ((s, _RACE_FIELDS), (s.view, _VIEW_FIELDS)):
        for f in fields_:
            query[f.metadata["key"]] = f.metadata["kind"].text(getattr(owner, f.name))
    for k, c in enumerate(s.competitors, start=1):
        query[f"c{k}"] = c.optimizer
        for name in OPTIMIZERS[c.optimizer].uses:
            query[f"c{k}.{name}"] = number_text(getattr(c, name))
        query[f"c{k}.batch"] = BATCH.text(c.batch_size)
        query[f"c{k}.color"] = COLOR.text(c.color)
    return query


# --- query string -> settings --------------------------------------------------------------------------


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

    def read(self, key: str, kind: Any, default: Any, instead: str | None = None) -> Any:
        """The parsed value of `key`, or `default`; `instead` says what happens then (for the warning)."""
        if key not in self.values:
            return default
        instead = instead if instead is not None else f"using {_default_text(default)}"
        given = self.values[key]
        if len(given) != 1:
            self.warn(f"{key}: given {len(given)} times; {instead}")
            return default
        try:
            return kind.parse(given[0])
        except ValueError as error:
            self.warn(f"{key}: {error}; {instead}")
            return default

    def fields(self, owner: Any, fields_: list[Any]) -> dict[str, Any]:
        """The values of the one-value fields given in the link (the others keep `owner`'s)."""
        return {
            f.name: self.read(f.metadata["key"], f.metadata["kind"], getattr(owner, f.name)) for f in fields_
        }


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return f"the default {'on' if value else 'off'}"
    if isinstance(value, float):
        return f"the default {value:g}"
    return f"the default {value}"


def from_query(
    params: Mapping[str, str | Sequence[str]], base: RaceSettings | None = None
) -> tuple[RaceSettings, tuple[str, ...]]:
    """Settings from query parameters (text, or lists of text for repeated keys), and the warnings.

    A key that is missing takes `base`'s value (or, when the URL picks another surface, that surface's
    own start, options and spread); a malformed one does too, with a warning naming it.
    """
    base = RaceSettings() if base is None else base
    r = _Reader(params)
    _check_keys(r)

    surface = r.read("surface", SURFACE, base.surface)
    custom = _custom(r) if surface == CUSTOM else None
    if surface == CUSTOM and custom is None:
        surface = base.surface if base.custom is None else RaceSettings().surface
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
    sx, sy = start_ranges(fallback.surface_object())
    settings = replace(
        fallback,
        surface_options=_surface_options(r, fallback),
        start=(r.read("x0", sx, fallback.start[0]), r.read("y0", sy, fallback.start[1])),
        view=replace(fallback.view, **r.fields(fallback.view, _VIEW_FIELDS)),
        competitors=_competitors(r, fallback.competitors),
        **r.fields(fallback, _RACE_FIELDS),
    )
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
        r.warn(f"{show(key)}: unknown key ({reason}); ignored")
        del r.values[key]


def _custom(r: _Reader) -> CustomSurface | None:
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
        r.warn(f"f={show(text)}: {error}; {instead}")
        return None
    return spec


def _surface_options(r: _Reader, fallback: RaceSettings) -> tuple[tuple[str, float], ...]:
    title = fallback.surface_object().title
    for key in surfaces.OPTIONS:
        if r.has(key) and key not in dict(fallback.surface_options):
            r.warn(f"{key}: {title} has no option {key!r}; ignored")
    return tuple(
        (name, r.read(name, surfaces.OPTIONS[name].allowed, value))
        for name, value in fallback.surface_options
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
            f"{key}.{hyper}",
            HYPERPARAMETERS[hyper].allowed,
            getattr(default, hyper),
            f"using {opt.title}'s default {getattr(default, hyper):g}",
        )
        for hyper in opt.uses
    }
    batch = r.read(
        f"{key}.batch", BATCH, default.batch_size, f"using {opt.title}'s default {default.batch_size}"
    )
    color = r.read(f"{key}.color", COLOR, None, "giving it a free colour")
    return replace(default, batch_size=batch, color=color, **values)


__all__ = ["DEFAULT_CUSTOM", "MAX_WARNINGS", "from_query", "to_query"]
