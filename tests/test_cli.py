"""The command line: every format, a saved config, a shared link, and every kind of bad input ending
with its exit status and one line on stderr (never a traceback)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from optviz import cli
from optviz.export import CSV_COLUMNS, export_bytes
from optviz.link import to_query
from optviz.racing import run_race
from optviz.settings import Competitor, RaceSettings, default_competitor

ROOT = Path(__file__).resolve().parents[1]
RACE = ["--surface", "beale", "--optimizers", "adam,momentum", "--steps", "12"]
QUICK = ["--duration", "0.5", "--fps", "10"]  # 5 frames


def run(capsys, *argv: str) -> tuple[int, str]:
    status = cli.main(["export", *argv])
    return status, capsys.readouterr().err


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert "error:" in lines[0]
    return lines[0]


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open()))


# ---------------------------------------------------------------------------------------- formats


def test_gif(tmp_path, capsys):
    out = tmp_path / "race.gif"
    status, err = run(capsys, *RACE, *QUICK, "--out", str(out))
    assert status == 0
    assert iio.imread(out, index=None).shape == (5, 720, 1280, 3)
    assert "100%" in err and "5/5" in err  # the progress bar
    assert f"wrote {out}" in err


def test_mp4_at_1080p_in_3d(tmp_path, capsys):
    out = tmp_path / "race.mp4"
    status, _ = run(capsys, *RACE, *QUICK, "--view", "3d", "--resolution", "1080p", "--out", str(out), "-q")
    assert status == 0
    assert iio.imread(out, index=None, extension=".mp4").shape == (5, 1080, 1920, 3)


def test_html(tmp_path, capsys):
    out = tmp_path / "race.html"
    status, _ = run(capsys, *RACE, "--out", str(out), "-q")
    assert status == 0
    page = out.read_text()
    assert page.startswith("<!doctype html>") and 'data-testid="optviz-player"' not in page
    assert '<script type="module">' in page and "mountPlayer(" in page


def test_png_of_the_asked_step(tmp_path, capsys):
    out = tmp_path / "race.png"
    status, _ = run(capsys, *RACE, "--step", "4", "--no-legend", "--no-inset", "--out", str(out), "-q")
    assert status == 0
    with Image.open(out) as image:
        assert (image.format, image.size) == ("PNG", (1280, 720))


def test_csv_and_the_range(tmp_path, capsys):
    out = tmp_path / "race.csv"
    status, _ = run(capsys, *RACE, "--range", "2:6", "--out", str(out), "-q")
    assert status == 0
    table = rows(out)
    assert list(table[0]) == list(CSV_COLUMNS)
    assert len(table) == 2 * 5
    assert {r["optimizer"] for r in table} == {"adam", "momentum"}


def test_json_and_then_json_as_the_config(tmp_path, capsys):
    saved = tmp_path / "race.json"
    status, _ = run(
        capsys, *RACE, "--lr", "0.05,0.001", "--start", "1,1.2", "--seed", "3", "--out", str(saved)
    )
    assert status == 0
    config = json.loads(saved.read_text())["config"]
    assert [c["lr"] for c in config["competitors"]] == [0.05, 0.001]
    assert config["start"] == [1.0, 1.2] and config["seed"] == 3
    # The saved race, exported again: the same trajectories.
    again = tmp_path / "again.json"
    assert run(capsys, "--config", str(saved), "--out", str(again), "-q")[0] == 0
    first, second = (json.loads(p.read_text())["runners"] for p in (saved, again))
    assert [(r["x"], r["y"], r["loss"]) for r in first] == [(r["x"], r["y"], r["loss"]) for r in second]


def test_the_format_can_be_given_for_any_file_name(tmp_path, capsys):
    out = tmp_path / "race.data"
    assert run(capsys, *RACE, "--format", "csv", "--out", str(out), "-q")[0] == 0
    assert out.read_text().startswith("optimizer,label,step")


def test_options_given_change_the_config(tmp_path, capsys):
    saved = tmp_path / "race.json"
    config = RaceSettings.on("rosenbrock", steps=10, competitors=(Competitor("adam", lr=0.02),))
    saved.write_bytes(export_bytes(run_race(config), "json"))
    out = tmp_path / "race.csv"
    status, _ = run(
        capsys, "--config", str(saved), "--steps", "4", "--optimizers", "sgd,adam", "--out", str(out)
    )
    assert status == 0
    table = rows(out)
    assert {r["surface"] for r in table} == {"rosenbrock"}
    assert len(table) == 2 * 5


# ----------------------------------------------------------------------------------- shared links


def _settings() -> RaceSettings:
    base = RaceSettings().with_surface("himmelblau")
    return RaceSettings(
        **{
            **base.__dict__,
            "steps": 15,
            "competitors": (default_competitor("adam"), default_competitor("nesterov")),
        }
    )


@pytest.mark.parametrize("form", ["link", "query", "query with ?"])
def test_a_shared_link_gives_the_apps_race(tmp_path, capsys, form):
    settings = _settings()
    query = urlencode(to_query(settings))
    url = {"link": f"http://localhost:8501/?{query}", "query": query, "query with ?": f"?{query}"}[form]
    out = tmp_path / "race.csv"
    status, err = run(capsys, "--url", url, "--out", str(out), "-q")
    assert status == 0, err
    expected = run_race(settings)
    table = rows(out)
    assert len(table) == 2 * 16
    for runner in expected.runners:
        mine = [r for r in table if r["label"] == runner.label]
        assert np.array_equal([[float(r["x"]), float(r["y"])] for r in mine], runner.trajectory.xy)


# -------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("argv", "status", "words"),
    [
        (["--surface", "bele"], 2, ["unknown surface 'bele'", "beale", "rosenbrock"]),
        (["--optimizers", "adam,adamm"], 2, ["unknown optimizer 'adamm'", "momentum", "rmsprop"]),
        (["--optimizers", "adam,,sgd"], 2, ["--optimizers", "empty"]),
        (["--steps", "many"], 2, ["--steps", "whole number"]),
        (["--steps", "0"], 2, ["--steps", "1"]),
        (["--steps", "5000"], 2, ["--steps", "from 1 to 2000", "5000"]),  # what --config reads back
        (["--lr", "-0.1"], 2, ["--lr", "(0, ∞)"]),
        (["--lr", "0.1,0.2,0.3", "--optimizers", "adam,sgd"], 2, ["--lr", "3 values", "2 optimizers"]),
        (["--start", "1"], 2, ["--start", "X,Y"]),
        (["--start", "1,nan"], 2, ["--start", "finite"]),
        (["--fps", "0"], 2, ["--fps", "between 1 and 60"]),
        (["--fps", "fast"], 2, ["--fps", "whole number"]),
        (["--duration", "-2"], 2, ["--duration"]),
        (["--duration", "1", "--steps-per-frame", "2"], 2, ["--steps-per-frame", "--duration"]),
        (["--resolution", "4k"], 2, ["--resolution", "720p", "1080p"]),
        (["--view", "2d"], 2, ["--view", "contour", "3d"]),
        (["--trail", "-1"], 2, ["--trail", ">= 0"]),
        (["--range", "5"], 2, ["--range", "FIRST:LAST"]),
        (["--range", "5:500"], 2, ["--range", "beyond", "12 steps"]),
        (["--step", "99", "--format", "png"], 2, ["step", "within"]),
        (["--format", "avi"], 2, ["unknown format 'avi'", "gif", "mp4"]),
        (["--frames", "3"], 2, ["unrecognized arguments: --frames"]),
    ],
)
def test_bad_values(tmp_path, capsys, argv, status, words):
    fmt_given = "--format" in argv
    out = tmp_path / ("race.out" if fmt_given else "race.gif")
    code, err = run(capsys, *RACE, *argv, "--out", str(out), "-q")
    line = one_line_error(err)
    assert code == status
    for word in words:
        assert word in line
    assert not out.exists()


def test_an_output_name_without_a_known_extension_needs_a_format(tmp_path, capsys):
    code, err = run(capsys, *RACE, "--out", str(tmp_path / "race.avi"))
    assert code == 2
    assert "--format" in one_line_error(err) and ".mp4" in err


def test_a_format_that_contradicts_the_file_name(tmp_path, capsys):
    code, err = run(capsys, *RACE, "--format", "gif", "--out", str(tmp_path / "race.mp4"))
    assert code == 2 and "does not match" in one_line_error(err)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, ["cannot read config", "No such file"]),
        ("{oops", ["config", "not valid JSON"]),
        ('{"format": "optviz-race", "version": 1, "config": {"competitors": [{"optimizer": "x"}]}}', ["'x'"]),
        ('{"surface": "nowhere", "competitors": [{"optimizer": "adam"}]}', ["unknown surface 'nowhere'"]),
    ],
)
def test_unreadable_config(tmp_path, capsys, content, words):
    path = tmp_path / "saved.json"
    if content is not None:
        path.write_text(content)
    code, err = run(capsys, "--config", str(path), "--out", str(tmp_path / "r.csv"))
    line = one_line_error(err)
    assert code == 2
    for word in words:
        assert word in line


def test_a_config_whose_values_the_engine_refuses(tmp_path, capsys):
    path = tmp_path / "saved.json"
    path.write_text('{"competitors": [{"optimizer": "adam", "lr": -1}]}')
    code, err = run(capsys, "--config", str(path), "--out", str(tmp_path / "r.csv"))
    assert code == 2 and "lr must be in (0, ∞)" in one_line_error(err)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.org/?surface=beale", ["malformed URL", "http"]),
        ("http://localhost:8501/", ["no settings"]),
        ("", ["no settings"]),
        ("surface=beale&&&=&steps", ["malformed URL query string"]),
        ("http://localhost:8501/?surface=bele", ["bad settings in the URL", "surface", "'bele'"]),
        ("?steps=abc&c1=adamm", ["steps", "'abc'", "c1", "'adamm'"]),
        ("?surface=beale&colour=red", ["'colour'", "unknown key"]),
    ],
)
def test_malformed_url(tmp_path, capsys, url, words):
    code, err = run(capsys, "--url", url, "--out", str(tmp_path / "r.csv"))
    line = one_line_error(err)
    assert code == 2
    for word in words:
        assert word in line
    assert "using the default" not in line  # the app's fallback is not what the command does


def test_config_and_url_together(tmp_path, capsys):
    code, err = run(capsys, "--config", "a.json", "--url", "?surface=beale", "--out", str(tmp_path / "r.csv"))
    assert code == 2 and "not allowed with" in one_line_error(err)


def test_unwritable_output(tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "folder" / "race.gif"
    code, err = run(capsys, *RACE, "--out", str(missing))
    assert code == 3 and "does not exist" in one_line_error(err)
    code, err = run(capsys, *RACE, "--format", "gif", "--out", str(tmp_path))
    assert code == 3 and "is a folder" in one_line_error(err)


def test_read_only_folder(tmp_path, capsys):
    """Where no one can write, root included: under a regular file, which cannot hold a folder."""
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    for out in (blocker / "race.gif", blocker / "deeper" / "race.gif"):
        code, err = run(capsys, *RACE, "--out", str(out))
        line = one_line_error(err)
        assert code == 3 and f"cannot write {str(out)!r}" in line
        assert f"{str(blocker)!r} is a file, not a folder" in line
    assert blocker.read_text() == "a file, not a folder"
    if os.geteuid() != 0:  # a folder without write permission stops everyone but root
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        try:
            code, err = run(capsys, *RACE, "--out", str(folder / "race.gif"))
        finally:
            folder.chmod(0o700)
        assert code == 3 and "cannot write" in one_line_error(err)


def test_missing_out(capsys):
    code, err = run(capsys, *RACE)
    assert code == 2 and "--out" in one_line_error(err)


def test_the_progress_bar_is_plain_text_on_one_line():
    stream = io.StringIO()
    bar = cli.ProgressBar("gif", stream)
    for done in range(1, 201):
        bar(done, 200)
    bar.finish()
    text = stream.getvalue()
    assert text.endswith("100%  200/200  " + text.rsplit("200/200  ", 1)[1])
    assert text.count("\n") == 1 and "\r" in text
    assert text.count("\r") < 50  # redrawn at most ten times a second, not once per frame


# ------------------------------------------------------------------------------ as a real process


def _python(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "optviz", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_python_dash_m_optviz_export(tmp_path):
    done = _python("export", *RACE, "--out", "race.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(rows(tmp_path / "race.csv")) == 2 * 13
    bad = _python("export", "--surface", "bele", "--out", "race.csv", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert "unknown surface 'bele'" in bad.stderr


def test_warm_still_works(capsys):
    assert cli.main(["warm"]) == 0
    assert "engine kernels ready" in capsys.readouterr().out
