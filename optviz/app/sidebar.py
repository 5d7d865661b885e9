"""The sidebar: every setting's widget, in the order a teacher sets up a race, and the share link."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import streamlit as st

from optviz import presets
from optviz.app.competitors import competitor_section
from optviz.app.state import PREFIX, _default_start, current, load, seed
from optviz.app.surface_panel import surface_section
from optviz.app.widgets import grid_slider, lazy_box, number
from optviz.link import to_query
from optviz.params import decades
from optviz.settings import (
    N_EXAMPLES,
    SEED,
    SPREAD,
    RaceSettings,
    View,
    start_ranges,
)

TOLERANCES = decades(-10, 0, (1,))


TRAILS = (0, 5, 10, 20, 50, 100, 200)


def sidebar(settings: RaceSettings, problems: list[str]) -> RaceSettings:
    """Every setting's widget; returns the settings they now show."""
    # The preset picker sits on top but is drawn last: it shows whether the settings the other
    # widgets now hold are still a preset's.
    top = st.container()
    settings = surface_section(settings, problems)
    start = start_section(settings, problems)
    steps, eps_placement = race_section(settings)
    shared, shared_lr, competitors = competitor_section(settings, problems)
    n_examples, spread, seed_value = stochastic_section(settings, problems)
    view, tol = display_section(settings)
    chosen = replace(
        settings,
        start=start,
        steps=steps,
        eps_placement=eps_placement,
        shared=shared,
        shared_lr=shared_lr,
        competitors=competitors,
        n_examples=n_examples,
        spread=spread,
        seed=seed_value,
        view=view,
        tol=tol,
    )
    with top:
        preset_picker(chosen)
        st.divider()
    return chosen


def _apply_preset() -> None:
    name = st.session_state[PREFIX + "preset"]
    # A browser offers only the listed presets; anything else (a tampered request) changes nothing.
    if name not in presets.PRESETS:
        return
    settings = current()
    # A preset sets the race; how it is shown stays as the user chose.
    load(replace(presets.PRESETS[name].settings, view=settings.view, tol=settings.tol))


def preset_picker(settings: RaceSettings) -> None:
    st.header("Presets", anchor=False)
    key = PREFIX + "preset"
    # The picker shows a preset only while the settings are still that preset's.
    st.session_state[key] = presets.matching(settings)
    st.selectbox(
        "Load a ready-made race",
        list(presets.PRESETS),
        key=key,
        index=None,
        format_func=lambda name: presets.PRESETS[name].title,
        placeholder="Choose a preset...",
        on_change=_apply_preset,
        help="The lecture's three comparison slides and a few more. Each sets the surface, start, steps "
        "and every competitor's hyperparameters.",
    )


def start_section(settings: RaceSettings, problems: list[str]) -> tuple[float, float]:
    st.subheader(
        "Start point", anchor=False, help="Type it, or click anywhere on the contour map, also after playing."
    )
    rx, ry = start_ranges(settings.surface_object())
    left, right = st.columns(2)
    with left:
        x = number(
            "x₀", PREFIX + "x0", settings.start[0], rx, problems, step=0.1, help=f"Allowed: {rx.describe()}"
        )
    with right:
        y = number(
            "y₀", PREFIX + "y0", settings.start[1], ry, problems, step=0.1, help=f"Allowed: {ry.describe()}"
        )
    st.button(
        "Surface's default start",
        key=PREFIX + "default_start",
        on_click=_default_start,
        icon=":material/restart_alt:",
    )
    return float(x), float(y)


def race_section(settings: RaceSettings) -> tuple[int, str]:
    st.subheader("Race", anchor=False)
    key = PREFIX + "steps"
    seed(key, settings.steps)
    steps = st.slider(
        "Steps (updates per optimizer)", 1, 2000, key=key, help="Every optimizer makes this many updates."
    )
    key = PREFIX + "eps_at"
    seed(key, settings.eps_placement)
    eps_placement = st.radio(
        "Where ε goes",
        ("inside", "outside"),
        key=key,
        horizontal=True,
        format_func=lambda v: "inside the root (lecture)" if v == "inside" else "outside (PyTorch)",
        help="Lecture: η / √(G + ε). PyTorch and TensorFlow: η / (√G + ε). Matters when G is tiny.",
    )
    return int(steps), eps_placement


def stochastic_section(settings: RaceSettings, problems: list[str]) -> tuple[int, float, int]:
    data = settings.surface_object().data
    title = "Stochastic mode: the training examples"
    box = lazy_box(title, PREFIX + "stochastic", icon=":material/scatter_plot:")
    if not box.open:  # as a competitor's box: closed, it sends no widgets
        return settings.n_examples, settings.spread, settings.seed
    with box:
        st.caption(
            "Each surface is the mean of N examples' losses. SGD and mini-batch GD see one example "
            "or a batch of B per update, so their gradient is noisy; the full batch sees the exact one."
        )
        if data is not None:
            st.caption(f"This surface fits its own data set of {len(data[0])} examples.")
        n = number(
            "Number of examples N",
            PREFIX + "n",
            settings.n_examples,
            N_EXAMPLES,
            problems,
            step=10,
            format="%d",
            disabled=data is not None,
        )
        spread = number(
            "Spread of the examples",
            PREFIX + "spread",
            settings.spread,
            SPREAD,
            problems,
            step=0.5,
            disabled=data is not None,
            help="How much one example's gradient differs from the mean: the noise SGD sees.",
        )
        seed_value = number(
            "Random seed",
            PREFIX + "seed",
            settings.seed,
            SEED,
            problems,
            step=1,
            format="%d",
            help="Which examples and which batch order: the same seed gives the same race.",
        )
    return int(n), float(spread), int(seed_value)


def display_section(settings: RaceSettings) -> tuple[View, float]:
    v = settings.view
    with st.expander("Display and teaching overlays", expanded=True, icon=":material/visibility:"):
        toggles = {}
        for name, label, help in (
            ("show_3d", "3-D view", "The surface in 3-D beside the contour map."),
            ("show_arrows", "Gradient and update arrows", "At the current step, for every optimizer."),
            (
                "show_rates",
                "Effective learning rates",
                "η / √(G + ε) per coordinate for the adaptive methods.",
            ),
            ("show_formulas", "Update formulas", "Each optimizer's rule in the lecture's notation."),
        ):
            seed(PREFIX + name, getattr(v, name))
            toggles[name] = st.toggle(label, key=PREFIX + name, help=help)
        trail = grid_slider(
            "Trail (steps behind each head)",
            PREFIX + "trail",
            v.trail,
            TRAILS,
            format_func=lambda n: "whole path" if n == 0 else f"{n:g}",
            help="How much of each path stays drawn behind its moving head.",
        )
        tol = grid_slider(
            "Results: tolerance for 'Steps to tol'",
            PREFIX + "tol",
            settings.tol,
            TOLERANCES,
            help="The results table gives the first step whose loss is within this of the minimum.",
        )
    # The speed and presenter mode are set in the player (`set_speed`, `set_present`); the link keeps them.
    return View(**toggles, trail=int(trail), speed=v.speed, present=v.present), float(tol)


def share_section(settings: RaceSettings) -> None:
    base = st.context.url or ""
    # A markdown link rather than st.code: a code block makes the page load a 1.6 MB syntax
    # highlighter and a font of its own, a quarter of a second of a first load on a laptop.
    st.markdown(
        "**Share this race**: the address bar always holds every setting. Copy it, or "
        f"[this link]({base}?{urlencode(to_query(settings))})."
    )
