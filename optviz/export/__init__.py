"""Exports of a race: animated GIF, MP4 video, interactive HTML, PNG frame, CSV and JSON data.

One entry point per use, both running the same code, so a download button and the command line give
the same bytes for the same race and options:

    data = export_bytes(race, "gif", ExportOptions(duration=5), progress=show)  # in this process
    write_export(race, "mp4", "beale.mp4", ExportOptions(resolution="1080p"))  # a file
    data = export_in_worker(race, "gif", options, progress=show)  # a server's download button

Pure functions: nothing here knows Streamlit. `progress(done, total)` is called as frames are finished
(once, with (1, 1), for the formats without frames); an exception raised in it stops the export and
leaves no partial file behind.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from optviz.export.data import CSV_COLUMNS, load_json
from optviz.export.options import (
    MAX_DURATION_S,
    MAX_FPS,
    MAX_FRAMES,
    MAX_RESOLUTION,
    RESOLUTIONS,
    VIEWS,
    ExportOptions,
    frame_steps,
)
from optviz.export.worker import EXPORT_SLOTS, export_in_worker
from optviz.racing import Race

Progress = Callable[[int, int], None]

FORMATS = ("gif", "mp4", "html", "png", "csv", "json")
MIME_TYPES = {
    "gif": "image/gif",
    "mp4": "video/mp4",
    "html": "text/html",
    "png": "image/png",
    "csv": "text/csv",
    "json": "application/json",
}
ANIMATED = ("gif", "mp4")  # drawn frame by frame on the server; the HTML page plays in the browser
_EXTENSIONS = {".gif": "gif", ".mp4": "mp4", ".html": "html", ".htm": "html", ".png": "png"}
_EXTENSIONS |= {".csv": "csv", ".json": "json"}

__all__ = [
    "ANIMATED",
    "CSV_COLUMNS",
    "EXPORT_SLOTS",
    "FORMATS",
    "MAX_DURATION_S",
    "MAX_FPS",
    "MAX_FRAMES",
    "MAX_RESOLUTION",
    "MIME_TYPES",
    "RESOLUTIONS",
    "VIEWS",
    "ExportOptions",
    "export_bytes",
    "export_in_worker",
    "format_from_path",
    "frame_count",
    "load_json",
    "suggested_filename",
    "write_export",
]


def _check(race: Race, fmt: str, options: ExportOptions) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if not isinstance(options, ExportOptions):
        raise ValueError(f"options must be ExportOptions, got {type(options).__name__}")
    if not race.runners:
        raise ValueError("the race has no runners")
    steps = race.runners[0].trajectory.steps
    if fmt in ANIMATED:
        frame_steps(options, steps)  # refuses a range past the race or too many frames, before any work
    elif fmt == "png":
        options.png_step(steps)
    else:
        options.steps_range(steps)


def frame_count(race: Race, options: ExportOptions) -> int:
    """How many frames an animation of this race has with these options (checked against the caps)."""
    return len(frame_steps(options, race.runners[0].trajectory.steps))


def _done(progress: Progress | None) -> None:
    if progress is not None:
        progress(1, 1)


def _in_memory(race: Race, fmt: str, options: ExportOptions, progress: Progress | None) -> bytes:
    """The formats built in memory (everything but MP4, which ffmpeg writes to a file)."""
    steps = race.runners[0].trajectory.steps
    if fmt == "gif":
        from optviz.export.video import write_gif

        out = io.BytesIO()
        write_gif(race, options, out, progress)
        return out.getvalue()
    if fmt == "png":
        from optviz.export.video import png_bytes

        return png_bytes(race, options, progress)
    if fmt == "html":
        from optviz.export.html import html_bytes

        return html_bytes(race, options, progress)
    from optviz.export.data import csv_bytes, json_bytes

    data = (csv_bytes if fmt == "csv" else json_bytes)(race, options.steps_range(steps))
    _done(progress)
    return data


def export_bytes(
    race: Race, fmt: str, options: ExportOptions | None = None, progress: Progress | None = None
) -> bytes:
    """The race exported as `fmt` (one of FORMATS), as bytes: what a download button offers."""
    options = ExportOptions() if options is None else options
    _check(race, fmt, options)
    if fmt != "mp4":
        return _in_memory(race, fmt, options, progress)
    from optviz.export.video import write_mp4

    with tempfile.TemporaryDirectory(prefix="optviz-") as folder:
        path = Path(folder) / "race.mp4"
        write_mp4(race, options, path, progress)
        return path.read_bytes()


def write_export(
    race: Race,
    fmt: str,
    path: str | os.PathLike[str],
    options: ExportOptions | None = None,
    progress: Progress | None = None,
) -> None:
    """The race exported as `fmt` to the file `path`. Animations stream to disk frame by frame; the
    file appears complete or not at all (it is written under a temporary name, then renamed)."""
    options = ExportOptions() if options is None else options
    _check(race, fmt, options)
    target = Path(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    temp = Path(temp_name)
    # mkstemp makes the file private (0600); the export should get the permissions of any new file.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    try:
        with os.fdopen(handle, "wb") as fp:
            if fmt == "gif":
                from optviz.export.video import write_gif

                write_gif(race, options, fp, progress)
            elif fmt != "mp4":
                fp.write(_in_memory(race, fmt, options, progress))
        if fmt == "mp4":
            from optviz.export.video import write_mp4

            write_mp4(race, options, temp, progress)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def format_from_path(path: str | os.PathLike[str]) -> str:
    """The format a file name asks for by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        known = ", ".join(sorted(_EXTENSIONS))
        raise ValueError(f"cannot tell the format from {str(path)!r}: use one of the extensions {known}")
    return _EXTENSIONS[suffix]


def suggested_filename(race: Race, fmt: str, options: ExportOptions | None = None) -> str:
    """A descriptive file name, e.g. 'beale-adam-momentum-rmsprop-300-steps.mp4'."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    names = list(dict.fromkeys(r.competitor.optimizer for r in race.runners))
    who = "-".join(names) if len(names) <= 4 else f"{len(race.runners)}-optimizers"
    parts = [race.surface.name, who, f"{race.runners[0].trajectory.steps}-steps"]
    if options is not None and options.view == "3d" and fmt in (*ANIMATED, "png"):
        parts.append("3d")
    if options is not None and fmt == "png":
        parts.append(f"step-{options.png_step(race.runners[0].trajectory.steps)}")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(parts)).strip("-")
    return f"{stem}.{fmt}"
