"""The competitors: one box per competitor with its hyperparameters and batch size, add, remove and
reset to the lecture's seven."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from optviz import presets
from optviz.app.markup import verbatim
from optviz.app.state import PREFIX, current, load, seed
from optviz.app.widgets import hyper_input, lazy_box, number
from optviz.engine.optimizers import OPTIMIZERS
from optviz.params import HYPERPARAMETERS
from optviz.settings import (
    BATCH,
    MAX_COMPETITORS,
    Competitor,
    RaceSettings,
    default_competitor,
    labels,
)


def _remove(index: int) -> None:
    settings = current()
    competitors = settings.competitors[:index] + settings.competitors[index + 1 :]
    load(replace(settings, competitors=competitors))


def _add() -> None:
    settings = current()
    name = st.session_state[PREFIX + "add"]
    if len(settings.competitors) < MAX_COMPETITORS:
        load(replace(settings, competitors=(*settings.competitors, default_competitor(name))))
        # The newcomer's box opens, ready for its settings.
        st.session_state[competitor_box(len(settings.competitors))] = True


def _lecture_seven() -> None:
    settings = current()
    # With the learning rates a preset on this surface races them with, if there is one.
    load(replace(settings, competitors=presets.lecture_seven(settings.surface)))


def competitor_section(
    settings: RaceSettings, problems: list[str]
) -> tuple[bool, float, tuple[Competitor, ...]]:
    st.header("Competitors", anchor=False)
    key = PREFIX + "shared"
    seed(key, settings.shared)
    shared = st.toggle(
        "One η for all (shared settings)",
        key=key,
        help="Every competitor uses the same learning rate; their own values come back when this is off.",
    )
    shared_lr = settings.shared_lr
    if shared:
        shared_lr = hyper_input("Shared η (learning rate)", PREFIX + "lr", settings.shared_lr, "lr", problems)
    names = labels(settings.competitors)
    competitors = tuple(
        competitor_controls(i, c, name, shared, problems)
        for i, (c, name) in enumerate(zip(settings.competitors, names, strict=True))
    )
    _add_controls(len(competitors))
    return shared, shared_lr, competitors


def competitor_box(index: int) -> str:
    """The key of competitor `index`'s box (its open state)."""
    return f"{PREFIX}box{index}"


def competitor_controls(
    index: int, competitor: Competitor, label: str, shared: bool, problems: list[str]
) -> Competitor:
    """Competitor `index`'s box, titled with its label in the legend (so two of one optimizer are
    told apart here too)."""
    opt = OPTIMIZERS[competitor.optimizer]
    base = f"{PREFIX}c{index + 1}."
    box = lazy_box(verbatim(f"{index + 1}. {label}"), competitor_box(index))
    if not box.open:
        # A closed box sends no widgets: every widget on the page is re-sent on every rerun, and
        # seven competitors' sliders and boxes would double the time from a change to the chart.
        return competitor
    with box:
        values = {}
        for name in opt.uses:
            label = f"{HYPERPARAMETERS[name].symbol} ({HYPERPARAMETERS[name].label})"
            if name == "lr" and shared:
                st.caption("η: the shared value above")
                values[name] = competitor.lr
                continue
            values[name] = hyper_input(label, base + name, getattr(competitor, name), name, problems)
        batch = batch_controls(base, competitor, problems)
        st.button("Remove", key=base + "remove", on_click=_remove, args=(index,), icon=":material/delete:")
    return replace(competitor, batch_size=batch, **values)


_BATCH_MODES = {"full": "Full", "one": "1", "mini": "B"}


def batch_controls(base: str, competitor: Competitor, problems: list[str]) -> int | str:
    size = competitor.batch_size
    mode = "full" if size == "full" else "one" if size == 1 else "mini"
    key = base + "batch"
    seed(key, mode)
    mode = st.segmented_control(
        "Examples per update: full batch, 1 (SGD) or B",
        list(_BATCH_MODES),
        key=key,
        format_func=_BATCH_MODES.get,
        required=True,
        help="Full batch: the exact gradient. One example: SGD. B examples: mini-batch. The examples "
        "themselves (how many, their spread, the seed) are under 'Stochastic mode' below.",
    )
    if mode == "full":
        return "full"
    if mode == "one":
        return 1
    b = number(
        "B", base + "B", size if isinstance(size, int) and size > 1 else 10, BATCH.sizes, problems, step=1
    )
    return int(b)


def _add_controls(count: int) -> None:
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        seed(PREFIX + "add", "adam")
        st.selectbox(
            "Add a competitor",
            list(OPTIMIZERS),
            key=PREFIX + "add",
            format_func=lambda n: OPTIMIZERS[n].title,
            help="The same optimizer can run twice with different settings.",
        )
    with right:
        st.button(
            "Add",
            key=PREFIX + "add_button",
            on_click=_add,
            disabled=count >= MAX_COMPETITORS,
            icon=":material/add:",
            help=f"At most {MAX_COMPETITORS} competitors.",
        )
    st.button(
        "Reset to the lecture's seven",
        key=PREFIX + "lecture_seven",
        on_click=_lecture_seven,
        icon=":material/restart_alt:",
    )
