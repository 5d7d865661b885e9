"""The export box: a format, its options and a Prepare button; the finished file is offered for
download and kept while the race and the options stay the same."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import streamlit as st

from optviz.app.markup import verbatim
from optviz.app.state import seed
from optviz.app.widgets import lazy_box
from optviz.export import (
    ANIMATED,
    FORMATS,
    MAX_DURATION_S,
    MAX_FPS,
    MIME_TYPES,
    RESOLUTIONS,
    VIEWS,
    ExportOptions,
    export_in_worker,
    frame_count,
    suggested_filename,
)
from optviz.racing import Race
from optviz.settings import (
    MAX_STEPS,
    RaceSettings,
)

EXPORT = "export.prepared"  # the last file made in this session, with what it was made from


EXPORT_LOCK = "export.lock"


EXPORT_LABELS = {
    "gif": "Animated GIF",
    "mp4": "MP4 video",
    "html": "Interactive HTML page (works offline)",
    "png": "PNG image of one frame",
    "csv": "CSV: every step of every optimizer",
    "json": "JSON: the settings and trajectories (loads back into the same race)",
}


@dataclass(frozen=True)
class Prepared:
    """A finished export: `key` is what it was made from, so a rerun with the same race and options
    offers it again instead of building it anew."""

    key: tuple[RaceSettings, str, ExportOptions]
    filename: str
    data: bytes


def export_options(
    view: str,
    fps: int,
    resolution: str,
    duration: float,
    trail: int,
    legend: bool,
    step_counter: bool,
    loss_inset: bool,
    step: int | None,
) -> ExportOptions:
    """The export widgets' values as options (duration 0: automatic, trail 0: the whole path, step
    None: the last);
    raises ValueError naming a value that is not allowed."""
    return ExportOptions(
        view=view,
        fps=int(fps),
        duration=float(duration) if duration else None,
        resolution=resolution,
        trail=int(trail) or None,
        legend=bool(legend),
        step_counter=bool(step_counter),
        loss_inset=bool(loss_inset),
        step=None if step is None else int(step),
    )


EXPORT_BOX = "export.box"


# Every export widget's first value.
EXPORT_DEFAULTS: dict[str, Any] = {
    "export.format": FORMATS[0],
    "export.view": VIEWS[0],
    "export.resolution": next(iter(RESOLUTIONS)),
    "export.fps": 30,
    "export.trail": 0,
    "export.duration": 0.0,
    "export.step": None,
    "export.legend": True,
    "export.counter": True,
    "export.inset": True,
}


def export_key(race: Race, fmt: str, options: ExportOptions) -> tuple[RaceSettings, str, ExportOptions]:
    return race.settings, fmt, options


def export_section(race: Race) -> None:
    """Format, options and a Prepare button; the finished file is then offered for download."""
    steps = race.runners[0].trajectory.steps
    box = lazy_box("Export this race", EXPORT_BOX, icon=":material/download:")
    if not box.open:
        # Streamlit forgets the state of widgets a run does not draw; writing it back keeps the
        # options chosen for when the box opens again.
        for key in EXPORT_DEFAULTS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        return
    for key, value in EXPORT_DEFAULTS.items():
        seed(key, value)
    with box:
        fmt = st.selectbox("Format", FORMATS, key="export.format", format_func=EXPORT_LABELS.get)
        animated = fmt in ANIMATED
        pictured = animated or fmt == "png"
        left, right = st.columns(2)
        with left:
            view = st.radio(
                "View",
                VIEWS,
                key="export.view",
                format_func={"contour": "Contour map", "3d": "3-D surface"}.get,
                horizontal=True,
                disabled=not pictured,
            )
            fps = st.number_input(
                "Frames per second", 1, MAX_FPS, step=1, key="export.fps", disabled=not animated
            )
            trail = st.number_input(
                "Trail (0: the whole path)",
                0,
                MAX_STEPS,
                step=10,
                key="export.trail",
                disabled=not pictured,
            )
        with right:
            resolution = st.radio(
                "Resolution",
                tuple(RESOLUTIONS),
                key="export.resolution",
                horizontal=True,
                disabled=not pictured,
            )
            duration = st.number_input(
                "Duration in seconds (0: automatic)",
                0.0,
                MAX_DURATION_S,
                step=1.0,
                key="export.duration",
                disabled=not animated,
                help="Automatic: one step per frame, sped up to last at most 15 seconds.",
            )
            # The player runs in the browser and does not report its frame: the PNG's step is typed.
            step = st.number_input(
                "Step shown in the PNG (empty: the last)",
                0,
                MAX_STEPS,
                step=1,
                key="export.step",
                disabled=fmt != "png",
            )
        legend = st.checkbox("Legend", key="export.legend", disabled=not pictured)
        counter = st.checkbox("Step counter", key="export.counter", disabled=not pictured)
        inset = st.checkbox("Loss-curve inset", key="export.inset", disabled=not pictured)
        try:
            options = export_options(view, fps, resolution, duration, trail, legend, counter, inset, step)
            # Refused here, before any work: too many frames, or a PNG step past the race's end.
            if animated:
                frame_count(race, options)
            elif fmt == "png":
                options.png_step(steps)
        except ValueError as error:
            st.error(verbatim(f"These export options are not allowed: {error}"), icon=":material/error:")
            return
        key = export_key(race, fmt, options)
        if st.button("Prepare the file", key="export.prepare", icon=":material/build:"):
            prepare_export(race, fmt, options)
        prepared = st.session_state.get(EXPORT)
        if isinstance(prepared, Prepared) and prepared.key == key:
            st.download_button(
                f"Download {prepared.filename}",
                prepared.data,
                file_name=prepared.filename,
                mime=MIME_TYPES[fmt],
                key="export.download",
                on_click="ignore",
                icon=":material/download:",
                type="primary",
            )
        elif prepared is not None:
            st.caption("The race or the options changed since the last file was made: prepare it again.")


def prepare_export(race: Race, fmt: str, options: ExportOptions) -> None:
    """Builds the file with a progress bar and keeps it in the session (one export at a time)."""
    lock = st.session_state.setdefault(EXPORT_LOCK, threading.Lock())
    if not lock.acquire(blocking=False):
        st.warning("Another export of this session is still being made; wait for it to finish.")
        return
    bar = st.progress(0.0, text="Preparing...")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Preparing... {done} of {total}")

    def waiting() -> None:
        bar.progress(0.0, text="Waiting for a free export slot (other files are being made)...")

    try:
        # Videos are drawn in a worker process, so one student's export never slows the class's pages.
        data = export_in_worker(race, fmt, options, progress=progress, waiting=waiting)
    except (ValueError, OSError, RuntimeError) as error:
        st.error(verbatim(f"The export failed: {error}"), icon=":material/error:")
        return
    finally:
        lock.release()
        bar.empty()
    key = export_key(race, fmt, options)
    st.session_state[EXPORT] = Prepared(key, suggested_filename(race, fmt, options), data)
