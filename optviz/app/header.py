"""What frames the race: the page's style, the title with the surface's formula, help, the preset's
note, the surface's description and the update rules."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from optviz import presets
from optviz.app.competitors import competitor_box
from optviz.app.markup import verbatim
from optviz.app.state import URL_WARNINGS
from optviz.engine.optimizers import OPTIMIZERS, library_formula
from optviz.racing import Race
from optviz.settings import (
    Competitor,
    RaceSettings,
)
from optviz.views.style import PALETTE


def how_to() -> None:
    # A popover opens over the page, so the help never pushes the race down.
    with st.popover("How to use", icon=":material/help:", width="stretch"):
        st.markdown(
            "- **Pick a preset** (sidebar) for one of the lecture's comparisons, or a **surface** and "
            "**competitors** of your own.\n"
            "- **Play** the race and watch every optimizer step at once; pause, scrub, step back.\n"
            "- **Click the contour map** to start everyone from that point (typing x₀, y₀ works too).\n"
            "- Open a competitor in the sidebar to change **its** hyperparameters: the slider moves by "
            "orders of magnitude, the box below it takes the exact value. Add the same optimizer twice "
            "to compare two settings.\n"
            "- **One η for all** gives every competitor the same learning rate.\n"
            "- The **results** table says who got closest, how fast, and who diverged.\n"
            "- The address bar holds the whole race: copy it to share exactly what you see."
        )


def show_url_warnings() -> None:
    warnings = st.session_state.get(URL_WARNINGS, ())
    if not warnings:
        return
    lines = "\n".join(f"- {verbatim(w)}" for w in warnings)
    st.warning(f"Some settings in the link were not valid and were replaced by defaults:\n{lines}")
    st.button("Dismiss", key="dismiss_url_warnings", on_click=st.session_state.pop, args=(URL_WARNINGS, None))


def page_css(competitors: Sequence[Competitor]) -> None:
    """Less empty margin above and beside the race, so it fits a 1366 x 768 laptop screen; each
    competitor's box carries its colour, the same as its path and its row in the results."""
    # Streamlit gives a keyed container the class st-key-<key>, with "." written as "-".
    boxes = "".join(
        f".st-key-{competitor_box(i).replace('.', '-')} summary "
        f"{{ border-left: 8px solid {PALETTE[c.color or 0]}; }}"
        for i, c in enumerate(competitors)
    )
    st.html(
        "<style>[data-testid='stMainBlockContainer'] { padding: 2.5rem 2rem 2rem 2rem; max-width: 100%; }"
        "[data-testid='stMainBlockContainer'] h1 { font-size: 2.2rem; padding: 0.5rem 0 0 0; }"
        f"{boxes}</style>"
    )


def header(settings: RaceSettings) -> None:
    """The page title, the surface with its formula, and help, in one row above the race."""
    s = settings.surface_object()
    title, surface, help = st.columns([3, 5, 2], vertical_alignment="center")
    with title:
        st.title("Optimizer race", anchor=False)
        st.caption("Gradient-descent methods side by side on 2-D loss surfaces")
    with surface:
        st.subheader(verbatim(s.title), anchor=False)
        st.latex(s.latex)
    with help:
        how_to()


def about(settings: RaceSettings, race: Race) -> None:
    """What to look for (while a preset is loaded) and what the surface is."""
    name = presets.matching(settings)
    if name is not None:
        st.info(f"**What to watch.** {presets.PRESETS[name].watch(race)}", icon=":material/visibility:")
    st.markdown(f"**About this surface.** {verbatim(settings.surface_object().description)}")


def formula_latex(optimizer: str, eps_placement: str) -> str:
    formula = OPTIMIZERS[optimizer].formula
    return formula if eps_placement == "inside" else library_formula(formula)


def formulas(settings: RaceSettings) -> None:
    st.subheader("Update rules", anchor=False)
    where = (
        "inside the root, as in the lecture"
        if settings.eps_placement == "inside"
        else "outside the root, as PyTorch writes it"
    )
    st.caption(f"g is the gradient (of the batch in use); ε {where}.")
    names = list(dict.fromkeys(c.optimizer for c in settings.competitors))
    # One row that wraps to the screen's width (rather than a grid of columns: fewer elements).
    with st.container(horizontal=True, gap="large"):
        for name in names:
            st.latex(
                titled(OPTIMIZERS[name].title, formula_latex(name, settings.eps_placement)), width="content"
            )


def titled(title: str, formula: str) -> str:
    """The rule under its optimizer's name, in one LaTeX block (one element rather than two: every
    element on the page costs time on every rerun). The registry writes multi-line rules with \\;
    a gathered block keeps KaTeX from running them together."""
    return rf"\begin{{gathered}}\textbf{{{title}}} \\[2pt] {formula}\end{{gathered}}"


def problems_note(problems: list[str]) -> None:
    if problems:
        st.error(
            "Some typed values are not allowed (see the sidebar); the race uses the last valid ones.",
            icon=":material/error:",
        )
