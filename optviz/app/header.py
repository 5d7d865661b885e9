"""What frames the race: the page's style, the title with the surface's formula, help, the preset's
note, the surface's description and the update rules."""

from __future__ import annotations

import html
import re
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
    with st.popover("How to use", icon=":material/help:", width="content"):
        st.caption("Gradient-descent methods side by side on 2-D loss surfaces.")
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
            "- The address bar holds the whole race: copy it to share exactly what you see.\n"
            "- **Present** (or the F key) fills the screen with the race for a projector; **?** in the "
            "player lists its keyboard shortcuts."
        )


def show_url_warnings() -> None:
    warnings = st.session_state.get(URL_WARNINGS, ())
    if not warnings:
        return
    lines = "\n".join(f"- {verbatim(w)}" for w in warnings)
    st.warning(f"Some settings in the link were not valid and were replaced by defaults:\n{lines}")
    st.button("Dismiss", key="dismiss_url_warnings", on_click=st.session_state.pop, args=(URL_WARNINGS, None))


# The page's own style: a compact header (title, surface and formula on one row that wraps rather
# than clips), less empty margin, the preset's note as a strip above the race, a skip link, and
# focused controls that stay clear of Streamlit's top bar.
PAGE_CSS = """
[data-testid='stMainBlockContainer'] { padding: 3.6rem 2rem 2rem 2rem; max-width: 100%; }
[data-testid='stMain'], [data-testid='stMainBlockContainer'] { scroll-padding-top: 4.5rem; }
[data-testid='stMain'] :is(button, input, select, textarea, a, [tabindex]) { scroll-margin-top: 4.5rem; }
.st-key-optviz-header { row-gap: 0.5rem; }
.st-key-optviz-header h1 {
  font-size: clamp(1.45rem, 2.1vw, 2rem); padding: 0; line-height: 1.2; white-space: nowrap;
}
:has(> .st-key-optviz-formula) { min-width: min(16rem, 100%); flex: 1 1 16rem; }
.st-key-optviz-formula p { font-size: clamp(1rem, 1.25vw, 1.2rem); margin: 0; line-height: 1.5; }
.st-key-optviz-formula .katex { font-size: 1.1em; }
.optviz-note {
  border-left: 4px solid #1c83e1; background: rgba(28, 131, 225, 0.08); border-radius: 0.4rem;
  padding: 0.3rem 0.8rem; font-size: 1rem; line-height: 1.45;
}
.optviz-note summary { cursor: pointer; }
.optviz-note ul { margin: 0.3rem 0 0.2rem 0; padding-left: 1.3rem; }
.optviz-note li { margin: 0; font-size: 1rem; }
a.optviz-skip {
  position: absolute; left: -10000px; top: 0; z-index: 1000200; padding: 0.5rem 0.9rem;
  background: #ffffff; color: #1c63c4; border: 2px solid #1c63c4; border-radius: 0.4rem; font-weight: 600;
}
a.optviz-skip:focus { left: auto; top: 0.6rem; position: fixed; }
[data-testid='stElementContainer']:has(a.optviz-skip) { margin-bottom: -1rem; height: 0; }
:focus-visible { outline-offset: 2px; }
"""


def page_css(competitors: Sequence[Competitor]) -> None:
    """The page's style (`PAGE_CSS`), with each competitor's box in its colour (the same as its path
    and its row in the results), and the skip link to the player, first in the main area."""
    # Streamlit gives a keyed container the class st-key-<key>, with "." written as "-".
    boxes = "".join(
        f".st-key-{competitor_box(i).replace('.', '-')} summary "
        f"{{ border-left: 8px solid {PALETTE[c.color or 0]}; }}"
        for i, c in enumerate(competitors)
    )
    st.html(
        f"<style>{PAGE_CSS}{boxes}</style>"
        # The first stop of the keyboard (before the sidebar's settings, which come first on the page).
        '<a class="optviz-skip" href="#optviz-player" tabindex="1" data-testid="optviz-skip">'
        "Skip to the race player</a>"
    )


def header(settings: RaceSettings) -> None:
    """The page title, the surface with its formula, and help, in one row above the race that wraps
    (the formula's own line breaks first) rather than clipping anything."""
    s = settings.surface_object()
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="optviz-header"):
        st.title("Optimizer race", anchor=False, width="content")
        with st.container(key="optviz-formula", width="stretch"):
            # Inline maths: KaTeX breaks a long formula after an operator instead of cutting it off.
            st.markdown(f"**{verbatim(s.title)}** &nbsp; ${s.latex}$")
        how_to()


def watch_note(settings: RaceSettings, race: Race) -> None:
    """What to look for while a preset is loaded, as a strip directly above the race: its first line
    shows, the rest opens under it."""
    name = presets.matching(settings)
    if name is None:
        return
    first, *rest = presets.PRESETS[name].watch(race).split("\n")
    items = "".join(f"<li>{_inline(line.removeprefix('- '))}</li>" for line in rest if line.strip())
    body = f"<ul>{items}</ul>" if items else ""
    st.html(
        f'<details class="optviz-note" data-testid="optviz-note"><summary><b>What to watch.</b> '
        f"{_inline(first)}</summary>{body}</details>"
    )


def _inline(text: str) -> str:
    """A note's line of Markdown (only **bold** in it) as HTML, everything else shown as written."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))


def about(settings: RaceSettings) -> None:
    """What the surface is."""
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
