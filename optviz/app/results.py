"""The results under the race: where each competitor ended and how it got there, and notes on
divergence and batch sizes."""

from __future__ import annotations

from html import escape
from typing import Any

import streamlit as st

from optviz.racing import Race
from optviz.settings import (
    RaceSettings,
)


def _steps_text(steps: int | None) -> str:
    return "not reached" if steps is None else str(steps)


def results_rows(race: Race, tol: float) -> list[dict[str, Any]]:
    """One row per competitor: where it ended and how it got there."""
    rows = []
    for runner in race.runners:
        t = runner.trajectory
        last = len(t.path) - 1
        rows.append(
            {
                "Optimizer": runner.label,
                "Final loss": float(t.loss[last]),
                "Steps to tol": _steps_text(t.steps_to(tol)),
                "Diverged": "no" if t.diverged_at is None else f"at step {t.diverged_at}",
                "Distance to min": float(race.surface.distance_to_minimum(t.xy[last])),
            }
        )
    return rows


# Column: (tooltip, with the tolerance in use as {tol}; format of its numbers, or None for text).
RESULT_COLUMNS: dict[str, tuple[str, str | None]] = {
    "Optimizer": ("Each competitor, in its colour in every view", None),
    "Final loss": ("f(w) at the last step (the last good one if diverged)", ".4g"),
    "Steps to tol": (
        "The first step whose loss is within {tol:g} of the minimum's (tolerance: sidebar)",
        None,
    ),
    "Diverged": ("The update at which the iterate blew up, if it did", None),
    "Distance to min": ("From the last point to the nearest global minimum", ".3g"),
}


RESULTS_CSS = """<style>
table.optviz-results { width: 100%; border-collapse: collapse; font-size: 0.95rem; }
.optviz-results th, .optviz-results td { padding: 0.3rem 0.6rem; text-align: left;
  border-bottom: 1px solid rgba(128, 128, 128, 0.25); }
.optviz-results th { font-weight: 600; cursor: help; }
.optviz-results td.num { text-align: right; font-variant-numeric: tabular-nums; }
.optviz-results th.num { text-align: right; }
.optviz-results .swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%;
  margin-right: 0.5rem; vertical-align: -0.05rem; }
</style>"""


def results_html(race: Race, tol: float) -> str:
    """The results as an HTML table: each row with its runner's colour, as in the race view and the
    competitor boxes; a number cell shows a few digits and keeps its exact value (`data-value`,
    shown on hover)."""
    records = results_rows(race, tol)
    head = "".join(
        f'<th title="{escape(tip.format(tol=tol))}"{" class=num" if form else ""}>{escape(name)}</th>'
        for name, (tip, form) in RESULT_COLUMNS.items()
    )
    rows = []
    for runner, record in zip(race.runners, records, strict=True):
        swatch = f'<span class="swatch" style="background:{runner.color}"></span>'
        cells = [f"<td>{swatch}{escape(runner.label)}</td>"]
        for name, (_, form) in list(RESULT_COLUMNS.items())[1:]:
            value = record[name]
            if form is None:
                cells.append(f"<td>{escape(str(value))}</td>")
            else:
                cells.append(f'<td class="num" data-value="{value!r}" title="{value!r}">{value:{form}}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    body = "".join(rows)
    return f'<table class="optviz-results"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def results_table(race: Race, tol: float) -> None:
    # Plain HTML rather than st.dataframe: the data grid makes a first load fetch and run 1.5 MB of
    # scripts (a second of a laptop's time), and redraws a canvas on every rerun.
    st.html(RESULTS_CSS + results_html(race, tol))


def divergence_notes(race: Race) -> None:
    """One note for every runner that diverged (one element, however many: each costs rerun time)."""
    # A typed formula can be undefined in places (log, sqrt, 1/x): a run stops there too.
    undefined = "partly undefined" in race.surface.tags
    lines = []
    for runner in race.runners:
        d = runner.trajectory.diverged_at
        if d is not None:
            lr = runner.trajectory.settings.lr
            why = (
                f"either η = {lr:g} is too large for this surface or the step reached a region where f "
                "or its gradient is undefined."
                if undefined
                else f"η = {lr:g} is too large for this surface; try a smaller one."
            )
            lines.append(f"**{runner.label}** diverged at step {d}: {why}")
    if len(lines) == 1:
        note = f"{lines[0]} Its path stops there (marked ✕) while the others keep running."
        st.warning(note, icon=":material/warning:")
    elif lines:
        items = "\n".join(f"- {line}" for line in lines)
        st.warning(
            f"Their paths stop where they diverged (marked ✕) while the others keep running.\n\n{items}",
            icon=":material/warning:",
        )


def batch_notes(race: Race, settings: RaceSettings) -> None:
    """A batch of B > N examples is every example: say so where it happens."""
    n = settings.example_count()
    for runner, chosen in zip(race.runners, settings.competitors, strict=True):
        if isinstance(chosen.batch_size, int) and chosen.batch_size > n:
            st.caption(
                f"{runner.label}: a batch of B = {chosen.batch_size} is more than the {n} examples, so every "
                "update uses all of them (the exact gradient)."
            )
