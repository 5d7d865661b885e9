"""The race as data: CSV (one row per optimizer per step) and JSON (the settings and the trajectories).

CSV columns, in order:
    optimizer      the optimizer's name in the engine (e.g. "adam")
    label          its name in the legend (e.g. "Adam (eta=0.01)")
    step           the iterate: 0 is the start, k is after k updates
    x, y           the iterate's coordinates
    loss           f(x, y)
    diverged       1 from the update where the run diverged on (x, y and loss then repeat the last
                   good iterate), else 0
    surface, surface_options ("name=value;..." or empty), start_x, start_y, steps, lr, gamma, beta1,
    beta2, eps, weight_decay, eps_placement, batch_size ("full" or a number), n_examples, spread, seed
                   the settings the run used, every default resolved (a setting the optimizer does not
                   use is 0)
Numbers are written in full precision (they read back as the same floats).

JSON: {"format": "optviz-race", "version": 1, "config": {...}, "step_range": [first, last],
"runners": [{"label", "color", "optimizer", "settings", "diverged_at", "x", "y", "loss"}, ...]}.
`config` is the race's settings in their JSON form (`RaceSettings.to_json`: with "custom": {"text",
"domain", "minima"} for a typed formula surface), so `load_json` gives back the settings that
`run_race` turns into the same trajectories; the runners' arrays hold every iterate (the whole race,
whatever the range). Files written before the settings had every value written out load too.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from optviz.params import HYPERPARAMETERS
from optviz.racing import Race
from optviz.settings import RaceSettings

JSON_FORMAT = "optviz-race"
JSON_VERSION = 1
ROW_COLUMNS = ("optimizer", "label", "step", "x", "y", "loss", "diverged")
SETTINGS_COLUMNS = (
    "surface",
    "surface_options",
    "start_x",
    "start_y",
    "steps",
    *HYPERPARAMETERS,  # in the table's order (`optviz.params`)
    "eps_placement",
    "batch_size",
    "n_examples",
    "spread",
    "seed",
)
CSV_COLUMNS = ROW_COLUMNS + SETTINGS_COLUMNS


def _number(v: float) -> str:
    """The shortest text that reads back as exactly this float."""
    return repr(float(v))


def _settings_row(settings: Any) -> list[str]:
    s = settings.as_dict()
    options = ";".join(f"{k}={_number(v)}" for k, v in sorted(s["surface_options"].items()))
    batch = "full" if s["batch_size"] is None else str(s["batch_size"])
    values = [s["surface"], options, _number(s["start"][0]), _number(s["start"][1]), str(s["steps"])]
    values += [_number(s[k]) for k in HYPERPARAMETERS]
    values += [s["eps_placement"], batch, str(s["n_examples"]), _number(s["spread"]), str(s["seed"])]
    return values


def csv_bytes(race: Race, step_range: tuple[int, int]) -> bytes:
    """One row per optimizer per step of `step_range` (both ends included), runner by runner."""
    first, last = step_range
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for runner in race.runners:
        t = runner.trajectory
        settings = _settings_row(t.settings)
        name = runner.competitor.optimizer
        d = t.diverged_at
        for k in range(first, last + 1):
            x, y = t.xy[k]
            diverged = "1" if d is not None and k >= d else "0"
            writer.writerow(
                [name, runner.label, k, _number(x), _number(y), _number(t.loss[k]), diverged, *settings]
            )
    return out.getvalue().encode("utf-8")


# -------------------------------------------------------------------------------------------- JSON


def json_bytes(race: Race, step_range: tuple[int, int]) -> bytes:
    runners = []
    for r in race.runners:
        t = r.trajectory
        settings = t.settings.as_dict()
        settings["start"] = list(settings["start"])
        runners.append(
            {
                "label": r.label,
                "color": r.color,
                "optimizer": r.competitor.optimizer,
                "settings": settings,
                "diverged_at": t.diverged_at,
                "x": t.xy[:, 0].tolist(),
                "y": t.xy[:, 1].tolist(),
                "loss": t.loss.tolist(),
            }
        )
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "config": race.settings.to_json(),
        "step_range": list(step_range),
        "runners": runners,
    }
    # allow_nan=False: strict JSON that any reader accepts (the engine never records NaN).
    return json.dumps(document, indent=1, allow_nan=False).encode("utf-8")


def load_json(data: str | bytes) -> RaceSettings:
    """The race settings saved in a JSON export (or a bare settings object); `run_race` on them
    reproduces the exported trajectories exactly. Raises ValueError with a one-line reason on
    anything else."""
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise ValueError("not an optviz race file: expected a JSON object")
    if "format" in document:
        if document["format"] != JSON_FORMAT:
            raise ValueError(f"not an optviz race file (format {document['format']!r})")
        version = document.get("version")
        if version != JSON_VERSION:
            raise ValueError(f"unsupported optviz race file version {version!r}")
        if "config" not in document:
            raise ValueError("the file has no 'config'")
        return RaceSettings.from_json(document["config"])
    return RaceSettings.from_json(document)
