"""Every key a shared link can carry, at both ends of its allowed range.

A value just inside an end is taken exactly, without a warning; a value just outside it gives one
warning that names the key, and the fallback value is used instead. The ranges are the documented
ones, written out here as numbers, so widening or narrowing any of them in `optviz.settings`
fails a test; and the table must cover every key the parser reads, so a new key cannot go untested.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

import surfaces
from optviz import settings
from optviz.engine.optimizers import OPTIMIZERS
from optviz.link import from_query, to_query
from optviz.params import HYPERPARAMETERS
from optviz.settings import RaceSettings, View

INF = math.inf

# A base whose values sit at no end of any range, so a value taken from the link and the fallback
# can never be mistaken for each other.
BASE = replace(RaceSettings(), seed=7, view=replace(View(), trail=5))

# ------------------------------------------------------------------------- the documented ranges

# Real numbers: (low, high, whether low itself is excluded, whether high is); an infinite end is open.
REAL = {
    "lr": (0.0, INF, True, True),  # the shared learning rate
    "spread": (0.0, INF, False, True),
    "tol": (0.0, INF, True, True),
}
# Whole numbers: (low, high).
WHOLE = {
    "steps": (1, 2000),
    "n": (1, 10_000),
    "seed": (0, 2**31 - 1),
    "trail": (0, 2000),
    "speed": (1, 240),
}
# A competitor's hyperparameters, cK.<name>: (low, high, whether low itself is excluded).
HYPER = {
    "lr": (0.0, INF, True, True),
    "gamma": (0.0, 1.0, False, True),
    "beta1": (0.0, 1.0, False, True),
    "beta2": (0.0, 1.0, False, True),
    "eps": (0.0, INF, False, True),
    "weight_decay": (0.0, INF, False, True),
}
# Surface options: (a surface that has it, low, high).
SURFACE_OPTIONS = {
    "slope": ("long_valley", (0.0, INF, True, True)),
    "wall": ("long_valley", (0.0, INF, True, True)),
    "kappa": ("bowl", (1.0, INF, False, True)),
    "theta": ("bowl", (-90.0, 90.0, False, False)),
}
# Start points x0, y0: the surface's plotted region and half its size again on every side.
START = {
    "long_valley": ((-32.0, 16.0), (-6.0, 6.0)),
    "beale": ((-9.0, 9.0), (-9.0, 9.0)),
    "saddle": ((-4.0, 4.0), (-3.2, 3.2)),
    "rosenbrock": ((-4.0, 4.0), (-3.0, 5.0)),
    "himmelblau": ((-10.0, 10.0), (-10.0, 10.0)),
    "bowl": ((-12.0, 12.0), (-8.0, 8.0)),
    "booth": ((-20.0, 20.0), (-20.0, 20.0)),
    "rastrigin": ((-10.24, 10.24), (-10.24, 10.24)),
    "ackley": ((-10.0, 10.0), (-10.0, 10.0)),
    "goldstein_price": ((-4.0, 4.0), (-4.0, 4.0)),
    "six_hump_camel": ((-6.0, 6.0), (-4.0, 4.0)),
    "styblinski_tang": ((-10.0, 10.0), (-10.0, 10.0)),
    "line_fit": ((-7.0, 9.0), (-5.5, 8.5)),
}
# A typed formula on the domain [-2, 4] x [-1.5, 1.5] starts within [-5, 7] x [-3, 3].
CUSTOM = {"surface": "custom", "f": "x^2 + y^2", "dom": "-2,4,-1.5,1.5"}
CUSTOM_START = ((-5.0, 7.0), (-3.0, 3.0))
DEFAULT_DOMAIN = ((-3.0, 3.0), (-3.0, 3.0))  # a typed formula's domain when dom= is unusable
COMPETITOR_SLOTS = (1, 10)  # c1 .. c10
BATCH = (1, 10_000)  # cK.batch, besides "full"
COORDINATE = (-1e6, 1e6)  # every number in dom= and min=
FORMULA_LENGTH = 500  # characters of f=
MINIMA = 20  # points in min=
FLAGS = ("shared", "view3d", "arrows", "rates", "formulas", "present")
CHOICES = {"eps_at": ("inside", "outside")}  # and surface (the catalog's names), cK (the optimizers)

# Every key outside the competitors' cK and cK.<setting>, by where this file tests it.
GLOBAL_KEYS = {
    *REAL,
    *WHOLE,
    *SURFACE_OPTIONS,
    "x0",
    "y0",
    "f",
    "dom",
    "min",
    "surface",
    *CHOICES,
    *FLAGS,
}
COMPETITOR_SETTINGS = {*HYPER, "batch", "color"}
COLOR = (0, 9)  # a slot of the palette


# ------------------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    key: str  # the key whose value is tried
    query: dict[str, str]
    inside: bool
    value: Callable[[RaceSettings], Any]  # what the link's value became
    expected: Any  # inside: the value given; outside: the fallback

    def __str__(self) -> str:
        where = [self.query[k] for k in ("surface", "c1") if k in self.query and k != self.key]
        return "-".join([f"{self.key}={self.query[self.key][:24]}", "in" if self.inside else "out", *where])


def real_edges(
    low: float, high: float, low_open: bool = False, high_open: bool = False
) -> list[tuple[float, bool]]:
    """The closest values inside and outside each end: (value, inside). Towards an infinite end,
    the largest finite number is inside (and nothing is outside)."""
    if low_open:
        low_side = [(math.nextafter(low, math.inf), True), (low, False)]
    else:
        low_side = [(low, True), (math.nextafter(low, -math.inf), False)]
    if math.isinf(high):
        return [*low_side, (sys.float_info.max, True)]
    if high_open:
        return [*low_side, (math.nextafter(high, -math.inf), True), (high, False)]
    return [*low_side, (high, True), (math.nextafter(high, math.inf), False)]


def whole_edges(low: int, high: int) -> list[tuple[int, bool]]:
    return [(low, True), (low - 1, False), (high, True), (high + 1, False)]


def number_cases(
    key: str, edges: list, value: Callable[[RaceSettings], Any], fallback: Any, extra: dict | None = None
) -> list[Case]:
    return [
        Case(key, {**(extra or {}), key: repr(v)}, inside, value, v if inside else fallback)
        for v, inside in edges
    ]


def _option(name: str) -> Callable[[RaceSettings], float]:
    return lambda s: dict(s.surface_options)[name]


def _competitor(name: str) -> Callable[[RaceSettings], Any]:
    return lambda s: (len(s.competitors), s.competitors[0].optimizer, getattr(s.competitors[0], name))


def _domain(s: RaceSettings) -> Any:
    return None if s.custom is None else s.custom.domain


def _minima(s: RaceSettings) -> Any:
    return None if s.custom is None else s.custom.minima


def _formula(s: RaceSettings) -> Any:
    return None if s.custom is None else s.custom.text


def cases() -> list[Case]:
    out: list[Case] = []
    fields = {"lr": "shared_lr", "spread": "spread", "tol": "tol"}
    for key, bounds in REAL.items():
        name = fields[key]
        out += number_cases(key, real_edges(*bounds), lambda s, n=name: getattr(s, n), getattr(BASE, name))
    getters = {
        "steps": lambda s: s.steps,
        "n": lambda s: s.n_examples,
        "seed": lambda s: s.seed,
        "trail": lambda s: s.view.trail,
        "speed": lambda s: s.view.speed,
    }
    fallbacks = {"steps": BASE.steps, "n": BASE.n_examples, "seed": 7, "trail": 5, "speed": BASE.view.speed}
    for key, (low, high) in WHOLE.items():
        out += number_cases(key, whole_edges(low, high), getters[key], fallbacks[key])

    for key, (surface, bounds) in SURFACE_OPTIONS.items():
        default = surfaces.SURFACES[surface].options[key]
        out += number_cases(key, real_edges(*bounds), _option(key), default, {"surface": surface})

    for surface, ranges in START.items():
        start = surfaces.SURFACES[surface].start
        for axis, key in enumerate(("x0", "y0")):
            out += number_cases(
                key,
                real_edges(*ranges[axis]),
                lambda s, a=axis: s.start[a],
                start[axis],
                {"surface": surface},
            )
    custom_start = from_query(CUSTOM, BASE)[0].start
    for axis, key in enumerate(("x0", "y0")):
        out += number_cases(
            key, real_edges(*CUSTOM_START[axis]), lambda s, a=axis: s.start[a], custom_start[axis], CUSTOM
        )

    # Every hyperparameter of every optimizer that uses it; the fallback is that optimizer's default.
    for hyper, bounds in HYPER.items():
        for name, opt in OPTIMIZERS.items():
            if hyper not in opt.uses:
                continue
            key = f"c1.{hyper}"
            for v, inside in real_edges(*bounds):
                expected = (1, name, v if inside else opt.defaults[hyper])
                out.append(Case(key, {"c1": name, key: repr(v)}, inside, _competitor(hyper), expected))
    # Mini-batch GD's own batch of 10 is at neither end.
    for v, inside in whole_edges(*BATCH):
        expected = (1, "minibatch_gd", v if inside else 10)
        query = {"c1": "minibatch_gd", "c1.batch": str(v)}
        out.append(Case("c1.batch", query, inside, _competitor("batch_size"), expected))
    # A colour slot; outside the palette the competitor gets its own colour (Adam's is 6).
    for v, inside in whole_edges(*COLOR):
        expected = (1, "adam", v if inside else 6)
        query = {"c1": "adam", "c1.color": str(v)}
        out.append(Case("c1.color", query, inside, _competitor("color"), expected))

    # The four outer ends of a domain (an inner end cannot reach the range: x0 < x1, y0 < y1).
    low, high = COORDINATE
    for position, end, outward in (
        (0, low, -math.inf),
        (1, high, math.inf),
        (2, low, -math.inf),
        (3, high, math.inf),
    ):
        for v, inside in ((end, True), (math.nextafter(end, outward), False)):
            box = [-1.0, 1.0, -1.0, 1.0]
            box[position] = v
            expected = ((box[0], box[1]), (box[2], box[3])) if inside else DEFAULT_DOMAIN
            query = {**CUSTOM, "dom": ",".join(map(repr, box))}
            out.append(Case("dom", query, inside, _domain, expected))
    # Minima anywhere in the widest domain; an unusable min= leaves them to be estimated (None).
    widest = {**CUSTOM, "f": "x + y", "dom": ",".join(map(repr, (low, high, low, high)))}
    for axis in (0, 1):
        for v, inside in real_edges(low, high):
            point = [0.0, 0.0]
            point[axis] = v
            expected = (tuple(point),) if inside else None
            query = {**widest, "min": ",".join(map(repr, point))}
            out.append(Case("min", query, inside, _minima, expected))
    for count, inside in ((MINIMA, True), (MINIMA + 1, False)):
        expected = ((0.0, 0.0),) * count if inside else None
        out.append(Case("min", {**CUSTOM, "min": ";".join(["0,0"] * count)}, inside, _minima, expected))

    # The formula's length (few tokens, so only the length is at stake); a formula too long leaves
    # the link without a custom surface.
    for length, inside in ((FORMULA_LENGTH, True), (FORMULA_LENGTH + 1, False)):
        text = "x^2 +" + " " * (length - 8) + "y^2"
        query = {"surface": "custom", "f": text}
        out.append(Case("f", query, inside, _formula, text if inside else None))
    return out


CASES = cases()


def names_the_key(warning: str, key: str) -> bool:
    return warning.startswith(f"{key}:") or f"'{key}'" in warning


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_end_of_each_range(case: Case):
    settings, warnings = from_query(case.query, BASE)
    if case.inside:
        assert warnings == ()
    else:
        assert len(warnings) == 1 and names_the_key(warnings[0], case.key), warnings
        assert "outside" in warnings[0] or "at most" in warnings[0], warnings
    got = case.value(settings)
    assert got == case.expected and type(got) is type(case.expected), (got, case.expected)


def test_an_out_of_range_value_warns_with_the_allowed_range():
    _, warnings = from_query({"c1": "adamw", "c1.weight_decay": "-0.5"}, BASE)
    assert warnings == (
        "c1.weight_decay: -0.5 is outside the allowed range [0, ∞); using AdamW's default 0.01",
    )
    _, warnings = from_query({"c1": "adam", "c1.beta2": "1"}, BASE)
    assert warnings == ("c1.beta2: 1 is outside the allowed range [0, 1); using Adam's default 0.999",)


# ------------------------------------------------------------------------------- keys with choices


@pytest.mark.parametrize("key", FLAGS)
def test_flags(key):
    fields = {"shared": "shared", "view3d": "show_3d", "arrows": "show_arrows", "rates": "show_rates"}
    fields["formulas"] = "show_formulas"
    fields["present"] = "present"

    def flag(s: RaceSettings) -> bool:
        return getattr(s, fields[key]) if key == "shared" else getattr(s.view, fields[key])

    for text, value in (("0", False), ("1", True)):
        s, warnings = from_query({key: text}, BASE)
        assert warnings == () and flag(s) is value
    s, warnings = from_query({key: "2"}, BASE)
    assert len(warnings) == 1 and names_the_key(warnings[0], key) and flag(s) is flag(BASE)


def test_choices():
    for key, values in CHOICES.items():
        for value in values:
            s, warnings = from_query({key: value}, BASE)
            assert warnings == () and s.eps_placement == value
        s, warnings = from_query({key: "middle"}, BASE)
        assert len(warnings) == 1 and names_the_key(warnings[0], key)
        assert s.eps_placement == BASE.eps_placement
    for name in surfaces.SURFACES:
        s, warnings = from_query({"surface": name}, BASE)
        assert warnings == () and s.surface == name
    s, warnings = from_query({"surface": "nowhere"}, BASE)
    assert len(warnings) == 1 and names_the_key(warnings[0], "surface") and s.surface == BASE.surface
    for name in OPTIMIZERS:
        s, warnings = from_query({"c1": name}, BASE)
        assert warnings == () and [c.optimizer for c in s.competitors] == [name]
    s, warnings = from_query({"c1": "nope"}, BASE)
    assert any(names_the_key(w, "c1") for w in warnings) and s.competitors == BASE.competitors


def test_competitor_slots():
    first, last = COMPETITOR_SLOTS
    for k in (first, last):
        s, warnings = from_query({f"c{k}": "adam", f"c{k}.lr": "0.5"}, BASE)
        assert warnings == () and [(c.optimizer, c.lr) for c in s.competitors] == [("adam", 0.5)]
    for k in (first - 1, last + 1):
        s, warnings = from_query({f"c{k}": "adam"}, BASE)
        assert len(warnings) == 1 and names_the_key(warnings[0], f"c{k}")
        assert s.competitors == BASE.competitors
    s, warnings = from_query({"c1": "minibatch_gd", "c1.batch": "full"}, BASE)
    assert warnings == () and s.competitors[0].batch_size == "full"


# --------------------------------------------------------------------------- the table is complete


def _unknown(key: str) -> bool:
    """Whether the parser refuses `key` as not being a setting at all."""
    return any("unknown key" in w for w in from_query({key: "1"}, BASE)[1])


def _words() -> set[str]:
    """Every identifier-like word in the parser and in what it builds settings from: where a new
    key would have to be named."""
    root = Path(settings.__file__).parent
    sources = ("settings.py", "link.py", "params.py", "engine/optimizers.py", "racing.py")
    text = "".join((root / name).read_text() for name in sources)
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) | set(HYPERPARAMETERS)


def test_the_table_covers_every_key_the_parser_reads():
    words = _words()
    slots = {w for w in words if re.fullmatch(r"c\d+", w)}  # the competitors c1 .. c10: below
    assert {w for w in words - slots if not _unknown(w)} == GLOBAL_KEYS
    assert {w for w in words if not _unknown(f"c1.{w}")} == COMPETITOR_SETTINGS
    assert {k for k in range(100) if not _unknown(f"c{k}")} == set(
        range(COMPETITOR_SLOTS[0], COMPETITOR_SLOTS[1] + 1)
    )
    # Every key the app writes into a link is one of them, and each of them is written.
    everyone = [settings.default_competitor(name) for name in OPTIMIZERS]
    written: set[str] = set()
    for s in (
        replace(BASE, competitors=tuple(everyone[:10])),
        replace(BASE.with_surface("bowl"), competitors=tuple(everyone[10:])),
        BASE.with_custom(replace(settings.DEFAULT_CUSTOM, minima=((0.0, 0.0),))),
    ):
        written |= set(to_query(s))
    assert {k for k in written if not re.fullmatch(r"c\d+(\..*)?", k)} == GLOBAL_KEYS
    assert {k.split(".", 1)[1] for k in written if re.fullmatch(r"c\d+\..+", k)} == COMPETITOR_SETTINGS
    # And every range the parser holds is in the table.
    assert set(HYPER) == set(HYPERPARAMETERS)
    assert set(surfaces.OPTIONS) == set(SURFACE_OPTIONS)
    assert {k for s in surfaces.SURFACES.values() for k in s.options} == set(SURFACE_OPTIONS)
    assert set(START) == set(surfaces.SURFACES)
    for hyper in HYPER:
        assert any(hyper in opt.uses for opt in OPTIMIZERS.values())
