"""The settings and their link (query-string) form: exact round trips, and no traceback for any URL."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import surfaces
from optviz.engine.optimizers import LECTURE_OPTIMIZERS, OPTIMIZERS
from optviz.link import MAX_WARNINGS, from_query, to_query
from optviz.params import HYPERPARAMETERS
from optviz.settings import (
    CUSTOM,
    MAX_COMPETITORS,
    SPEEDS,
    Competitor,
    CustomSurface,
    RaceSettings,
    View,
    default_competitor,
    start_ranges,
)
from surfaces.ranges import Real

HYPER_RANGES = {name: p.allowed for name, p in HYPERPARAMETERS.items()}
SURFACE_OPTION_RANGES = {name: o.allowed for name, o in surfaces.OPTIONS.items()}
BIG = 1e300  # a finite value at the top of a range that has none

BASE = RaceSettings()

# ------------------------------------------------------------------------------------ round trips


def _within(r: Real, draw_float):
    high = None if math.isinf(r.high) else r.high
    return draw_float(
        min_value=r.low,
        max_value=high,
        exclude_min=r.low_open,
        exclude_max=r.high_open and high is not None,
        allow_nan=False,
        allow_infinity=False,
    )


@st.composite
def competitors(draw) -> Competitor:
    name = draw(st.sampled_from(list(OPTIMIZERS)))
    values = {h: _within(HYPER_RANGES[h], lambda **kw: draw(st.floats(**kw))) for h in OPTIMIZERS[name].uses}
    batch = draw(st.one_of(st.just("full"), st.integers(1, 10_000)))
    return replace(default_competitor(name), batch_size=batch, **values)


@st.composite
def app_settings(draw) -> RaceSettings:
    surface = draw(st.sampled_from(list(surfaces.SURFACES)))
    s = BASE.with_surface(surface)
    options = tuple(
        (k, _within(SURFACE_OPTION_RANGES[k], lambda **kw: draw(st.floats(**kw))))
        for k, _ in s.surface_options
    )
    rx, ry = start_ranges(surface)
    return replace(
        s,
        surface_options=options,
        start=(draw(st.floats(rx.low, rx.high)), draw(st.floats(ry.low, ry.high))),
        steps=draw(st.integers(1, 2000)),
        eps_placement=draw(st.sampled_from(["inside", "outside"])),
        n_examples=draw(st.integers(1, 10_000)),
        spread=draw(st.floats(0.0, BIG)),
        seed=draw(st.integers(0, 2**31 - 1)),
        shared=draw(st.booleans()),
        shared_lr=_within(HYPER_RANGES["lr"], lambda **kw: draw(st.floats(**kw))),
        tol=draw(st.floats(0.0, BIG, exclude_min=True)),
        competitors=tuple(draw(st.lists(competitors(), min_size=1, max_size=MAX_COMPETITORS))),
        view=View(
            show_3d=draw(st.booleans()),
            show_arrows=draw(st.booleans()),
            show_rates=draw(st.booleans()),
            show_formulas=draw(st.booleans()),
            trail=draw(st.integers(0, 2000)),
            speed=draw(st.integers(1, max(SPEEDS))),
        ),
    )


def _at_the_ends(high: bool) -> RaceSettings:
    """Every value at the top (or bottom) of its range: the edge cases of a round trip."""

    def end(r: Real) -> float:
        if not high:
            return math.nextafter(r.low, math.inf) if r.low_open else r.low
        if math.isinf(r.high):
            return BIG
        return math.nextafter(r.high, -math.inf) if r.high_open else r.high

    every = [
        replace(
            default_competitor(name),
            batch_size=10_000 if high else 1,
            **{h: end(HYPER_RANGES[h]) for h in opt.uses},
        )
        for name, opt in OPTIMIZERS.items()
    ]
    bowl = BASE.with_surface("bowl")
    rx, ry = start_ranges("bowl")
    return replace(
        bowl,
        surface_options=tuple((k, end(SURFACE_OPTION_RANGES[k])) for k, _ in bowl.surface_options),
        start=(end(rx), end(ry)),
        steps=2000 if high else 1,
        n_examples=10_000 if high else 1,
        spread=BIG if high else 0.0,
        seed=2**31 - 1 if high else 0,
        shared=high,
        shared_lr=end(HYPER_RANGES["lr"]),
        tol=BIG if high else 5e-324,
        competitors=tuple(every[-MAX_COMPETITORS:] if high else every[:MAX_COMPETITORS]),
        view=View(high, high, high, high, trail=2000 if high else 0, speed=max(SPEEDS) if high else 1),
    )


def test_defaults_round_trip_without_warnings():
    assert from_query(to_query(BASE)) == (BASE, ())


@settings(max_examples=200, deadline=None)
@given(app_settings())
@example(_at_the_ends(high=False))
@example(_at_the_ends(high=True))
@example(
    replace(BASE.with_surface("line_fit"), start=(-0.0, 5e-324), competitors=(default_competitor("sgd"),))
)
def test_any_valid_settings_round_trip_exactly(s: RaceSettings):
    # Against a different base, so that nothing can come back from the base instead of the URL.
    other = replace(BASE.with_surface("rosenbrock"), steps=7, competitors=(default_competitor("lion"),))
    assert from_query(to_query(s), other) == (s, ())


@given(st.floats(allow_nan=False, allow_infinity=False))
@example(0.0)
@example(-0.0)  # the sign of zero survives
@example(5e-324)  # the smallest subnormal
@example(2.2250738585072014e-308)  # the smallest normal
@example(1.7976931348623157e308)  # the largest float
@example(-18.0)  # written as "-18"
@example(0.1)
@example(1e16)  # repr switches to an exponent here
@example(123456789012345680.0)
@example(1e-5)
@example(1e22)  # written as '1e+22'
def test_numbers_are_written_so_they_read_back_exactly(x: float):
    from optviz.checks import number_text

    back = float(number_text(x))
    assert back == x and math.copysign(1.0, back) == math.copysign(1.0, x)


def test_every_setting_is_in_the_query():
    s = replace(
        BASE.with_surface("bowl"),
        competitors=(default_competitor("adam"), default_competitor("rmsprop")),
    )
    q = to_query(s)
    expected = {"surface", "kappa", "theta", "x0", "y0", "steps", "eps_at", "n", "spread", "seed"}
    expected |= {"shared", "lr", "tol", "view3d", "arrows", "rates", "formulas", "trail", "speed", "present"}
    expected |= {"c1", "c1.lr", "c1.beta1", "c1.beta2", "c1.eps", "c1.batch", "c1.color"}
    expected |= {"c2", "c2.lr", "c2.gamma", "c2.eps", "c2.batch", "c2.color"}
    assert set(q) == expected
    assert all(isinstance(v, str) for v in q.values())


def test_missing_keys_take_the_base_and_another_surface_brings_its_own_defaults():
    s, warnings = from_query({"surface": "himmelblau"}, BASE)
    him = surfaces.SURFACES["himmelblau"]
    assert warnings == ()
    assert (s.surface, s.start, s.spread, s.surface_options) == ("himmelblau", him.start, him.spread, ())
    assert s.competitors == BASE.competitors and s.steps == BASE.steps
    assert from_query({}, BASE) == (BASE, ())


def test_competitors_in_their_numbered_order_with_defaults_for_missing_values():
    s, warnings = from_query({"c2": "adam", "c1": "sgd", "c1.lr": "0.5", "c2.batch": "7"})
    assert warnings == ()
    assert s.competitors == (
        replace(default_competitor("sgd"), lr=0.5),
        replace(default_competitor("adam"), batch_size=7),
    )


def test_the_same_optimizer_twice():
    s, _ = from_query({"c1": "adam", "c1.lr": "0.1", "c2": "adam", "c2.lr": "0.01"})
    assert [(c.optimizer, c.lr) for c in s.competitors] == [("adam", 0.1), ("adam", 0.01)]


# ------------------------------------------------------------------------------- malformed input

# (query, the key the warning must name, a check that the default was used)
MALFORMED = [
    ({"steps": "abc"}, "steps", lambda s: s.steps == BASE.steps),
    ({"steps": "-5"}, "steps", lambda s: s.steps == BASE.steps),
    ({"steps": "0"}, "steps", lambda s: s.steps == BASE.steps),
    ({"steps": "3.5"}, "steps", lambda s: s.steps == BASE.steps),
    ({"steps": "1e3"}, "steps", lambda s: s.steps == BASE.steps),
    ({"steps": "9" * 400}, "steps", lambda s: s.steps == BASE.steps),
    ({"steps": "2001"}, "steps", lambda s: s.steps == BASE.steps),
    ({"steps": ""}, "steps", lambda s: s.steps == BASE.steps),
    ({"steps": ["100", "200"]}, "steps", lambda s: s.steps == BASE.steps),
    ({"lr": "nan"}, "lr", lambda s: s.shared_lr == BASE.shared_lr),
    ({"lr": "inf"}, "lr", lambda s: s.shared_lr == BASE.shared_lr),
    ({"lr": "-1e400"}, "lr", lambda s: s.shared_lr == BASE.shared_lr),
    ({"lr": "0"}, "lr", lambda s: s.shared_lr == BASE.shared_lr),
    ({"lr": "-5"}, "lr", lambda s: s.shared_lr == BASE.shared_lr),
    ({"lr": "0x10"}, "lr", lambda s: s.shared_lr == BASE.shared_lr),
    ({"surface": "nowhere"}, "surface", lambda s: s.surface == BASE.surface),
    ({"surface": "__import__('os')"}, "surface", lambda s: s.surface == BASE.surface),
    ({"eps_at": "middle"}, "eps_at", lambda s: s.eps_placement == BASE.eps_placement),
    ({"shared": "maybe"}, "shared", lambda s: s.shared == BASE.shared),
    ({"x0": "nan"}, "x0", lambda s: s.start == BASE.start),
    ({"x0": "1e9"}, "x0", lambda s: s.start == BASE.start),
    ({"y0": "-inf"}, "y0", lambda s: s.start == BASE.start),
    ({"n": "0"}, "n", lambda s: s.n_examples == BASE.n_examples),
    ({"spread": "-1"}, "spread", lambda s: s.spread == BASE.spread),
    ({"seed": "-3"}, "seed", lambda s: s.seed == BASE.seed),
    ({"tol": "0"}, "tol", lambda s: s.tol == BASE.tol),
    ({"speed": "100000"}, "speed", lambda s: s.view.speed == BASE.view.speed),
    ({"trail": "-1"}, "trail", lambda s: s.view.trail == BASE.view.trail),
    ({"view3d": "2"}, "view3d", lambda s: s.view.show_3d == BASE.view.show_3d),
    ({"kappa": "5"}, "kappa", lambda s: s.surface_options == BASE.surface_options),
    ({"surface": "bowl", "kappa": "0"}, "kappa", lambda s: dict(s.surface_options)["kappa"] == 25.0),
    ({"surface": "bowl", "theta": "NaN"}, "theta", lambda s: dict(s.surface_options)["theta"] == 0.0),
    ({"foo": "1"}, "foo", lambda s: s == BASE),
    ({"c11": "adam"}, "c11", lambda s: s == BASE),
    ({"c1.lr": "0.1"}, "c1.lr", lambda s: s.competitors == BASE.competitors),
    ({"c1": "nope"}, "c1", lambda s: s.competitors == BASE.competitors),
    ({"c1": "adam", "c1.gamma": "0.5"}, "c1.gamma", lambda s: s.competitors == (default_competitor("adam"),)),
    ({"c1": "adam", "c1.lr": "abc"}, "c1.lr", lambda s: s.competitors == (default_competitor("adam"),)),
    ({"c1": "adam", "c1.beta2": "1"}, "c1.beta2", lambda s: s.competitors == (default_competitor("adam"),)),
    ({"c1": "adam", "c1.eps": "-1e-8"}, "c1.eps", lambda s: s.competitors == (default_competitor("adam"),)),
    ({"c1": "sgd", "c1.batch": "0"}, "c1.batch", lambda s: s.competitors == (default_competitor("sgd"),)),
    ({"c1": "sgd", "c1.batch": "half"}, "c1.batch", lambda s: s.competitors == (default_competitor("sgd"),)),
    ({"c1": ["adam", "sgd"]}, "c1", lambda s: s.competitors == BASE.competitors),
]


@pytest.mark.parametrize(("query", "key", "used_default"), MALFORMED, ids=[str(m[0])[:40] for m in MALFORMED])
def test_malformed_values_warn_naming_the_key_and_fall_back(query, key, used_default):
    s, warnings = from_query(query, BASE)
    assert any(w.startswith(key) or f"'{key}'" in w for w in warnings), warnings
    assert used_default(s)
    s.raced()  # and the result is something the engine accepts


def test_a_valid_value_next_to_a_bad_one_is_kept():
    s, warnings = from_query({"steps": "abc", "seed": "42", "c1": "adam", "c1.lr": "oops", "c1.beta1": "0.8"})
    assert len(warnings) == 2
    assert s.seed == 42
    assert s.competitors == (replace(default_competitor("adam"), beta1=0.8),)


def test_no_valid_competitor_falls_back_to_the_base_ones():
    s, warnings = from_query({"c1": "nope", "c2": "???"}, BASE)
    assert s.competitors == BASE.competitors
    assert any("no valid competitors" in w for w in warnings)


def test_warnings_are_capped():
    _, warnings = from_query({f"junk{i}": "1" for i in range(500)})
    assert len(warnings) == MAX_WARNINGS + 1
    assert "more problems" in warnings[-1]


def test_warnings_do_not_echo_long_values():
    _, warnings = from_query({"surface": "x" * 10_000})
    assert len(warnings[0]) < 400


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.one_of(
            st.sampled_from([*sorted(to_query(BASE)), "kappa", "theta", "c3", "c3.lr", "c10.batch"]),
            st.text(),
        ),
        st.one_of(st.text(max_size=30), st.lists(st.text(max_size=10), max_size=3)),
        max_size=12,
    )
)
@example({})
@example({"": ""})
@example({"c1": ""})
@example({"c1": ["adam", "sgd"]})
@example({"c3.lr": "0.1"})  # a setting without its optimizer
@example({"c10": "adam", "c10.batch": "0"})
@example({"surface": "custom"})  # no formula
@example({"surface": "bowl", "kappa": "1e309"})
@example({"surface": "beale", "kappa": "5"})  # an option the surface does not have
@example({"x0": "-0", "steps": "+2000", "seed": "2147483648"})
@example({"lr": "0x10", "tol": "nan", "spread": "inf"})
def test_no_query_string_raises_and_every_result_is_valid(query):
    s, warnings = from_query(query, BASE)
    assert isinstance(s, RaceSettings) and all(isinstance(w, str) for w in warnings)
    # Whatever came in, the result round-trips cleanly and passes the engine's own checks of values.
    assert from_query(to_query(s)) == (s, ())
    assert 1 <= len(s.raced()) <= MAX_COMPETITORS
    assert all(math.isfinite(v) for v in s.start)


# -------------------------------------------------------------------------- settings -> the race


def test_shared_mode_gives_every_competitor_the_one_learning_rate():
    s = replace(BASE, shared=True, shared_lr=0.123)
    assert {c.lr for c in s.raced()} == {0.123}
    assert {c.lr for c in replace(s, shared=False).raced()} == {c.lr for c in BASE.competitors}


def test_a_batch_of_more_than_all_examples_is_the_full_batch():
    s = replace(BASE, n_examples=5, competitors=(replace(default_competitor("sgd"), batch_size=10),))
    assert s.raced()[0].batch_size == "full"


def test_a_data_surface_uses_its_own_examples():
    s = replace(BASE.with_surface("line_fit"), n_examples=7, spread=3.0)
    arguments = s.run_arguments(s.raced()[0])
    assert arguments["n_examples"] is None and arguments["spread"] is None


def test_with_surface_takes_that_surfaces_start_options_and_spread():
    s = BASE.with_surface("bowl")
    bowl = surfaces.SURFACES["bowl"]
    assert s.start == bowl.start and s.spread == bowl.spread
    assert dict(s.surface_options) == dict(bowl.options)
    assert s.competitors == BASE.competitors


def test_the_default_competitors_are_the_lectures_seven_with_every_setting_written_out():
    assert [c.optimizer for c in BASE.competitors] == list(LECTURE_OPTIMIZERS)
    for c in BASE.competitors:
        assert all(getattr(c, h) is not None for h in OPTIMIZERS[c.optimizer].uses)
        assert c.batch_size is not None


# ------------------------------------------------------------------------------- custom surfaces

CUSTOM_SPEC = CustomSurface("x^2 + 10 y^2", ((-2.0, 4.0), (-1.5, 1.5)), ((0.0, 0.0),))


def test_a_custom_surface_round_trips_through_the_query():
    s = BASE.with_custom(CUSTOM_SPEC)
    query = to_query(s)
    assert query["surface"] == CUSTOM
    assert (query["f"], query["dom"], query["min"]) == ("x^2 + 10 y^2", "-2,4,-1.5,1.5", "0,0")
    assert from_query(query, BASE) == (s, ())
    without_minima = BASE.with_custom(replace(CUSTOM_SPEC, minima=None))
    assert "min" not in to_query(without_minima)
    assert from_query(to_query(without_minima), BASE) == (without_minima, ())


def test_a_custom_surface_reaches_the_race():
    config = BASE.with_custom(CUSTOM_SPEC)
    assert config.surface == CUSTOM and config.custom == CUSTOM_SPEC
    assert config.surface_object().formula == "x^2 + 10*y^2"  # the canonical text
    assert start_ranges(config.surface_object())[0].describe() == "[-5, 7]"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"surface": "custom"}, "needs a formula"),
        ({"surface": "custom", "f": "__import__('os')"}, "f="),
        ({"surface": "custom", "f": "9**9**9"}, "f="),
        ({"surface": "custom", "f": "x" * 2000}, "at most 500"),
        ({"surface": "custom", "f": "x.real"}, "f="),
    ],
)
def test_a_bad_formula_in_a_link_warns_and_uses_the_default_surface(query, expected):
    s, warnings = from_query(query, BASE)
    assert s == BASE
    assert any(expected in w and "default surface" in w for w in warnings), warnings
    assert all(len(w) < 400 for w in warnings)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("dom", "1,2,3", "not x0,x1,y0,y1"),
        ("dom", "3,1,0,1", "below"),
        ("dom", "0,1e9,0,1", "outside"),
        ("min", "1;2", "not a point"),
        ("min", ";".join(["0,0"] * 30), "at most 20"),
    ],
)
def test_a_bad_domain_or_minima_in_a_link_warns_and_is_replaced(key, value, expected):
    s, warnings = from_query({"surface": "custom", "f": "x^2 + y^2", key: value}, BASE)
    assert s.surface == CUSTOM and s.custom.text == "x^2 + y^2"
    assert any(w.startswith(f"{key}:") and expected in w for w in warnings), warnings


def test_formula_keys_without_a_custom_surface_are_ignored_with_a_warning():
    s, warnings = from_query({"f": "x^2", "dom": "0,1,0,1"}, BASE)
    assert s == BASE
    assert sorted(w.split(":")[0] for w in warnings) == ["dom", "f"]


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(st.text(max_size=40), st.sampled_from(["x^2 + y^2", "sin(x) y", "abs(x) + 2y^2"])),
    st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["-1,1,-1,1", "0,2,0,3"])),
    st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["0,0", "1, 1; 0, 0"])),
)
@example("", None, None)
@example("x^2 + y^2", "1,-1,0,1", None)  # an empty domain
@example("x^2 + y^2", "-1,1,-1,1", "5,5")  # a minimum outside the domain
@example("log(x) + y^2", None, None)  # no minimum on the default domain
@example("sqrt(-1) + x", "-1,1,-1,1", "0,0")  # nowhere defined
@example("x + y", "-1e6,1e6,-1e6,1e6", "1e6,1e6")  # the widest domain, a minimum in a corner
def test_no_custom_surface_link_raises_and_every_result_round_trips(f, dom, minima):
    query = {"surface": "custom", "f": f} | ({} if dom is None else {"dom": dom})
    query |= {} if minima is None else {"min": minima}
    s, warnings = from_query(query, BASE)
    assert all(isinstance(w, str) for w in warnings)
    assert (s.surface == CUSTOM) == (s.custom is not None)
    assert from_query(to_query(s), BASE) == (s, ())
