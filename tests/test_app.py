"""The app driven through Streamlit's AppTest: every control changes what is computed or shown,
presets load, a link reproduces the race, and bad input gives a message instead of a traceback.

The race view itself (`optviz.views.player`) is a browser component; here it is checked only through the
settings and results it is given. Clicks on the contour map need a real browser.
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import surfaces
from optviz import presets
from optviz.app.competitors import competitor_box
from optviz.app.results import results_html, results_rows
from optviz.app.serve import SCRIPT
from optviz.engine.optimizers import LECTURE_OPTIMIZERS
from optviz.link import to_query
from optviz.racing import run_race
from optviz.settings import RaceSettings, default_competitor
from tests.results_page import plain, read_table, results

APP = str(SCRIPT)  # the page (app.py serves it with the live route)
TIMEOUT = 300  # the first run in a fresh environment compiles the engine's kernels
DEFAULT = presets.DEFAULT.settings
# The page most tests start from: the lecture's seven on the default preset's surface (as "Reset to the
# lecture's seven" leaves it).
SEVEN = replace(DEFAULT, competitors=presets.lecture_seven(DEFAULT.surface))


def fresh(query: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    return at.run()


@pytest.fixture(scope="module")
def warm() -> None:
    fresh()  # compile (or load) the kernels once, so the tests below time only themselves


@pytest.fixture
def app(warm: None) -> AppTest:
    at = fresh(to_query(SEVEN))
    assert_clean(at)
    assert settings(at) == SEVEN
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def settings(at: AppTest) -> RaceSettings:
    return at.session_state["settings"]


def table(at: AppTest) -> pd.DataFrame:
    return results(at)


def row(at: AppTest, label: str) -> pd.Series:
    t = table(at)
    return t[t["Optimizer"] == label].iloc[0]


def expand(at: AppTest, *slots: int, stochastic: bool = False) -> AppTest:
    """Opens competitors' boxes (slots count from 1) and, if asked, the stochastic mode's, then
    reruns: a closed box sends none of its widgets."""
    for slot in slots:
        at.session_state[competitor_box(slot - 1)] = True
    if stochastic:
        at.session_state["w.stochastic"] = True
    return at.run()


def latex(at: AppTest) -> list[str]:
    return [element.value for element in at.latex]


def header_formula(at: AppTest) -> str:
    """The header's line with the surface's name and its formula (inline maths, so that it wraps)."""
    return next(m.value for m in at.markdown if m.value.startswith("**") and "$" in m.value)


def note_html(at: AppTest) -> str:
    """The preset's "What to watch" strip above the race, as HTML ("" when there is none)."""
    return "".join(h.proto.body for h in at.get("html") if "optviz-note" in h.proto.body)


# ----------------------------------------------------------------------------------------- page


def test_the_default_page(warm: None):
    app = fresh()
    assert_clean(app)
    assert app.title[0].value == "Optimizer race"
    assert settings(app) == DEFAULT
    assert list(table(app)["Optimizer"]) == [run.label for run in run_race(DEFAULT).runners]
    assert app.query_params == to_query(DEFAULT)  # every setting is in the link from the start
    assert "What to watch" in note_html(app)
    assert any("Pick a preset" in m.value for m in app.markdown)  # the "How to use" help
    assert not app.warning


def test_surfaces_are_grouped_with_the_lectures_first(app: AppTest):
    picker = app.selectbox(key="w.surface")
    assert picker.options[:3] == [
        "Lecture · Long valley",
        "Lecture · Beale's function",
        "Lecture · Saddle point",
    ]


# ------------------------------------------------------------------------------ each control


def test_surface_picker_moves_the_race_to_that_surfaces_start(app: AppTest):
    before = table(app)
    app.selectbox(key="w.surface").set_value("beale").run()
    assert_clean(app)
    s = settings(app)
    assert (s.surface, s.start, s.surface_options) == ("beale", (1.0, 1.4), ())
    assert "(1.5 - x + xy)^2" in header_formula(app)
    assert not table(app)["Final loss"].equals(before["Final loss"])
    assert header_formula(app).startswith("**Beale's function**")


def test_every_surface_runs(app: AppTest):
    for name in surfaces.SURFACES:
        app.selectbox(key="w.surface").set_value(name).run()
        assert_clean(app)
        assert settings(app).surface == name
        assert len(table(app)) == len(SEVEN.competitors)


def test_surface_options(app: AppTest):
    app.selectbox(key="w.surface").set_value("bowl").run()
    before = table(app)
    app.select_slider(key="w.surface.kappa").set_value(100.0).run()
    app.select_slider(key="w.surface.theta").set_value(45.0).run()
    assert_clean(app)
    assert dict(settings(app).surface_options) == {"kappa": 100.0, "theta": 45.0}
    assert not table(app)["Final loss"].equals(before["Final loss"])


def test_typed_start_point_and_the_default_start_button(app: AppTest):
    app.number_input(key="w.x0").set_value(-10.0).run()
    app.number_input(key="w.y0").set_value(-1.5).run()
    assert_clean(app)
    assert settings(app).start == (-10.0, -1.5)
    assert settings(app).start == (-10.0, -1.5)
    app.button(key="w.default_start").click().run()
    assert settings(app).start == (-18.0, 2.0)
    assert app.number_input(key="w.x0").value == -18.0


def test_steps(app: AppTest):
    app.slider(key="w.steps").set_value(40).run()
    assert settings(app).steps == 40
    assert set(table(app)["Steps to tol"]) == {"not reached"}  # nobody arrives in 40 steps


def test_eps_placement_changes_the_race_and_the_formulas(app: AppTest):
    assert any(r"\sqrt{G + \epsilon}" in x for x in latex(app))
    app.radio(key="w.eps_at").set_value("outside").run()
    assert_clean(app)
    assert settings(app).eps_placement == "outside"
    formulas = latex(app)
    assert any(r"\sqrt{\hat G} + \epsilon" in x for x in formulas)
    assert not any(r"\sqrt{G + \epsilon}" in x for x in formulas)
    assert any("PyTorch" in c.value for c in app.caption)


def test_shared_learning_rate(app: AppTest):
    app.toggle(key="w.shared").set_value(True).run()
    app.number_input(key="w.lr").set_value(0.05).run()
    assert_clean(app)
    assert {c.lr for c in settings(app).raced()} == {0.05}
    assert settings(app).competitors == SEVEN.competitors  # their own values come back when off
    expand(app, 1)
    assert "w.c1.lr" not in {w.key for w in app.number_input}  # one eta box, not one per competitor
    assert any("shared value" in c.value for c in app.caption)
    app.toggle(key="w.shared").set_value(False).run()
    assert [c.lr for c in settings(app).raced()] == [c.lr for c in SEVEN.competitors]


def test_a_competitors_learning_rate_slider_and_box_move_together(app: AppTest):
    before = row(app, "Adam")
    expand(app, 7)
    app.select_slider(key="w.c7.lr.slider").set_value(0.5).run()
    assert_clean(app)
    assert settings(app).competitors[6].lr == 0.5
    assert app.number_input(key="w.c7.lr").value == 0.5
    assert row(app, "Adam")["Final loss"] != before["Final loss"]
    app.number_input(key="w.c7.lr").set_value(0.0123).run()
    assert settings(app).competitors[6].lr == 0.0123
    assert app.select_slider(key="w.c7.lr.slider").value == 0.0123  # the exact value is on the slider


@pytest.mark.parametrize(
    ("slot", "name", "value"),
    [(4, "gamma", 0.5), (7, "beta1", 0.5), (7, "beta2", 0.99), (7, "eps", 0.001), (6, "gamma", 0.9)],
)
def test_each_hyperparameter_box(app: AppTest, slot: int, name: str, value: float):
    label = SEVEN.competitors[slot - 1].title
    before = row(app, label)["Final loss"]
    expand(app, slot)
    app.number_input(key=f"w.c{slot}.{name}").set_value(value).run()
    assert_clean(app)
    assert getattr(settings(app).competitors[slot - 1], name) == value
    assert row(app, label)["Final loss"] != before


def test_only_the_hyperparameters_an_optimizer_uses_are_shown(app: AppTest):
    expand(app, 1, 7)
    keys = {w.key for w in app.number_input if w.key and w.key.startswith("w.c1.")}
    assert keys == {"w.c1.lr"}  # batch GD: eta only (and its batch size)
    keys = {w.key for w in app.number_input if w.key and w.key.startswith("w.c7.")}
    assert keys == {"w.c7.lr", "w.c7.beta1", "w.c7.beta2", "w.c7.eps"}


def test_batch_size_full_one_or_b(app: AppTest):
    smooth = row(app, "Batch GD")["Final loss"]
    expand(app, 1)
    app.segmented_control(key="w.c1.batch").set_value("one").run()
    assert settings(app).competitors[0].batch_size == 1
    assert row(app, "Batch GD")["Final loss"] != smooth
    app.segmented_control(key="w.c1.batch").set_value("mini").run()
    app.number_input(key="w.c1.B").set_value(25).run()
    assert_clean(app)
    assert settings(app).competitors[0].batch_size == 25
    app.segmented_control(key="w.c1.batch").set_value("full").run()
    assert settings(app).competitors[0].batch_size == "full"
    assert row(app, "Batch GD")["Final loss"] == smooth


def test_remove_add_twice_and_reset_competitors(app: AppTest):
    expand(app, 2)
    app.button(key="w.c2.remove").click().run()
    assert [c.optimizer for c in settings(app).competitors] == [n for n in LECTURE_OPTIMIZERS if n != "sgd"]
    assert len(table(app)) == 6
    app.selectbox(key="w.add").set_value("adam").run()
    app.button(key="w.add_button").click().run()
    assert_clean(app)
    # the newcomer keeps its own colour slot: SGD's is free now, Adam's own is taken
    assert settings(app).competitors[-1] == replace(default_competitor("adam"), color=1)
    kept = [c.color for c in settings(app).competitors[:-1]]
    assert kept == [c.color for c in SEVEN.competitors if c.optimizer != "sgd"]  # nobody recoloured
    assert app.number_input(key="w.c7.lr").value == 0.001  # the newcomer's box opens, ready to set
    labels = list(table(app)["Optimizer"])
    assert len(labels) == 7 and len(set(labels)) == 7  # two Adams, told apart by their eta
    assert [lab for lab in labels if lab.startswith("Adam")] == ["Adam (η=0.2)", "Adam (η=0.001)"]
    # the sidebar's boxes name them as the legend does
    boxes = [e.label for e in app.expander if e.label.startswith(("6", "7"))]
    assert [plain(b) for b in boxes] == ["6. Adam (η=0.2)", "7. Adam (η=0.001)"]
    app.button(key="w.lecture_seven").click().run()
    assert settings(app).competitors == presets.lecture_seven(SEVEN.surface)
    assert settings(app).competitors[2].lr == presets.PRESETS["long_valley"].rates["minibatch_gd"]


def test_the_results_table_keeps_exact_values_and_each_runners_colour(warm: None):
    race = run_race(DEFAULT)
    html = results_html(race, DEFAULT.tol)
    frame = read_table(html)
    assert list(frame["Optimizer"]) == [r.label for r in race.runners]
    pd.testing.assert_frame_equal(
        frame.drop(columns="Optimizer"),
        pd.DataFrame(results_rows(race, DEFAULT.tol)).drop(columns="Optimizer"),
    )
    for runner in race.runners:
        assert f"background:{runner.color}" in html


def test_a_closed_box_sends_no_widgets_and_keeps_its_values(app: AppTest):
    keys = {w.key for w in app.number_input} | {w.key for w in app.select_slider}
    assert not any(k.startswith("w.c") for k in keys) and "w.n" not in keys
    expand(app, 7)
    app.number_input(key="w.c7.beta1").set_value(0.5).run()
    app.session_state[competitor_box(6)] = False
    app.run()
    assert_clean(app)
    assert "w.c7.beta1" not in {w.key for w in app.number_input}
    assert settings(app).competitors[6].beta1 == 0.5  # closing the box changes nothing
    expand(app, 7)
    assert app.number_input(key="w.c7.beta1").value == 0.5


def test_stochastic_settings_change_the_stochastic_runners_only(app: AppTest):
    before = table(app).set_index("Optimizer")["Final loss"]
    expand(app, stochastic=True)
    for key, value in (("w.n", 20), ("w.spread", 3.0), ("w.seed", 7)):
        app.number_input(key=key).set_value(value).run()
        assert_clean(app)
    s = settings(app)
    assert (s.n_examples, s.spread, s.seed) == (20, 3.0, 7)
    after = table(app).set_index("Optimizer")["Final loss"]
    assert after["SGD"] != before["SGD"] and after["Mini-batch GD"] != before["Mini-batch GD"]
    assert after["Batch GD"] == before["Batch GD"] and after["Adam"] == before["Adam"]


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("w.show_3d", False, "show_3d"),
        ("w.show_arrows", True, "show_arrows"),
        ("w.show_rates", True, "show_rates"),
        ("w.show_formulas", False, "show_formulas"),
    ],
)
def test_display_toggles(app: AppTest, key: str, value: bool, field: str):
    app.toggle(key=key).set_value(value).run()
    assert_clean(app)
    assert getattr(settings(app).view, field) is value
    assert app.query_params[{"show_3d": "view3d", "show_arrows": "arrows"}.get(field, field[5:])] == str(
        int(value)
    )


def test_formulas_toggle_hides_the_update_rules(app: AppTest):
    assert any(s.value == "Update rules" for s in app.subheader)
    app.toggle(key="w.show_formulas").set_value(False).run()
    assert not any(s.value == "Update rules" for s in app.subheader)
    assert len(app.latex) == 0  # (the surface's formula is in the header's line)


def test_trail_and_tolerance(app: AppTest):
    app.select_slider(key="w.trail").set_value(20).run()
    app.select_slider(key="w.tol").set_value(1e-6).run()
    assert_clean(app)
    s = settings(app)
    assert (s.view.trail, s.tol) == (20, 1e-6)
    # the playback speed is the player's own menu (tests/browser), not a sidebar slider
    assert not [w for w in app.slider if w.key == "w.speed"]
    steps = row(app, "RMSProp")["Steps to tol"]
    app.select_slider(key="w.tol").set_value(0.1).run()
    assert row(app, "RMSProp")["Steps to tol"] != steps


@pytest.mark.parametrize("name", list(presets.PRESETS))
def test_presets_apply_their_settings(app: AppTest, name: str):
    app.selectbox(key="w.preset").set_value(name).run()
    assert_clean(app)
    preset = presets.PRESETS[name]
    assert settings(app) == replace(preset.settings, view=DEFAULT.view, tol=DEFAULT.tol)
    assert app.selectbox(key="w.preset").value == name
    first, *rest = preset.watch(run_race(preset.settings)).split("\n")
    shown = note_html(app)
    assert html.escape(first).replace("**", "") in shown.replace("<b>", "").replace("</b>", "")
    assert shown.count("<li>") == len([line for line in rest if line.strip()])
    assert len(table(app)) == len(preset.settings.competitors)
    app.slider(key="w.steps").set_value(preset.settings.steps + 1).run()
    assert app.selectbox(key="w.preset").value is None  # no longer that preset


# --------------------------------------------------------------------------------- the link


def test_a_link_reproduces_the_race_exactly(app: AppTest):
    app.selectbox(key="w.preset").set_value("bowl").run()
    app.number_input(key="w.x0").set_value(3.25).run()
    expand(app, 3, 5, stochastic=True)
    app.number_input(key="w.c5.lr").set_value(0.0321).run()
    app.radio(key="w.eps_at").set_value("outside").run()
    app.toggle(key="w.show_rates").set_value(True).run()
    app.segmented_control(key="w.c3.batch").set_value("one").run()
    app.number_input(key="w.seed").set_value(11).run()
    link = dict(app.query_params)
    assert link == to_query(settings(app))

    opened = fresh(link)
    assert_clean(opened)
    assert not any("link" in w.value for w in opened.warning)
    assert settings(opened) == settings(app)
    pd.testing.assert_frame_equal(table(opened), table(app))


# --------------------------------------------------------------------------------- bad input

MALFORMED = [
    {"steps": "-5"},
    {"steps": "1e99", "lr": "nan"},
    {"x0": "inf", "y0": "NaN"},
    {"surface": "nowhere", "c1": "unknown_optimizer"},
    {"steps": ["100", "200"]},
    {"zzz": "1", "c99": "adam"},
    {"c1": "adam", "c1.lr": "-3", "c1.beta2": "2", "c1.gamma": "0.5"},
    {"kappa": "1e400", "surface": "bowl", "speed": "abc", "view3d": "maybe"},
    {"c1.lr": "0.1"},
]


@pytest.mark.parametrize("query", MALFORMED, ids=[str(q)[:50] for q in MALFORMED])
def test_malformed_links_warn_and_use_defaults(warm: None, query: dict[str, Any]):
    at = fresh(query)
    assert_clean(at)
    warning = plain(" ".join(w.value for w in at.warning))
    for key in query:
        assert key in warning, (key, warning)
    assert len(table(at)) >= 1  # the race still runs
    assert at.query_params == to_query(settings(at))  # and the link is repaired


def test_url_warnings_can_be_dismissed(warm: None):
    at = fresh({"steps": "oops"})
    assert at.warning
    at.button(key="dismiss_url_warnings").click().run()
    assert not at.warning


def test_a_divergent_competitor_is_reported_and_the_others_run_on(warm: None):
    at = fresh({"surface": "bowl", "c1": "batch_gd", "c1.lr": "0.5", "c2": "adam", "c2.lr": "0.1"})
    assert_clean(at)
    t = table(at).set_index("Optimizer")
    assert t.loc["Batch GD", "Diverged"].startswith("at step")
    assert t.loc["Adam", "Diverged"] == "no" and t.loc["Adam", "Steps to tol"] != "not reached"
    note = " ".join(w.value for w in at.warning)
    assert "Batch GD" in note and "diverged at step" in note


@pytest.mark.parametrize(
    ("key", "bad", "field"),
    [
        ("w.c1.lr", -1.0, lambda s: s.competitors[0].lr),
        ("w.c7.beta2", 1.5, lambda s: s.competitors[6].beta2),
        ("w.c5.eps", -1e-8, lambda s: s.competitors[4].eps),
        ("w.x0", 1e6, lambda s: s.start),
        ("w.n", 0, lambda s: s.n_examples),
        ("w.spread", -2.0, lambda s: s.spread),
    ],
)
def test_a_bad_typed_value_gives_a_message_and_keeps_the_race(app: AppTest, key: str, bad: Any, field):
    expand(app, 1, 5, 7, stochastic=True)
    before, results = field(settings(app)), table(app)
    app.number_input(key=key).set_value(bad).run()
    assert not app.exception
    assert any("race still uses" in e.value for e in app.error)  # next to the box
    assert any("not allowed" in e.value for e in app.error)  # and at the top of the page
    assert field(settings(app)) == before
    pd.testing.assert_frame_equal(table(app), results)
    assert app.number_input(key=key).value == bad  # what was typed stays there to be fixed
    good = 0.5 if key != "w.n" else 50
    app.number_input(key=key).set_value(good if key != "w.x0" else -5.0).run()
    assert_clean(app)


def test_a_batch_larger_than_the_data_is_explained(app: AppTest):
    expand(app, stochastic=True)
    app.number_input(key="w.n").set_value(5).run()
    assert_clean(app)
    assert any("more than the 5 examples" in c.value for c in app.caption)
    assert any("Mini-batch GD" in c.value for c in app.caption)
    assert settings(app).raced()[2].batch_size == "full"
