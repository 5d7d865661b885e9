"""A formula of the user's own in the app: it races, shows f and its exact gradient, travels in the
link and in the exported JSON; a refused formula gives a message and the last valid race stays."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from optviz.app.export_panel import EXPORT, EXPORT_BOX
from optviz.app.serve import SCRIPT
from optviz.export import load_json
from optviz.link import to_query
from optviz.racing import run_race
from optviz.settings import CUSTOM, CustomSurface, RaceSettings
from tests.results_page import plain, results

APP = str(SCRIPT)  # the page (app.py serves it with the live route)
TIMEOUT = 300
SHORT = {"steps": "20", "c1": "adam", "c2": "momentum"}


def fresh(query: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def settings(at: AppTest) -> RaceSettings:
    return at.session_state["settings"]


def latex(at: AppTest) -> str:
    return "\n".join(element.value for element in at.latex)


@pytest.fixture
def custom(warm: None) -> AppTest:
    at = fresh(SHORT)
    at.selectbox(key="w.surface").set_value(CUSTOM).run()
    assert_clean(at)
    return at


@pytest.fixture(scope="module")
def warm() -> None:
    fresh(SHORT)


def type_formula(at: AppTest, text: str) -> AppTest:
    at.text_input(key="w.custom.f").input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_picking_custom_races_on_the_default_formula(custom: AppTest):
    s = settings(custom)
    assert s.surface == CUSTOM and s.custom is not None
    assert s.start == s.custom.build().start
    assert len(results(custom)) == 2
    assert r"\nabla f" in latex(custom)


def test_typing_a_formula_races_on_it_with_its_exact_gradient(custom: AppTest):
    type_formula(custom, "x^2 + 100*y^2")
    assert_clean(custom)
    s = settings(custom)
    assert s.custom == CustomSurface("x^2 + 100*y^2", s.custom.domain, None)
    surface = s.custom.build()
    assert s.start == surface.start
    shown = latex(custom)
    assert "100 y^{2}" in shown and "200 y" in shown and "2 x" in shown
    # The table shows this race: the same final losses as the library's run of the same settings.
    race = run_race(s)
    final = [float(r.trajectory.loss[-1]) for r in race.runners]
    assert np.allclose(results(custom)["Final loss"], final)


HOSTILE = [
    ("__import__('os')", "__import__"),
    ("9**9**9", ""),
    ("x" * 2000, "2000"),
    ("x.__class__", ""),
    ("lambda: 1", ""),
    ("open('f')", "open"),
]


@pytest.mark.parametrize(("text", "named"), HOSTILE)
def test_a_refused_formula_gives_a_message_and_the_last_race_stays(custom: AppTest, text: str, named: str):
    type_formula(custom, "x^2 + 3*y^2")
    before = settings(custom)
    table = results(custom)
    type_formula(custom, text)
    errors = [plain(e.value) for e in custom.error]
    assert any("The race still uses f(x, y) = x^2 + 3*y^2." in e for e in errors), errors
    assert any(named in e for e in errors)
    assert settings(custom) == before
    assert results(custom).equals(table)
    # The text stays in the box, to be fixed.
    assert custom.text_input(key="w.custom.f").value == text


def test_domain_and_minima(custom: AppTest):
    custom.number_input(key="w.custom.x0").set_value(-1.0).run()
    custom.text_input(key="w.custom.min").input("0, 0").run()
    assert_clean(custom)
    spec = settings(custom).custom
    assert spec.domain[0] == (-1.0, 3.0)
    assert spec.minima == ((0.0, 0.0),)
    custom.number_input(key="w.custom.x0").set_value(5.0).run()  # above x max
    assert any("domain" in plain(e.value) for e in custom.error)
    assert settings(custom).custom == spec
    custom.number_input(key="w.custom.x0").set_value(-1.0).run()
    custom.text_input(key="w.custom.min").input("0; 1, 2, 3").run()
    assert any("known minima" in plain(e.value) for e in custom.error)
    assert settings(custom).custom == spec


def test_a_link_carries_the_custom_surface(custom: AppTest):
    type_formula(custom, "sin(3x) cos(3y) + 0.1(x^2 + y^2)")
    custom.text_input(key="w.custom.min").input("-0.5, 0.5").run()
    s = settings(custom)
    query = to_query(s)
    assert query["surface"] == CUSTOM and query["f"] == s.custom.text
    linked = fresh(query)
    assert_clean(linked)
    assert settings(linked) == s
    assert results(linked).equals(results(custom))


def test_a_bad_formula_in_a_link_warns_and_uses_the_default_surface(warm: None):
    at = fresh({**SHORT, "surface": CUSTOM, "f": "__import__('os').system('touch /tmp/x')"})
    assert not at.exception
    assert settings(at).custom is None and settings(at).surface != CUSTOM
    assert any("f=" in plain(w.value) and "default surface" in plain(w.value) for w in at.warning)


def test_the_exported_json_reproduces_the_custom_race(custom: AppTest):
    type_formula(custom, "abs(x) + y^2")
    custom.session_state[EXPORT_BOX] = True  # a closed box shows none of its widgets
    custom.run()
    custom.selectbox(key="export.format").set_value("json").run()
    custom.button(key="export.prepare").click().run()
    assert_clean(custom)
    config = load_json(custom.session_state[EXPORT].data)
    assert config == settings(custom).race_part()
    assert config.custom is not None and config.custom.text == "abs(x) + y^2"
    original, again = run_race(settings(custom)), run_race(config)
    for a, b in zip(original.runners, again.runners, strict=True):
        assert np.array_equal(a.trajectory.xy, b.trajectory.xy)


def test_a_preset_or_a_built_in_surface_leaves_the_formula(custom: AppTest):
    custom.selectbox(key="w.surface").set_value("beale").run()
    assert_clean(custom)
    assert settings(custom).custom is None and settings(custom).surface == "beale"


def test_a_run_into_an_undefined_region_is_reported(custom: AppTest):
    # f is undefined for x < -2, on part of the domain; a large step from near that edge lands there.
    custom.text_input(key="w.custom.f").input("x^2 + y^2 + sqrt(x + 2)").run()
    custom.number_input(key="w.x0").set_value(-1.99).run()
    custom.number_input(key="w.y0").set_value(0.0).run()
    custom.session_state["w.box0"] = True  # a closed box shows none of its widgets
    custom.run()
    custom.number_input(key="w.c1.lr").set_value(1.0).run()
    assert not custom.exception
    assert any("undefined" in w.value for w in custom.warning), [w.value for w in custom.warning]
