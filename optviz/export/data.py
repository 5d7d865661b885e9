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
`config` holds exactly what `RaceConfig` needs (with "custom": {"text", "domain", "minima"} for a typed
formula surface), so `load_json` gives back a config that `run_race` turns
into the same trajectories; the runners' arrays hold every iterate (the whole race, whatever the range).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import fields
from typing import Any

import surfaces
from optviz.engine.optimizers import OPTIMIZERS
from optviz.racing import CUSTOM, Competitor, CustomSurface, Race, RaceConfig

JSON_FORMAT = "optviz-race"
JSON_VERSION = 1
ROW_COLUMNS = ("optimizer", "label", "step", "x", "y", "loss", "diverged")
SETTINGS_COLUMNS = (
    "surface",
    "surface_options",
    "start_x",
    "start_y",
    "steps",
    "lr",
    "gamma",
    "beta1",
    "beta2",
    "eps",
    "weight_decay",
    "eps_placement",
    "batch_size",
    "n_examples",
    "spread",
    "seed",
)
CSV_COLUMNS = ROW_COLUMNS + SETTINGS_COLUMNS
_COMPETITOR_KEYS = tuple(f.name for f in fields(Competitor))


def _number(v: float) -> str:
    """The shortest text that reads back as exactly this float."""
    return repr(float(v))


def _settings_row(settings: Any) -> list[str]:
    s = settings.as_dict()
    options = ";".join(f"{k}={_number(v)}" for k, v in sorted(s["surface_options"].items()))
    batch = "full" if s["batch_size"] is None else str(s["batch_size"])
    values = [s["surface"], options, _number(s["start"][0]), _number(s["start"][1]), str(s["steps"])]
    values += [_number(s[k]) for k in ("lr", "gamma", "beta1", "beta2", "eps", "weight_decay")]
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


def config_dict(config: RaceConfig) -> dict[str, Any]:
    return {
        "surface": config.surface,
        "surface_options": dict(config.surface_options),
        "start": None if config.start is None else list(config.start),
        "steps": config.steps,
        "eps_placement": config.eps_placement,
        "n_examples": config.n_examples,
        "spread": config.spread,
        "seed": config.seed,
        "competitors": [{k: getattr(c, k) for k in _COMPETITOR_KEYS} for c in config.competitors],
    } | ({} if config.custom is None else {"custom": custom_dict(config.custom)})


def custom_dict(spec: CustomSurface) -> dict[str, Any]:
    return {
        "text": spec.text,
        "domain": [list(spec.domain[0]), list(spec.domain[1])],
        "minima": None if spec.minima is None else [list(p) for p in spec.minima],
    }


def _pair(value: Any, what: str) -> tuple[float, float]:
    _require(
        isinstance(value, list) and len(value) == 2 and all(map(_is_number, value)),
        f"{what} must be a pair of numbers, got {value!r}",
    )
    return float(value[0]), float(value[1])


def custom_from_dict(d: Any) -> CustomSurface:
    """A typed formula surface from its JSON form; the formula itself is checked by its parser."""
    _require(isinstance(d, dict), "custom must be an object")
    _no_unknown(d, ("text", "domain", "minima"), "custom: unknown key")
    text = d.get("text")
    _require(isinstance(text, str), f"custom text must be a string, got {type(text).__name__}")
    domain = d.get("domain")
    _require(isinstance(domain, list) and len(domain) == 2, "custom domain must be [[x0, x1], [y0, y1]]")
    minima = d.get("minima")
    _require(minima is None or isinstance(minima, list), "custom minima must be a list of [x, y] or null")
    return CustomSurface(
        text=text,
        domain=(_pair(domain[0], "custom domain x"), _pair(domain[1], "custom domain y")),
        minima=None if minima is None else tuple(_pair(p, "a custom minimum") for p in minima),
    )


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
        "config": config_dict(race.config),
        "step_range": list(step_range),
        "runners": runners,
    }
    # allow_nan=False: strict JSON that any reader accepts (the engine never records NaN).
    return json.dumps(document, indent=1, allow_nan=False).encode("utf-8")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _no_unknown(d: dict, known: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(d) - set(known))
    if unknown:
        raise ValueError(f"{what} {unknown[0]!r} (known: {', '.join(known)})")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _competitor(i: int, entry: Any) -> Competitor:
    where = f"competitor {i + 1}"
    _require(isinstance(entry, dict), f"{where} must be an object, got {type(entry).__name__}")
    _no_unknown(entry, _COMPETITOR_KEYS, f"{where}: unknown setting")
    name = entry.get("optimizer")
    _require(
        isinstance(name, str) and name in OPTIMIZERS,
        f"{where}: unknown optimizer {name!r}; known optimizers: {', '.join(OPTIMIZERS)}",
    )
    for key in ("lr", "gamma", "beta1", "beta2", "eps", "weight_decay"):
        value = entry.get(key)
        _require(value is None or _is_number(value), f"{where}: {key} must be a number, got {value!r}")
    batch = entry.get("batch_size")
    _require(
        batch is None or batch == "full" or (isinstance(batch, int) and not isinstance(batch, bool)),
        f"{where}: batch_size must be 'full' or a whole number, got {batch!r}",
    )
    return Competitor(**entry)


def config_from_dict(d: Any) -> RaceConfig:
    """A RaceConfig from the JSON form (`config_dict`); every field is type-checked, and values are
    checked by `run_race`."""
    _require(isinstance(d, dict), "config must be an object")
    known = ("surface", "surface_options", "start", "steps", "eps_placement", "n_examples", "spread")
    known += ("seed", "competitors", "custom")
    _no_unknown(d, known, "config: unknown key")
    custom = None if d.get("custom") is None else custom_from_dict(d["custom"])
    surface = d.get("surface", CUSTOM if custom is not None else "beale")
    _require(custom is None or surface == CUSTOM, f"a config with a custom formula has surface {CUSTOM!r}")
    _require(
        isinstance(surface, str) and (surface in surfaces.SURFACES or custom is not None),
        f"unknown surface {surface!r}; known surfaces: {', '.join(surfaces.SURFACES)}",
    )
    options = d.get("surface_options", {})
    _require(isinstance(options, dict), "surface_options must be an object of numbers")
    for k, v in options.items():
        _require(_is_number(v), f"surface option {k} must be a number, got {v!r}")
    start = d.get("start")
    if start is not None:
        _require(
            isinstance(start, list) and len(start) == 2 and all(map(_is_number, start)),
            f"start must be [x, y] or null, got {start!r}",
        )
        start = (float(start[0]), float(start[1]))
    steps = d.get("steps", 300)
    _require(
        isinstance(steps, int) and not isinstance(steps, bool), f"steps must be a whole number, got {steps!r}"
    )
    for key in ("n_examples", "seed"):
        value = d.get(key)
        _require(
            value is None or (isinstance(value, int) and not isinstance(value, bool)),
            f"{key} must be a whole number, got {value!r}",
        )
    spread = d.get("spread")
    _require(spread is None or _is_number(spread), f"spread must be a number, got {spread!r}")
    seed = d.get("seed")
    competitors = d.get("competitors")
    _require(isinstance(competitors, list) and competitors, "competitors must be a non-empty list")
    return RaceConfig(
        surface=surface,
        surface_options=tuple((str(k), float(v)) for k, v in options.items()),
        start=start,
        steps=steps,
        eps_placement=d.get("eps_placement", "inside"),
        n_examples=d.get("n_examples"),
        spread=None if spread is None else float(spread),
        seed=0 if seed is None else seed,
        competitors=tuple(_competitor(i, c) for i, c in enumerate(competitors)),
        custom=custom,
    )


def load_json(data: str | bytes) -> RaceConfig:
    """The RaceConfig saved in a JSON export (or a bare config object); `run_race` on it reproduces
    the exported trajectories exactly. Raises ValueError with a one-line reason on anything else."""
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"not valid JSON ({error})") from None
    _require(isinstance(document, dict), "not an optviz race file: expected a JSON object")
    if "format" in document:
        _require(
            document["format"] == JSON_FORMAT, f"not an optviz race file (format {document['format']!r})"
        )
        version = document.get("version")
        _require(version == JSON_VERSION, f"unsupported optviz race file version {version!r}")
        _require("config" in document, "the file has no 'config'")
        return config_from_dict(document["config"])
    return config_from_dict(document)
