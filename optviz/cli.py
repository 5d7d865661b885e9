"""The `export` command: a race to GIF, MP4, HTML, PNG, CSV or JSON from the command line.

    python -m optviz export --surface beale --optimizers adam,momentum,rmsprop --steps 300 --out beale.mp4
    python -m optviz export --config saved.json --format gif --out race.gif
    python -m optviz export --url "http://localhost:8501/?surface=rosenbrock&c1=adam" --out race.html

The race comes from the built-in defaults, a saved JSON export (--config) or a link shared from the
app (--url); --surface, --optimizers, --steps, --lr, --start and --seed then change it. Bad input ends
the command with one line on stderr and a non-zero exit status, never a traceback:
    2  bad input (unknown names, bad values, unreadable config, malformed URL)
    3  the output file cannot be written
    1  the export itself failed

The `sweep` command writes a stability map (`optviz.sweep`) of two hyperparameters as PNG or CSV,
with the same exit statuses (1: the sweep itself failed).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, TextIO
from urllib.parse import parse_qs, urlsplit

# How the command was started, for its messages: the console script, or the module.
PROG = "optviz" if Path(sys.argv[0]).name == "optviz" else "python -m optviz"
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_OUTPUT = 3
MAX_URL_PROBLEMS = 3  # listed in the one-line message; the rest are counted
DEFAULT_SURFACE = "beale"  # the race without --config or --url: the lecture's seven on Beale's function


class CommandError(Exception):
    """A problem to report in one line, with the exit status to end with."""

    def __init__(self, message: str, status: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (argparse prints the whole usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


# ------------------------------------------------------------------------------------------ parser


def add_export_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "export",
        help="export a race as GIF, MP4, HTML, PNG, CSV or JSON",
        description="Export a race as an animation (GIF, MP4, interactive HTML), a PNG frame or data "
        "(CSV, JSON).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n" + __doc__.split("\n\n")[1] + "\n\nexit status: 0 done, 1 the export failed, "
        "2 bad input, 3 the output cannot be written",
    )
    source = p.add_argument_group("where the race comes from (default: the built-in defaults)")
    only_one = source.add_mutually_exclusive_group()
    only_one.add_argument("--config", metavar="FILE", help="a JSON export of a race (or its config)")
    only_one.add_argument("--url", help="a link shared from the app, or its query string")

    race = p.add_argument_group("the race (each one replaces that setting of the source)")
    race.add_argument("--surface", metavar="NAME", help="surface name, e.g. beale")
    race.add_argument("--optimizers", metavar="A,B,...", help="comma-separated optimizer names")
    race.add_argument("--steps", metavar="N", help="updates per optimizer")
    race.add_argument("--lr", metavar="ETA[,ETA...]", help="one learning rate for all, or one per optimizer")
    race.add_argument("--start", metavar="X,Y", help="start point")
    race.add_argument("--seed", metavar="N", help="random seed of the stochastic optimizers")

    out = p.add_argument_group("the export")
    out.add_argument("--out", "-o", required=True, metavar="PATH", help="output file")
    out.add_argument(
        "--format", "-f", metavar="FORMAT", help="gif, mp4, html, png, csv or json (default: from --out)"
    )
    out.add_argument("--view", metavar="{contour,3d}", help="the contour map (default) or the 3-D surface")
    out.add_argument("--fps", metavar="N", help="frames per second (default 30)")
    timing = out.add_mutually_exclusive_group()
    timing.add_argument("--duration", metavar="SECONDS", help="length of the animation")
    timing.add_argument("--steps-per-frame", metavar="N", help="optimizer steps per frame")
    out.add_argument("--resolution", metavar="{720p,1080p}", help="1280 x 720 (default) or 1920 x 1080")
    out.add_argument("--trail", metavar="N", help="iterates drawn behind each head (0: the whole path)")
    out.add_argument("--range", metavar="FIRST:LAST", help="the steps to animate (and to write in CSV)")
    out.add_argument("--step", metavar="N", help="the step a PNG shows (default: the last)")
    out.add_argument("--no-legend", action="store_true", help="leave out the legend")
    out.add_argument("--no-counter", action="store_true", help="leave out the step counter")
    out.add_argument("--no-inset", action="store_true", help="leave out the loss-curve inset")
    out.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


# -------------------------------------------------------------------------------------- values


def _whole(flag: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise CommandError(f"{flag} must be a whole number, got {text!r}") from None


def _real(flag: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"{flag} must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise CommandError(f"{flag} must be a finite number, got {text!r}")
    return value


def _list(flag: str, text: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise CommandError(f"{flag} must be a comma-separated list without empty items, got {text!r}")
    return items


def _pair(flag: str, text: str, sep: str, names: str) -> tuple[str, str]:
    parts = text.split(sep)
    if len(parts) != 2:
        raise CommandError(f"{flag} must be {names}, got {text!r}")
    return parts[0], parts[1]


# --------------------------------------------------------------------------------------- the race


def _config_file(path: str):
    from optviz.export import load_json

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read config {path!r}: {error.strerror or error}") from None
    try:
        return load_json(data)
    except ValueError as error:
        raise CommandError(f"config {path!r}: {error}") from None


def query_params(url: str) -> dict[str, list[str]]:
    """The settings in a shared link (scheme, host and path are ignored) or in a bare query string."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise CommandError(f"malformed URL {url!r}: expected an http(s) link or a query string")
    query = parts.query if (parts.scheme or parts.netloc or "?" in text) else text
    if not query:
        raise CommandError(f"the URL {url!r} has no settings (no query string after '?')")
    try:
        return parse_qs(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise CommandError(f"malformed URL query string {query[:60]!r}") from None


def _from_url(url: str):
    from optviz.link import from_query

    settings, problems = from_query(query_params(url))
    if problems:
        # The app falls back to defaults on a bad value; a batch job should not silently do so.
        more = f" (and {len(problems) - MAX_URL_PROBLEMS} more)" if len(problems) > MAX_URL_PROBLEMS else ""
        # Each problem ends with what the app would do instead ("; using the default ..."): not done here.
        listed = "; ".join(p.rsplit("; ", 1)[0] for p in problems[:MAX_URL_PROBLEMS])
        raise CommandError(f"bad settings in the URL: {listed}{more}")
    return settings, settings.view.trail or None


def _surface(name: str) -> str:
    import surfaces

    if name not in surfaces.SURFACES:
        raise CommandError(f"unknown surface {name!r}; known surfaces: {', '.join(surfaces.SURFACES)}")
    return name


def _optimizers(text: str) -> tuple:
    from optviz.engine.optimizers import OPTIMIZERS
    from optviz.settings import default_competitor

    names = _list("--optimizers", text)
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown:
        raise CommandError(f"unknown optimizer {unknown[0]!r}; known optimizers: {', '.join(OPTIMIZERS)}")
    return tuple(default_competitor(n) for n in names)


def _with_lr(competitors: tuple, text: str) -> tuple:
    from optviz.params import HYPERPARAMETERS

    rates = [_real("--lr", v) for v in _list("--lr", text)]
    allowed = HYPERPARAMETERS["lr"].allowed
    if not all(allowed.contains(r) for r in rates):
        raise CommandError(f"--lr must be in {allowed.describe()}, got {text!r}")
    if len(rates) == 1:
        rates *= len(competitors)
    if len(rates) != len(competitors):
        raise CommandError(
            f"--lr has {len(rates)} values for {len(competitors)} optimizers: give 1 or {len(competitors)}"
        )
    return tuple(replace(c, lr=lr) for c, lr in zip(competitors, rates, strict=True))


def race_settings_from(args: argparse.Namespace):
    """The race the arguments describe, and the trail length a shared link asks for (or None)."""
    from optviz.settings import RaceSettings

    trail = None
    if args.config is not None:
        config = _config_file(args.config)
    elif args.url is not None:
        config, trail = _from_url(args.url)
    else:
        config = RaceSettings.on(DEFAULT_SURFACE)
    if args.surface is not None and _surface(args.surface) != config.surface:
        # Another surface: its own start and options, not those of the one it replaces.
        config = config.with_surface(args.surface)
    if args.optimizers is not None:
        config = replace(config, competitors=_optimizers(args.optimizers))
    if args.lr is not None:
        config = replace(config, competitors=_with_lr(config.competitors, args.lr))
    if args.start is not None:
        x, y = _pair("--start", args.start, ",", "X,Y")
        config = replace(config, start=(_real("--start", x), _real("--start", y)))
    if args.steps is not None:
        # The race settings' own limit (the app's and the links'): an exported JSON file is read
        # back by --config, which checks it.
        from optviz.settings import MAX_STEPS

        steps = _whole("--steps", args.steps)
        if not 1 <= steps <= MAX_STEPS:
            raise CommandError(f"--steps must be from 1 to {MAX_STEPS}, got {steps}")
        config = replace(config, steps=steps)
    if args.seed is not None:
        config = replace(config, seed=_whole("--seed", args.seed))
    return config, trail


# ------------------------------------------------------------------------------------- the export


def export_options(args: argparse.Namespace, url_trail: int | None):
    from optviz.export import ExportOptions

    step_range = None
    if args.range is not None:
        first, last = _pair("--range", args.range, ":", "FIRST:LAST")
        step_range = (_whole("--range", first), _whole("--range", last))
    trail = _whole("--trail", args.trail) if args.trail is not None else url_trail
    if trail is not None and trail < 0:
        raise CommandError(f"--trail must be >= 0, got {trail}")
    fields = {
        "view": args.view,
        "fps": _whole("--fps", args.fps),
        "duration": None if args.duration is None else _real("--duration", args.duration),
        "steps_per_frame": _whole("--steps-per-frame", args.steps_per_frame),
        "resolution": args.resolution,
        "trail": trail or None,
        "legend": not args.no_legend,
        "step_counter": not args.no_counter,
        "loss_inset": not args.no_inset,
        "step_range": step_range,
        "step": _whole("--step", args.step),
    }
    defaults = ExportOptions()
    given = {k: v for k, v in fields.items() if v is not None or getattr(defaults, k) is None}
    try:
        return ExportOptions(**given)
    except ValueError as error:
        raise CommandError(_as_flag(str(error))) from None


def _as_flag(message: str) -> str:
    """An option's error in the command line's words: 'steps_per_frame must ...' -> '--steps-per-frame'."""
    names = {"step_range": "--range", "step_counter": "--no-counter", "loss_inset": "--no-inset"}
    head, _, rest = message.partition(" ")
    flag = names.get(head, "--" + head.replace("_", "-"))
    known = ("view", "fps", "duration", "steps_per_frame", "resolution", "trail", "step", "step_range")
    return f"{flag} {rest}" if head in known or head in names else message


def output_format(args: argparse.Namespace) -> str:
    from optviz.export import FORMATS, format_from_path

    if args.format is None:
        try:
            return format_from_path(args.out)
        except ValueError as error:
            raise CommandError(f"{error}, or give --format") from None
    fmt = args.format.lower()
    if fmt not in FORMATS:
        raise CommandError(f"unknown format {args.format!r}; formats: {', '.join(FORMATS)}")
    try:
        implied = format_from_path(args.out)
    except ValueError:
        return fmt  # an extension that names no format: the user's choice
    if implied != fmt:
        raise CommandError(f"--format {fmt} does not match the file name {args.out!r} (a .{implied} name)")
    return fmt


def check_writable(path: str) -> Path:
    """Fails early (before a long export) when the file cannot be written."""
    target = Path(path)
    if target.is_dir():
        raise CommandError(f"cannot write {path!r}: it is a folder", EXIT_OUTPUT)
    folder = target.parent
    if not folder.is_dir():
        # The nearest part of the path that exists: a file there can never hold a folder.
        existing = next((part for part in (folder, *folder.parents) if part.exists()), None)
        if existing is not None and not existing.is_dir():
            raise CommandError(
                f"cannot write {path!r}: {str(existing)!r} is a file, not a folder", EXIT_OUTPUT
            )
        raise CommandError(f"cannot write {path!r}: the folder {str(folder)!r} does not exist", EXIT_OUTPUT)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".optviz-check-"):
            pass
    except OSError as error:
        raise CommandError(f"cannot write {path!r}: {error.strerror or error}", EXIT_OUTPUT) from None
    if target.exists() and not os.access(target, os.W_OK):
        raise CommandError(f"cannot write {path!r}: permission denied", EXIT_OUTPUT)
    return target


class ProgressBar:
    """`progress(done, total)` drawn as one self-rewriting line of plain text."""

    WIDTH = 30

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label = label
        self.stream = stream
        self.start = time.perf_counter()
        self.shown = -1.0
        self.last = ""

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        # Redrawn at most 10 times a second, and always at the end.
        if done < total and now - self.shown < 0.1:
            return
        self.shown = now
        total = max(total, 1)
        filled = self.WIDTH * done // total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = f"\r{self.label} [{bar}] {100 * done // total:3d}%  {done}/{total}  {now - self.start:.1f} s"
        self.stream.write(line)
        self.stream.flush()
        self.last = line

    def finish(self) -> None:
        if self.last:
            self.stream.write("\n")
            self.stream.flush()


def _first_line(error: BaseException) -> str:
    """An exception's message cut to its first line (ffmpeg's, for one, goes on for pages)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def run_export(args: argparse.Namespace, stderr: TextIO) -> int:
    fmt = output_format(args)
    config, url_trail = race_settings_from(args)
    options = export_options(args, url_trail)
    target = check_writable(args.out)

    from optviz.export import write_export
    from optviz.racing import run_race

    started = time.perf_counter()
    if not args.quiet and stderr.isatty():
        # A note for people watching (a first run compiles the engine for up to a minute); logs and
        # error output stay free of it.
        stderr.write("running the race...\r")
        stderr.flush()
    try:
        race = run_race(config)
    except ValueError as error:
        raise CommandError(str(error)) from None
    bar = None if args.quiet else ProgressBar(fmt, stderr)
    try:
        write_export(race, fmt, target, options, bar)
    except ValueError as error:  # options that do not fit this race: a range past its end, too many frames
        raise CommandError(_as_flag(str(error))) from None
    except OSError as error:
        reason = error.strerror or _first_line(error)
        raise CommandError(f"cannot write {args.out!r}: {reason}", EXIT_OUTPUT) from None
    finally:
        if bar is not None:
            bar.finish()
    if not args.quiet:
        elapsed = time.perf_counter() - started
        stderr.write(f"wrote {args.out} ({_size(target.stat().st_size)}) in {elapsed:.1f} s\n")
    return 0


# -------------------------------------------------------------------------------------- the sweep

SWEEP_EXAMPLE = (
    "  python -m optviz sweep --optimizer momentum --surface bowl --x lr:0.01:1:128:log "
    "--y gamma:0:0.99:128:linear --steps 300 --out map.png"
)
SWEEP_FORMATS = ("png", "csv")
SWEEP_CSV_COLUMNS = (
    "x_name",
    "x_value",
    "y_name",
    "y_value",
    "final_loss",
    "reached_at",
    "diverged_at",
    "distance",
)


# The keys of `optviz.views.map_figure.QUANTITIES`, named here so that building the parser loads no engine
# (tests/test_cli_sweep.py checks that the two agree).
SWEEP_QUANTITIES = ("final_loss", "reached_at", "distance")


def add_sweep_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "sweep",
        help="a stability map of two hyperparameters as PNG or CSV",
        description="Run an optimizer for every pair of values of two hyperparameters and write the "
        "map of outcomes: a PNG image or a CSV table (one row per cell), chosen by the extension.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="axes are NAME:MIN:MAX[:SIZE[:SCALE]] with SCALE log (default) or linear, e.g. "
        "lr:1e-4:1:128:log\n\nexample:\n" + SWEEP_EXAMPLE + "\n\nexit status: 0 done, 1 the sweep "
        "failed, 2 bad input, 3 the output cannot be written",
    )
    p.add_argument("--optimizer", required=True, metavar="NAME", help="optimizer name, e.g. adam")
    p.add_argument("--surface", required=True, metavar="NAME", help="surface name, e.g. beale")
    p.add_argument("--x", required=True, metavar="AXIS", help="the hyperparameter across, e.g. lr:1e-4:1")
    p.add_argument(
        "--y", required=True, metavar="AXIS", help="the hyperparameter up, e.g. gamma:0:0.99:64:linear"
    )
    p.add_argument("--steps", metavar="N", default="300", help="updates per run (default 300)")
    p.add_argument(
        "--tol", metavar="TOL", default="1e-6", help="distance that counts as reached (default 1e-6)"
    )
    p.add_argument("--start", metavar="X,Y", help="start point (default: the surface's)")
    p.add_argument("--seed", metavar="N", help="random seed of the stochastic optimizers")
    p.add_argument(
        "--set",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="a fixed hyperparameter, e.g. beta2=0.999 or batch_size=10 (repeatable)",
    )
    p.add_argument(
        "--color-by", metavar="WHAT", default="final_loss", help=f"PNG colours: {', '.join(SWEEP_QUANTITIES)}"
    )
    p.add_argument("--out", "-o", required=True, metavar="PATH", help="output file: .png or .csv")
    p.add_argument("--quiet", "-q", action="store_true", help="no summary line")


def parse_axis(flag: str, text: str):
    """NAME:MIN:MAX[:SIZE[:SCALE]] as a sweep Axis."""
    from optviz.sweep import Axis

    parts = text.split(":")
    if not 3 <= len(parts) <= 5:
        raise CommandError(f"{flag} must be NAME:MIN:MAX[:SIZE[:SCALE]], got {text!r}")
    low, high = _real(flag, parts[1]), _real(flag, parts[2])
    size = _whole(flag, parts[3]) if len(parts) > 3 else 64
    scale = parts[4] if len(parts) > 4 else "log"
    try:
        return Axis(parts[0], low, high, size, scale)
    except ValueError as error:
        raise CommandError(f"{flag}: {error}") from None


def _fixed_settings(items: list[str]) -> dict[str, float | int | str]:
    from optviz.params import HYPERPARAMETERS

    fixed: dict[str, float | int | str] = {}
    for item in items:
        name, value = _pair("--set", item, "=", "NAME=VALUE")
        if name == "batch_size":
            fixed[name] = "full" if value == "full" else _whole("--set batch_size", value)
        elif name in HYPERPARAMETERS:
            fixed[name] = _real(f"--set {name}", value)
        else:
            known = ", ".join((*HYPERPARAMETERS, "batch_size"))
            raise CommandError(f"--set: unknown hyperparameter {name!r}; known: {known}")
    return fixed


def sweep_map(args: argparse.Namespace):
    """The stability map the arguments describe."""
    from optviz.engine.optimizers import OPTIMIZERS
    from optviz.sweep import sweep
    from optviz.views.map_figure import QUANTITIES

    if args.optimizer not in OPTIMIZERS:
        raise CommandError(f"unknown optimizer {args.optimizer!r}; known optimizers: {', '.join(OPTIMIZERS)}")
    if args.color_by not in QUANTITIES:
        raise CommandError(f"--color-by must be one of {', '.join(QUANTITIES)}, got {args.color_by!r}")
    x, y = parse_axis("--x", args.x), parse_axis("--y", args.y)
    settings = _fixed_settings(args.set)
    if args.start is not None:
        sx, sy = _pair("--start", args.start, ",", "X,Y")
        settings["start"] = (_real("--start", sx), _real("--start", sy))
    if args.seed is not None:
        settings["seed"] = _whole("--seed", args.seed)
    try:
        return sweep(
            args.optimizer,
            _surface(args.surface),
            x,
            y,
            steps=_whole("--steps", args.steps),
            tol=_real("--tol", args.tol),
            **settings,
        )
    except ValueError as error:
        raise CommandError(str(error)) from None


def write_sweep_csv(m, target: Path) -> None:
    with target.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(SWEEP_CSV_COLUMNS)
        for j, yv in enumerate(m.y.values):
            for i, xv in enumerate(m.x.values):
                writer.writerow(
                    (
                        m.x.name,
                        repr(float(xv)),
                        m.y.name,
                        repr(float(yv)),
                        repr(float(m.final_loss[j, i])),
                        int(m.reached_at[j, i]),
                        int(m.diverged_at[j, i]),
                        repr(float(m.distance[j, i])),
                    )
                )


def write_sweep_png(m, quantity: str, target: Path) -> None:
    """The map as the app draws it: the same colours, axes on the same scales, a titled colour bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap, Normalize
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    from optviz.views.figures import decade_label
    from optviz.views.map_figure import (
        DIVERGED_COLOR,
        QUANTITIES,
        axis_title,
        cell_colors,
        cell_edges,
        color_range,
        values,
    )
    from optviz.views.style import colormap

    q = QUANTITIES[quantity]
    span = color_range(values(m, quantity))
    fig, ax = plt.subplots(figsize=(8, 6), dpi=120, layout="constrained")
    ax.pcolormesh(cell_edges(m.x), cell_edges(m.y), cell_colors(m, quantity), shading="flat")
    ax.set_xscale("log" if m.x.scale == "log" else "linear")
    ax.set_yscale("log" if m.y.scale == "log" else "linear")
    ax.set_xlabel(axis_title(m.x))
    ax.set_ylabel(axis_title(m.y))
    ax.set_title(f"Stability map of {m.settings.get('optimizer', '')}: {q.title}", loc="left")
    scale = ListedColormap([colormap(i / 255) for i in range(256)])
    bar = fig.colorbar(plt.cm.ScalarMappable(Normalize(span.low, span.high), scale), ax=ax)
    bar.set_label(q.title)
    if q.log:
        bar.formatter = FuncFormatter(lambda v, _: decade_label(round(v)) if abs(v - round(v)) < 1e-9 else "")
        bar.update_ticks()
    if m.diverged.any():
        ax.legend(handles=[Patch(color=DIVERGED_COLOR, label="diverged")], loc="upper right")
    fig.savefig(target, format="png")
    plt.close(fig)


def run_sweep(args: argparse.Namespace, stderr: TextIO) -> int:
    fmt = Path(args.out).suffix.lower().lstrip(".")
    if fmt not in SWEEP_FORMATS:
        raise CommandError(f"cannot tell the format of {args.out!r}: give a .png or .csv file name")
    target = check_writable(args.out)
    started = time.perf_counter()
    m = sweep_map(args)
    try:
        if fmt == "csv":
            write_sweep_csv(m, target)
        else:
            write_sweep_png(m, args.color_by, target)
    except OSError as error:
        raise CommandError(
            f"cannot write {args.out!r}: {error.strerror or _first_line(error)}", EXIT_OUTPUT
        ) from None
    if not args.quiet:
        elapsed = time.perf_counter() - started
        cells = m.x.size * m.y.size
        stderr.write(
            f"wrote {args.out} ({cells} runs, {int(m.diverged.sum())} diverged) in {elapsed:.1f} s\n"
        )
    return 0


# -------------------------------------------------------------------------------------------- main


def warm() -> float:
    """Compiles the engine's kernels into the on-disk cache (or loads them from it), printing its
    progress (`optviz.engine.warm`); returns the seconds it took."""
    from optviz.engine.warm import warm as warm_engine

    return warm_engine(sys.stdout)


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="optviz command line")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("warm", help="compile the engine's kernels into the on-disk cache")
    commands.add_parser(
        "serve",
        help="run the app (`streamlit run` options follow, e.g. --server.port 8502), loaded before the "
        "first visitor arrives",
        add_help=False,  # every option after `serve` is Streamlit's, --help included
    )
    add_export_command(commands)
    add_sweep_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs a command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        from optviz.app.serve import serve

        return serve(argv[1:])
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already reported in one line
        return int(done.code or 0)
    if args.command == "warm":
        warm()  # prints a line per compiled part and the total
        return 0
    what = "the export" if args.command == "export" else "the sweep"
    try:
        if args.command == "sweep":
            return run_sweep(args, sys.stderr)
        return run_export(args, sys.stderr)
    except CommandError as error:
        sys.stderr.write(f"{PROG} {args.command}: error: {error}\n")
        return error.status
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG} {args.command}: interrupted\n")
        return 130
    except Exception as error:  # the promise is one line, never a traceback
        sys.stderr.write(
            f"{PROG} {args.command}: error: {what} failed: {type(error).__name__}: {_first_line(error)}\n"
        )
        return EXIT_FAILED
