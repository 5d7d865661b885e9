"""Broken and hostile links: the generator behind `loadtest.hostile`, checked against the settings
parser (every bad key is named in a warning), and a sample of its links through the whole app."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

import surfaces
from loadtest.hostile import OUT_OF_RANGE, hostile_queries, named
from optviz.app.serve import SCRIPT
from optviz.link import from_query
from optviz.params import HYPERPARAMETERS
from optviz.racing import run_race

APP = str(SCRIPT)  # the page (app.py serves it with the live route)
CASES = hostile_queries(500, seed=0)


def test_the_generator_makes_distinct_links_of_every_kind():
    queries = [case.query for case in CASES]
    assert len(set(queries)) > 450
    bad = {key for case in CASES for key in case.bad_keys}
    assert {"steps", "surface", "f", "dom", "min", "c1", "zzz"} <= bad


def test_out_of_range_values_really_are_out_of_range():
    # The generator's "out of range" values must be refused by the parser's own ranges, or the
    # live check would demand a warning for a valid value.
    # A competitor's setting is checked with competitors that use it (c2: momentum's gamma).
    competitors = {"c1": "adam", "c2": "momentum", "c3": "adam"}
    for key, values in OUT_OF_RANGE.items():
        for value in values:
            _, warnings = from_query({**competitors, key: value} if "." in key else {key: value})
            assert any(w.startswith(key) for w in warnings), (key, value, warnings)
    assert set(HYPERPARAMETERS) >= {"lr", "gamma", "beta1", "beta2", "eps"}
    assert set(surfaces.OPTIONS) <= set(OUT_OF_RANGE)


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_every_bad_key_of_a_generated_link_is_named(case):
    settings, warnings = from_query(parse_qs(case.query, keep_blank_values=True))
    text = " ".join(warnings)
    for key in case.bad_keys:
        assert named(key, text), (case.query, warnings)
    settings.raced()  # what is left is a race the engine accepts


def test_what_a_hostile_link_leaves_runs():
    for case in CASES[::25]:
        settings, _ = from_query(parse_qs(case.query, keep_blank_values=True))
        race = run_race(replace(settings, steps=5))
        assert race.runners


@pytest.mark.parametrize("case", CASES[:: len(CASES) // 12], ids=lambda c: c.query[:50])
def test_a_hostile_link_gives_the_page_with_a_warning_never_an_exception(case):
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update(parse_qs(case.query, keep_blank_values=True))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(w.value for w in at.warning)
    for key in case.bad_keys:
        assert named(key, text), (case.query, text)
