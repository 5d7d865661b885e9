"""The app's parts as functions: each draws one piece of the page and returns what the user chose.

State lives in `st.session_state[SETTINGS]`, the current valid `AppSettings`. Every widget's key
starts with "w."; a widget is seeded from the settings when it first appears, and the sidebar reads
all of them back into new settings on every run. Whatever replaces the settings wholesale (a preset,
the surface picker, adding or removing a competitor) goes through `load`, which drops the widgets'
state so that they are seeded afresh. A typed value that is not allowed leaves its setting at the
last valid value and shows a message; the text stays in the box so nothing typed is lost.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Any, Literal
from urllib.parse import urlencode

import streamlit as st

import surfaces
from optviz import presets
from optviz.app.markup import verbatim
from optviz.engine.optimizers import OPTIMIZERS, library_formula
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
from optviz.limits import CACHE_TTL, FORMULA_CACHE_ENTRIES, RACE_CACHE_ENTRIES
from optviz.params import SYMBOLS
from optviz.racing import (
    CUSTOM,
    MAX_COMPETITORS,
    Competitor,
    CustomSurface,
    Race,
    RaceConfig,
    labels,
    run_race,
)
from optviz.settings import (
    BATCH,
    COORDINATE,
    DEFAULT_CUSTOM,
    DOMAIN,
    HYPER_RANGES,
    MAX_STEPS,
    MINIMA,
    N_EXAMPLES,
    SEED,
    SPREAD,
    SURFACE_OPTION_RANGES,
    AppSettings,
    Real,
    View,
    Whole,
    default_competitor,
    from_query,
    start_ranges,
    to_query,
)
from optviz.views.style import PALETTE

SETTINGS = "settings"
URL_WARNINGS = "url_warnings"
PREFIX = "w."

NAMES = {
    "lr": "learning rate",
    "gamma": "momentum / decay",
    "beta1": "first-moment decay",
    "beta2": "second-moment decay",
    "eps": "epsilon",
    "weight_decay": "weight decay",
}


def _decades(low: int, high: int, mantissas: Sequence[float] = (1, 2, 5)) -> tuple[float, ...]:
    return tuple(
        float(f"{m}e{k}") for k in range(low, high + 1) for m in mantissas if m * 10.0**k <= 10**high
    )


# Slider positions. Where the useful range spans decades the grid is logarithmic (eta, eps); the
# decay rates get fine steps near 1, where their effect changes fastest (1 - beta2 = 1e-3 vs 1e-4).
_NEAR_ONE = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999)
GRIDS: dict[str, tuple[float, ...]] = {
    "lr": _decades(-5, 1),
    "gamma": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 0.995, 0.999),
    "beta1": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 0.995, 0.999),
    "beta2": (*_NEAR_ONE, 0.9995, 0.9999, 0.99995, 0.99999, 0.999999),
    "eps": (0.0, *_decades(-12, -1, (1,))),
    "weight_decay": (0.0, *_decades(-4, 0, (1, 3))),
    "slope": _decades(-1, 1),
    "wall": (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 50.0, 65.0, 100.0, 200.0),
    "kappa": (1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 200.0, 500.0, 1000.0),
}
TOLERANCES = _decades(-10, 0, (1,))
OPTION_LABELS = {
    "slope": "Floor slope s",
    "wall": "Wall steepness c",
    "kappa": "Condition number κ",
    "theta": "Rotation θ (degrees)",
}
TRAILS = (0, 5, 10, 20, 50, 100, 200)


# --------------------------------------------------------------------------------------------- state


def init_state(query: Mapping[str, Sequence[str]]) -> None:
    """Reads the URL once per session; later changes flow from the widgets to the URL."""
    if SETTINGS in st.session_state:
        return
    # A missing or malformed key takes the value the app opens with.
    settings, warnings = from_query(query, presets.DEFAULT.settings)
    st.session_state[SETTINGS] = settings
    st.session_state[URL_WARNINGS] = warnings


def current() -> AppSettings:
    settings = st.session_state[SETTINGS]
    stale = type(settings) is not AppSettings or any(type(c) is not Competitor for c in settings.competitors)
    if stale or (settings.custom is not None and type(settings.custom) is not CustomSurface):
        # Streamlit re-imports the app's modules when a source file changes; settings made by the old
        # classes would not pickle into the race cache. Their plain-data form rebuilds them.
        settings = from_query(to_query(settings), presets.DEFAULT.settings)[0]
        st.session_state[SETTINGS] = settings
    return settings


def load(settings: AppSettings) -> None:
    """Makes `settings` current and lets every widget show it."""
    st.session_state[SETTINGS] = settings
    for key in [k for k in st.session_state if str(k).startswith(PREFIX)]:
        del st.session_state[key]


def seed(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def query_lists() -> dict[str, list[str]]:
    """The query parameters with repeated keys kept (st.query_params[k] shows only the last)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def sync_url(settings: AppSettings) -> None:
    """Keeps the address bar's query string equal to the settings, so the link is always shareable."""
    query = to_query(settings)
    if query_lists() != {k: [v] for k, v in query.items()}:
        st.query_params.from_dict(query)


# ----------------------------------------------------------------------------------- small widgets


def fmt(value: float) -> str:
    return f"{value:g}"


def number(
    label: str,
    key: str,
    current_value: float,
    check: Real | Whole,
    problems: list[str],
    *,
    help: str | None = None,
    step: float | None = None,
    format: str = "%g",
    disabled: bool = False,
    label_visibility: Literal["visible", "collapsed"] = "visible",
) -> Any:
    """A typed number; a value outside `check`'s range is reported and the current one kept."""
    seed(key, current_value)
    value = st.number_input(
        label,
        key=key,
        step=step,
        format=format,
        help=help,
        disabled=disabled,
        label_visibility=label_visibility,
    )
    problem = "no value" if value is None else check.problem(value)
    if problem:
        message = f"{label}: {problem}; the race still uses {fmt(current_value)}."
        st.error(verbatim(message), icon=":material/error:")
        problems.append(message)
        return current_value
    return value


def grid_slider(
    label: str,
    key: str,
    value: float,
    grid: Sequence[float],
    *,
    help: str | None = None,
    format_func: Callable[[float], str] = fmt,
    **kwargs: Any,
) -> float:
    """A slider over chosen positions (the current value is always one of them, so it shows exactly)."""
    seed(key, value)
    options = sorted({*grid, float(st.session_state[key])})
    return st.select_slider(label, options, key=key, format_func=format_func, help=help, **kwargs)


def lazy_box(label: str, key: str, **kwargs: Any) -> Any:
    """An expander that reruns the app when it is opened or closed, so that a closed one can leave
    out its widgets (`.open`)."""
    # A browser sends True or False; anything else (a tampered request) would stop Streamlit itself
    # in the middle of the page, so it closes the box.
    if not isinstance(st.session_state.get(key, False), bool):
        st.session_state[key] = False
    return st.expander(label, key=key, on_change="rerun", **kwargs)


def _copy(source: str, target: str) -> None:
    st.session_state[target] = st.session_state[source]


def hyper_input(label: str, key: str, value: float, name: str, problems: list[str]) -> float:
    """A hyperparameter: a slider for moving by orders of magnitude and a box for its exact value."""
    box = key
    slider = key + ".slider"
    seed(box, value)
    typed = st.session_state[box]
    valid = typed is not None and HYPER_RANGES[name].problem(typed) is None
    # The slider follows the box while the box holds a valid value.
    st.session_state[slider] = float(typed) if valid else value
    help = "The slider moves in large steps; type the exact value in the box below it."
    grid_slider(label, slider, value, GRIDS[name], help=help, on_change=_copy, args=(slider, box))
    step = 10.0 ** math.floor(math.log10(value)) if name in ("lr", "eps") and value > 0 else 0.001
    # The box sits right under its slider, so it goes without a label of its own.
    return number(label, box, value, HYPER_RANGES[name], problems, step=step, label_visibility="collapsed")


# ------------------------------------------------------------------------------------------ sidebar


def sidebar(settings: AppSettings, problems: list[str]) -> AppSettings:
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


def preset_picker(settings: AppSettings) -> None:
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


def surface_section(settings: AppSettings, problems: list[str]) -> AppSettings:
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
        label = OPTION_LABELS.get(option, option)
        if option in GRIDS:
            value = grid_slider(label, f"{PREFIX}surface.{option}", value, GRIDS[option])
        else:
            r = SURFACE_OPTION_RANGES[option]
            seed(f"{PREFIX}surface.{option}", value)
            value = st.slider(label, r.low, r.high, key=f"{PREFIX}surface.{option}", step=5.0, format="%.0f°")
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


def custom_section(settings: AppSettings, problems: list[str]) -> AppSettings:
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


def _default_start() -> None:
    settings = current()
    set_start(settings.surface_object().start)


def set_speed(speed: int) -> None:
    """The playback speed chosen in the player's menu (already checked); runs before the rerun."""
    settings = current()
    st.session_state[SETTINGS] = replace(settings, view=replace(settings.view, speed=speed))


def set_start(xy: tuple[float, float]) -> None:
    """The start point from a click on the contour (or the reset button); runs before the rerun."""
    settings = current()
    rx, ry = start_ranges(settings.surface_object())
    x = min(max(round(float(xy[0]), 3), rx.low), rx.high)
    y = min(max(round(float(xy[1]), 3), ry.low), ry.high)
    st.session_state[SETTINGS] = replace(settings, start=(x, y))
    st.session_state[PREFIX + "x0"] = x
    st.session_state[PREFIX + "y0"] = y


def start_section(settings: AppSettings, problems: list[str]) -> tuple[float, float]:
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


def race_section(settings: AppSettings) -> tuple[int, str]:
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


# -------------------------------------------------------------------------------------- competitors


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
    settings: AppSettings, problems: list[str]
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
            label = f"{SYMBOLS[name]} ({NAMES[name]})"
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


# -------------------------------------------------------------------------------- stochastic, view


def stochastic_section(settings: AppSettings, problems: list[str]) -> tuple[int, float, int]:
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


def display_section(settings: AppSettings) -> tuple[View, float]:
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
    # The speed is set in the player's own menu (`set_speed`), which the link keeps.
    return View(**toggles, trail=int(trail), speed=v.speed), float(tol)


def share_section(settings: AppSettings) -> None:
    base = st.context.url or ""
    # A markdown link rather than st.code: a code block makes the page load a 1.6 MB syntax
    # highlighter and a font of its own, a quarter of a second of a first load on a laptop.
    st.markdown(
        "**Share this race**: the address bar always holds every setting. Copy it, or "
        f"[this link]({base}?{urlencode(to_query(settings))})."
    )


# -------------------------------------------------------------------------------------- main area


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


def header(settings: AppSettings) -> None:
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


def about(settings: AppSettings, race: Race) -> None:
    """What to look for (while a preset is loaded) and what the surface is."""
    name = presets.matching(settings)
    if name is not None:
        st.info(f"**What to watch.** {presets.PRESETS[name].watch(race)}", icon=":material/visibility:")
    st.markdown(f"**About this surface.** {verbatim(settings.surface_object().description)}")


@st.cache_data(max_entries=RACE_CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner="Running the race...")
def compute_race(config: RaceConfig) -> Race:
    """Cached on every input (the whole config), so reruns that change only the view are instant."""
    return run_race(config)


# ------------------------------------------------------------------------------------------- export

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

    key: tuple[RaceConfig, str, ExportOptions]
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


def export_key(race: Race, fmt: str, options: ExportOptions) -> tuple[RaceConfig, str, ExportOptions]:
    return race.config, fmt, options


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


def batch_notes(race: Race, settings: AppSettings) -> None:
    """A batch of B > N examples is every example: say so where it happens."""
    n = settings.example_count()
    for runner, chosen in zip(race.runners, settings.competitors, strict=True):
        if isinstance(chosen.batch_size, int) and chosen.batch_size > n:
            st.caption(
                f"{runner.label}: a batch of B = {chosen.batch_size} is more than the {n} examples, so every "
                "update uses all of them (the exact gradient)."
            )


def formula_latex(optimizer: str, eps_placement: str) -> str:
    formula = OPTIMIZERS[optimizer].formula
    return formula if eps_placement == "inside" else library_formula(formula)


def formulas(settings: AppSettings) -> None:
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
