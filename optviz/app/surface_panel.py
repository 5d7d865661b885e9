"""Choosing the surface: the built-in ones (the lecture's first) with their options, or a formula
typed by the user with its domain and known minima."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import surfaces
from optviz.app.markup import verbatim
from optviz.app.state import PREFIX, current, load, seed
from optviz.app.widgets import grid_slider, number, title
from optviz.limits import CACHE_TTL, FORMULA_CACHE_ENTRIES
from optviz.settings import (
    COORDINATE,
    CUSTOM,
    DEFAULT_CUSTOM,
    DOMAIN,
    MINIMA,
    CustomSurface,
    RaceSettings,
)


def _surface_changed() -> None:
    key = PREFIX + "surface"
    if st.session_state[key] not in surface_names():
        # Only a tampered request names another surface: the widget goes back to the race's surface.
        st.session_state[key] = current().surface
        return
    load(current().with_surface(st.session_state[key]))


_GROUP_TITLES = {"lecture": "Lecture", "standard": "Test function", "data": "Data fit"}


def surface_names() -> list[str]:
    """Surfaces grouped: the lecture's first, then the standard test functions, then data fits, and
    last a formula of the user's own."""
    order = list(_GROUP_TITLES)
    return [*sorted(surfaces.SURFACES, key=lambda n: order.index(surfaces.SURFACES[n].group)), CUSTOM]


def surface_title(name: str) -> str:
    if name == CUSTOM:
        return "Custom · Your own formula f(x, y)"
    s = surfaces.SURFACES[name]
    return f"{_GROUP_TITLES.get(s.group, s.group)} · {s.title}"


def surface_section(settings: RaceSettings, problems: list[str]) -> RaceSettings:
    """The surface picker (and a custom formula's boxes); returns the settings on the chosen surface."""
    st.header("Surface", anchor=False)
    key = PREFIX + "surface"
    seed(key, settings.surface)
    name = st.selectbox(
        "Loss surface", surface_names(), key=key, format_func=surface_title, on_change=_surface_changed
    )
    if name == CUSTOM:
        return custom_section(settings, problems)
    options = []
    for option, value in settings.surface_options:
        spec = surfaces.OPTIONS[option]
        value = grid_slider(
            title(spec), f"{PREFIX}surface.{option}", value, spec.grid, help=spec.meaning or None
        )
        options.append((option, float(value)))
    return replace(settings, surface=name, surface_options=tuple(options))


@st.cache_data(max_entries=FORMULA_CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def custom_surface(spec: CustomSurface) -> surfaces.Surface:
    """A typed formula built once per text, domain and minima (a refused one raises FormulaError)."""
    return spec.build()


def custom_spec(
    text: str, domain: tuple[tuple[float, float], tuple[float, float]], minima: str
) -> CustomSurface:
    """The boxes' contents as a formula surface's data; ValueError names what is wrong."""
    problem = DOMAIN.problem(domain)
    if problem:
        raise ValueError(f"domain: {problem}")
    try:
        points = MINIMA.parse(minima) if minima.strip() else None
    except ValueError as error:
        raise ValueError(f"known minima: {error}") from None
    return CustomSurface(text, domain, points)


def gradient_latex(surface: surfaces.Surface) -> str:
    gx, gy = surface.gradient_latex
    return rf"\nabla f(x, y) = \begin{{pmatrix}} {gx} \\ {gy} \end{{pmatrix}}"


def custom_section(settings: RaceSettings, problems: list[str]) -> RaceSettings:
    """A formula of the user's own: its text, domain and known minima. A formula that is refused
    leaves the race on the last one that worked, and the text stays in the box to be fixed."""
    spec = settings.custom or DEFAULT_CUSTOM
    if settings.custom is None:
        settings = settings.with_custom(spec)
    base = PREFIX + "custom."
    seed(base + "f", spec.text)
    text = st.text_input(
        "f(x, y) =",
        key=base + "f",
        help="In familiar notation: x^2 + 10 y^2, sin(x)*cos(y), exp(-(x^2+y^2)), abs(x) + y^2, "
        "log(1 + x^2); constants pi and e. The gradient is derived exactly from what you type.",
    )
    formula_box = st.container()
    (x0, x1), (y0, y1) = spec.domain
    values = []
    for name, low, high in (("x", x0, x1), ("y", y0, y1)):
        left, right = st.columns(2)
        with left:
            values.append(number(f"{name} min", f"{base}{name}0", low, COORDINATE, problems, step=0.5))
        with right:
            values.append(number(f"{name} max", f"{base}{name}1", high, COORDINATE, problems, step=0.5))
    seed(base + "min", "" if spec.minima is None else MINIMA.text(spec.minima).replace(";", "; "))
    minima = st.text_input(
        "Known minima (optional)",
        key=base + "min",
        placeholder="x, y; x, y",
        help="Where f has its global minima, for the results' distance column; left empty they are "
        "estimated numerically.",
    )
    domain = ((float(values[0]), float(values[1])), (float(values[2]), float(values[3])))
    try:
        candidate = custom_spec(text or "", domain, minima or "")
        surface = custom_surface(candidate)
    except ValueError as error:  # FormulaError included: its message points at the problem
        with formula_box:
            message = f"{error}. The race still uses f(x, y) = {spec.text}."
            st.error(verbatim(message), icon=":material/error:")
        problems.append(message)
        candidate, surface = spec, custom_surface(spec)
    if candidate != settings.custom:
        moved = settings.with_custom(candidate)
        if (candidate.text, candidate.domain) == (spec.text, spec.domain):
            moved = replace(moved, start=settings.start)  # only the minima changed: the start stays
        settings = moved
        # The start and spread widgets come later in this run: they show the new surface's values.
        st.session_state[PREFIX + "x0"], st.session_state[PREFIX + "y0"] = settings.start
        st.session_state[PREFIX + "spread"] = settings.spread
    with formula_box:
        st.latex(surface.latex)
        st.latex(gradient_latex(surface))
    return settings
