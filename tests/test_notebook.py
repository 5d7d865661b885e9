"""Races in notebooks: `optviz.race` gives each competitor exactly `optviz.run`'s result, refuses
every bad argument with a ValueError naming it, exports to files, and shows the race player as an
anywidget widget; a real Jupyter kernel (nbclient + ipykernel) displays it with the race's payload,
the widget's module and the player's own module in the widget's state."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import optviz
import surfaces
from optviz.export import load_json
from optviz.notebook import RaceView
from optviz.settings import Competitor
from optviz.views.player import payload

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "optviz" / "views" / "player" / "static"
WIDGET_JS = ROOT / "optviz" / "notebook" / "widget.js"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STATE_MIME = "application/vnd.jupyter.widget-state+json"


def same_run(runner: optviz.RaceRunner, expected: optviz.Trajectory) -> None:
    np.testing.assert_array_equal(runner.xy, expected.xy)
    np.testing.assert_array_equal(runner.loss, expected.loss)
    np.testing.assert_array_equal(runner.grad, expected.grad)
    assert runner.diverged_at == expected.diverged_at


@pytest.fixture(scope="module")
def small() -> RaceView:
    return optviz.race(["adam", "momentum"], "beale", steps=20)


# ---------------------------------------------------------------------------------------------
# The results are optviz.run's


def test_each_competitor_runs_as_optviz_run() -> None:
    r = optviz.race(["adam", "momentum", {"optimizer": "adam", "lr": 0.2}], "beale", steps=50)
    assert [x.label for x in r.runners] == ["Adam (η=0.001)", "Momentum", "Adam (η=0.2)"]
    assert [x.optimizer for x in r.runners] == ["adam", "momentum", "adam"]
    same_run(r.runners[0], optviz.run("adam", "beale", steps=50))
    same_run(r.runners[1], optviz.run("momentum", "beale", steps=50))
    same_run(r.runners[2], optviz.run("adam", "beale", steps=50, lr=0.2))
    assert r.runners[0].xy.shape == (51, 2)
    assert r["Momentum"].xy is r.runners[1].xy
    assert len(r) == 3 and r.steps == 50 and r.start == surfaces.get("beale").start
    # Distinct colours, and each run's settings reproduce it.
    assert len({x.color for x in r.runners}) == 3
    for runner in r.runners:
        same_run(runner, optviz.run(**runner.settings.as_kwargs()))


def test_shared_hyperparameters_apply_where_a_competitor_sets_none() -> None:
    r = optviz.race(
        ["adam", "momentum", {"optimizer": "momentum", "gamma": 0.5}],
        "rosenbrock",
        steps=40,
        lr=0.002,
        gamma=0.8,
    )
    same_run(r.runners[0], optviz.run("adam", "rosenbrock", steps=40, lr=0.002))
    same_run(r.runners[1], optviz.run("momentum", "rosenbrock", steps=40, lr=0.002, gamma=0.8))
    same_run(r.runners[2], optviz.run("momentum", "rosenbrock", steps=40, lr=0.002, gamma=0.5))
    assert r.runners[0].competitor.gamma is None  # Adam does not use gamma


@pytest.mark.parametrize(
    ("optimizers", "surface", "kwargs"),
    [
        (["rmsprop", "adagrad"], "long_valley", {"eps_placement": "outside", "start": (-1.0, 0.8)}),
        (["sgd", "batch_gd", "minibatch_gd"], "line_fit", {"seed": 3}),
        (["adam"], "beale", {"batch_size": 8, "n_examples": 100, "spread": 2.0}),
        (["momentum"], surfaces.get("bowl", kappa=100, theta=30), {"lr": 0.01}),
        (["adam"], surfaces.from_formula("x^2 + 10*y^2", domain=((-2, 2), (-2, 2))), {"lr": 0.05}),
        (["sgd"], "beale", {"batch_size": "full", "lr": 0.001}),
    ],
    ids=["eps-outside", "line-fit", "stochastic-adam", "bowl-options", "formula", "full-batch"],
)
def test_settings_reach_every_run(optimizers: list[str], surface: Any, kwargs: dict[str, Any]) -> None:
    r = optviz.race(optimizers, surface, steps=30, **kwargs)
    for name, runner in zip(optimizers, r.runners, strict=True):
        same_run(runner, optviz.run(name, surface, steps=30, **kwargs))


def test_competitors_as_objects_and_a_single_name() -> None:
    r = optviz.race([Competitor("nesterov", lr=0.003, gamma=0.7)], "beale", steps=10)
    same_run(r.runners[0], optviz.run("nesterov", "beale", steps=10, lr=0.003, gamma=0.7))
    assert [x.optimizer for x in optviz.race("lion", steps=5).runners] == ["lion"]


def test_settings_open_in_the_app_as_the_same_race(small: RaceView) -> None:
    again = optviz.race(["adam", "momentum"], "beale", steps=20)
    assert again.settings == small.settings
    assert optviz.settings.RaceSettings.from_json(small.settings.to_json()) == small.settings


def test_repr_lists_the_runners(small: RaceView) -> None:
    text = repr(small)
    assert "Beale" in text and "20 steps" in text
    assert "Adam: loss" in text and "Momentum: loss" in text


# ---------------------------------------------------------------------------------------------
# Bad arguments
#
# (keyword arguments, words the message must contain); adam and momentum on beale unless the case
# says otherwise.

BAD: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "unknown optimizer",
        {"optimizers": ["adam", "adamm"]},
        ("optimizer", "'adamm'", "adam", "rmsprop", "lion"),
    ),
    ("optimizer not a string", {"optimizers": [3]}, ("optimizers[0]", "adam")),
    ("optimizers not a list", {"optimizers": 3}, ("optimizers",)),
    ("no optimizers", {"optimizers": []}, ("optimizers", "1 to 10")),
    ("eleven optimizers", {"optimizers": ["adam"] * 11}, ("optimizers", "1 to 10")),
    ("dict without optimizer", {"optimizers": [{"lr": 0.1}]}, ("optimizer", "adam")),
    (
        "dict unknown key",
        {"optimizers": [{"optimizer": "adam", "learning_rate": 0.1}]},
        ("learning_rate", "lr"),
    ),
    ("dict bad lr", {"optimizers": [{"optimizer": "adam", "lr": -1.0}]}, ("lr", "(0, ∞)", "optimizers[0]")),
    ("dict unused bad gamma", {"optimizers": [{"optimizer": "adam", "gamma": 2.0}]}, ("gamma", "[0, 1)")),
    ("dict bad batch", {"optimizers": [{"optimizer": "sgd", "batch_size": 0}]}, ("batch_size", "1")),
    ("unknown surface", {"surface": "beal"}, ("surface", "'beal'", "beale", "rosenbrock", "saddle")),
    ("surface not a string", {"surface": None}, ("surface", "beale")),
    ("steps 0", {"steps": 0}, ("steps", "1..2000")),
    ("steps too many", {"steps": 2001}, ("steps", "1..2000")),
    ("steps fractional", {"steps": 2.5}, ("steps", "whole")),
    ("steps bool", {"steps": True}, ("steps",)),
    ("steps string", {"steps": "100"}, ("steps",)),
    ("steps None", {"steps": None}, ("steps",)),
    ("lr 0", {"lr": 0.0}, ("lr", "(0, ∞)")),
    ("lr negative", {"lr": -0.1}, ("lr", "(0, ∞)")),
    ("lr nan", {"lr": math.nan}, ("lr", "finite")),
    ("lr inf", {"lr": math.inf}, ("lr", "finite")),
    ("lr string", {"lr": "fast"}, ("lr",)),
    ("lr bool", {"lr": True}, ("lr",)),
    ("gamma 1", {"gamma": 1.0}, ("gamma", "[0, 1)")),
    ("gamma unused by all", {"optimizers": ["adam"], "gamma": -0.1}, ("gamma", "[0, 1)")),
    ("beta1 1", {"beta1": 1.0}, ("beta1", "[0, 1)")),
    ("beta2 above 1", {"beta2": 2.0}, ("beta2", "[0, 1)")),
    ("eps negative", {"eps": -1e-8}, ("eps", "[0, ∞)")),
    ("weight_decay negative", {"weight_decay": -0.01}, ("weight_decay", "[0, ∞)")),
    ("eps_placement", {"eps_placement": "middle"}, ("eps_placement", "inside", "outside")),
    ("eps_placement case", {"eps_placement": "Inside"}, ("eps_placement", "inside", "outside")),
    ("batch_size 0", {"batch_size": 0}, ("batch_size", "1")),
    ("batch_size fractional", {"batch_size": 2.5}, ("batch_size",)),
    ("batch_size word", {"batch_size": "half"}, ("batch_size",)),
    ("n_examples 0", {"n_examples": 0}, ("n_examples",)),
    ("spread negative", {"spread": -1.0}, ("spread", "[0, ∞)")),
    ("seed negative", {"seed": -1}, ("seed",)),
    ("start nan", {"start": (math.nan, 1.0)}, ("start", "finite")),
    ("start not a pair", {"start": 5.0}, ("start",)),
    ("start three", {"start": (1.0, 2.0, 3.0)}, ("start",)),
    ("start far outside", {"start": (1e6, 1e6)}, ("start x",)),
    ("unknown keyword", {"momentum": 0.9}, ("momentum", "lr", "gamma")),
    ("misspelt keyword", {"learning_rate": 0.1}, ("learning_rate", "lr")),
]


@pytest.mark.parametrize(("case", "kwargs", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_argument_names_it(case: str, kwargs: dict[str, Any], words: tuple[str, ...]) -> None:
    kw = {"optimizers": ["adam", "momentum"], "surface": "beale", "steps": 10, **kwargs}
    with pytest.raises(ValueError) as error:
        optviz.race(**kw)
    message = str(error.value)
    for word in words:
        assert word in message, f"{case}: {message!r} lacks {word!r}"


def test_a_surface_outside_the_catalog_names_surface() -> None:
    alien = dataclasses.replace(surfaces.get("beale"), name="mine")
    with pytest.raises(ValueError, match="surface 'mine'"):
        optviz.race(["adam"], alien, steps=5)


# ---------------------------------------------------------------------------------------------
# Exports


def test_exports_write_files(small: RaceView, tmp_path: Path) -> None:
    assert small.to_gif(tmp_path / "r.gif", fps=10).read_bytes()[:6] == b"GIF89a"
    assert small.to_mp4(tmp_path / "r.mp4", fps=10).read_bytes()[4:8] == b"ftyp"
    assert b"<html" in small.to_html(tmp_path / "r.html").read_bytes()[:500].lower()
    assert small.to_png(tmp_path / "r.png", step=5).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv = small.to_csv(tmp_path / "r.csv").read_text().splitlines()
    assert len(csv) == 1 + 2 * 21
    saved = small.to_json(tmp_path / "r.json").read_bytes()
    assert load_json(saved) == small.settings
    document = json.loads(saved)
    np.testing.assert_allclose(document["runners"][1]["x"], small.runners[1].xy[:, 0])


def test_bad_export_option_names_it(small: RaceView, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown export option 'speed'.*fps"):
        small.to_gif(tmp_path / "r.gif", speed=2)
    with pytest.raises(ValueError, match="fps"):
        small.to_gif(tmp_path / "r.gif", fps=0)
    assert not (tmp_path / "r.gif").exists()


# ---------------------------------------------------------------------------------------------
# The widget, without a kernel


def test_widget_carries_the_payload_and_the_player_module() -> None:
    r = optviz.race(["adam", "momentum"], "beale", steps=20)
    widget = r.widget
    assert widget is r.widget
    assert widget.data == payload(r.race, r.settings.view, clickable=True)
    assert widget._player == (STATIC / "player.js").read_text(encoding="utf-8")
    assert widget._css.startswith((STATIC / "player.css").read_text(encoding="utf-8"))
    esm = str(widget._esm)
    assert esm == WIDGET_JS.read_text(encoding="utf-8")
    assert "export default" in esm and "render" in esm
    bundle = r._repr_mimebundle_()
    assert bundle[WIDGET_MIME]["model_id"] == widget.model_id
    assert bundle["text/plain"] == repr(r)


def test_a_click_on_the_map_restarts_the_race_there() -> None:
    r = optviz.race(["adam", "momentum"], "beale", steps=20)
    widget = r.widget
    before = widget.data["rev"]
    widget._handle_custom_msg({"event": "start", "value": {"x": 2.5, "y": -0.5}}, [])
    assert r.start == (2.5, -0.5)
    assert widget.data["start"] == [2.5, -0.5] and widget.data["rev"] != before
    assert widget.data == payload(r.race, r.settings.view, clickable=True)
    same_run(r.runners[1], optviz.run("momentum", "beale", start=(2.5, -0.5), steps=20))
    assert widget.notice == ""

    # A point the race cannot start from: a notice, and the race stays as it was.
    rev = widget.data["rev"]
    widget._handle_custom_msg({"event": "start", "value": {"x": 1e5, "y": 0.0}}, [])
    assert "start x" in widget.notice and r.start == (2.5, -0.5) and widget.data["rev"] == rev

    # Anything else the page might send changes nothing.
    for content in ({"event": "start", "value": "x"}, {"event": "speed", "value": 60}, {"x": 1}, "start"):
        widget._handle_custom_msg(content, [])
    assert r.start == (2.5, -0.5) and widget.data["rev"] == rev


def test_without_anywidget_the_race_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anywidget", None)
    monkeypatch.delitem(sys.modules, "optviz.notebook.widget", raising=False)
    r = optviz.race(["adam"], "beale", steps=5)
    with pytest.raises(ImportError, match=r"pip install .optviz\[notebook\]"):
        _ = r.widget
    bundle = r._repr_mimebundle_()
    assert WIDGET_MIME not in bundle
    assert "Adam" in bundle["text/plain"] and "anywidget" in bundle["text/plain"]


def test_import_optviz_loads_no_notebook_packages() -> None:
    code = (
        "import sys, optviz; optviz.race(['adam'], steps=5); "
        "print(sorted(m for m in ('anywidget', 'ipywidgets', 'IPython', 'streamlit') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_the_widget_module_imports_anywidget() -> None:
    users = [
        p.relative_to(ROOT).as_posix()
        for folder in ("optviz", "surfaces")
        for p in (ROOT / folder).rglob("*.py")
        if "import anywidget" in p.read_text(encoding="utf-8")
    ]
    assert users == ["optviz/notebook/widget.py"]


# ---------------------------------------------------------------------------------------------
# A real kernel


def test_a_notebook_shows_the_player(tmp_path: Path) -> None:
    """Executes a notebook whose last expression is a race with a python3 kernel (ipykernel); its
    output is the widget, whose model holds the race's payload, the widget module and the player."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('import optviz\noptviz.race(["adam", "momentum"], "beale", steps=50)')
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env={**os.environ, "PYTHONPATH": str(ROOT)})
    nbformat.write(nb, tmp_path / "race.ipynb")  # what a saved notebook holds

    (result,) = [o for o in nb.cells[0].outputs if o["output_type"] == "execute_result"]
    assert "Adam: loss" in result["data"]["text/plain"]
    model_id = result["data"][WIDGET_MIME]["model_id"]
    state = nb.metadata["widgets"][STATE_MIME]["state"][model_id]
    assert (state["model_module"], state["model_name"]) == ("anywidget", "AnyModel")
    values = state["state"]
    expected = optviz.race(["adam", "momentum"], "beale", steps=50)
    assert values["data"] == json.loads(json.dumps(payload(expected.race, expected.settings.view)))
    assert values["_esm"] == WIDGET_JS.read_text(encoding="utf-8")
    assert values["_player"] == (STATIC / "player.js").read_text(encoding="utf-8")
    assert values["_css"].startswith((STATIC / "player.css").read_text(encoding="utf-8"))
