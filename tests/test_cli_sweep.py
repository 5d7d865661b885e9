"""The `sweep` command: a PNG in the figure's colours, a CSV with one row per cell equal to the map,
and bad input ending with one line on stderr and a non-zero exit status."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PIL import Image

from optviz import cli
from optviz.sweep import sweep

MAP = ["--optimizer", "momentum", "--surface", "bowl", "--steps", "100"]
AXES = ["--x", "lr:0.01:1:12:log", "--y", "gamma:0:0.99:8:linear"]


def run(capsys, *argv: str) -> tuple[int, str]:
    status = cli.main(["sweep", *argv])
    return status, capsys.readouterr().err


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("python -m optviz sweep: error:")
    return lines[0]


def test_csv_has_one_row_per_cell_equal_to_the_map(tmp_path, capsys):
    out = tmp_path / "map.csv"
    status, err = run(capsys, *MAP, *AXES, "--out", str(out))
    assert status == 0 and f"wrote {out}" in err
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == list(cli.SWEEP_CSV_COLUMNS)
    m = sweep("momentum", "bowl", ("lr", 0.01, 1, 12, "log"), ("gamma", 0, 0.99, 8, "linear"), steps=100)
    assert len(rows) == 12 * 8
    for row in rows[::7]:
        i = int(np.argmin(np.abs(m.x.values - float(row["x_value"]))))
        j = int(np.argmin(np.abs(m.y.values - float(row["y_value"]))))
        assert (row["x_name"], row["y_name"]) == ("lr", "gamma")
        assert float(row["x_value"]) == m.x.values[i] and float(row["y_value"]) == m.y.values[j]
        assert float(row["final_loss"]) == m.final_loss[j, i]
        assert int(row["reached_at"]) == m.reached_at[j, i]
        assert int(row["diverged_at"]) == m.diverged_at[j, i]
        assert float(row["distance"]) == m.distance[j, i]


def test_png_shows_diverged_cells_in_the_figure_red(tmp_path, capsys):
    out = tmp_path / "map.png"
    status, _ = run(capsys, *MAP, *AXES, "--color-by", "reached_at", "--out", str(out), "--quiet")
    assert status == 0
    image = np.asarray(Image.open(out).convert("RGB")).reshape(-1, 3)
    red = np.array([0xD6, 0x27, 0x28])
    assert (np.abs(image.astype(int) - red).sum(axis=1) <= 3).sum() > 1000


def test_fixed_settings_and_start(tmp_path, capsys):
    out = tmp_path / "adam.csv"
    status, err = run(
        capsys,
        "--optimizer",
        "adam",
        "--surface",
        "beale",
        "--x",
        "lr:0.001:0.5:4",
        "--y",
        "beta1:0:0.9:3:linear",
        "--set",
        "beta2=0.99",
        "--start",
        "1,1",
        "--steps",
        "20",
        "--out",
        str(out),
    )
    assert status == 0, err
    m = sweep(
        "adam",
        "beale",
        ("lr", 0.001, 0.5, 4),
        ("beta1", 0, 0.9, 3, "linear"),
        steps=20,
        beta2=0.99,
        start=(1, 1),
    )
    rows = list(csv.DictReader(out.open()))
    assert [float(r["final_loss"]) for r in rows] == list(m.final_loss.ravel())


@pytest.mark.parametrize(
    ("argv", "status", "says"),
    [
        ([*MAP, "--x", "lr:1:0.1", "--y", "gamma:0:0.9:4:linear"], 2, "min < max"),
        ([*MAP, "--x", "lr:0:1", "--y", "gamma:0:0.9:4:linear"], 2, "positive minimum"),
        ([*MAP, "--x", "lr:0.1:1:600", "--y", "gamma:0:0.9:4:linear"], 2, "between 2 and 512"),
        ([*MAP, "--x", "lr:0.1", "--y", "gamma:0:0.9"], 2, "NAME:MIN:MAX"),
        ([*MAP, "--x", "lr:x:1", "--y", "gamma:0:0.9"], 2, "must be a number"),
        ([*MAP, "--x", "speed:0.1:1", "--y", "gamma:0:0.9"], 2, "cannot sweep 'speed'"),
        ([*MAP, "--x", "lr:0.1:1", "--y", "lr:0.2:0.9"], 2, "different hyperparameters"),
        ([*MAP, *AXES, "--set", "lr=0.1"], 2, "lr is swept"),
        ([*MAP, *AXES, "--set", "foo=1"], 2, "unknown hyperparameter"),
        ([*MAP, *AXES, "--color-by", "speed"], 2, "--color-by"),
        (["--optimizer", "nope", "--surface", "bowl", *AXES], 2, "unknown optimizer"),
        (["--optimizer", "adam", "--surface", "nope", *AXES], 2, "unknown surface"),
        ([*MAP, *AXES, "--steps", "ten"], 2, "whole number"),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, argv, status, says):
    got, err = run(capsys, *argv, "--out", str(tmp_path / "m.csv"))
    assert got == status
    assert says in one_line_error(err)


def test_bad_output_paths(tmp_path, capsys):
    got, err = run(capsys, *MAP, *AXES, "--out", str(tmp_path / "map.txt"))
    assert got == 2 and ".png or .csv" in one_line_error(err)
    got, err = run(capsys, *MAP, *AXES, "--out", str(tmp_path / "missing" / "map.csv"))
    assert got == 3 and "does not exist" in one_line_error(err)


def test_a_missing_option_is_one_line(capsys):
    got, err = run(capsys, "--optimizer", "adam")
    assert got == 2
    assert "required" in err and len(err.strip().splitlines()) == 1


def test_the_colour_choices_are_the_figure_quantities():
    from optviz.views.map_figure import QUANTITIES

    assert tuple(QUANTITIES) == cli.SWEEP_QUANTITIES
