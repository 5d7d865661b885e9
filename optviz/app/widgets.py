"""The app's own widgets: a checked number box, a slider over chosen positions, a box that leaves
its widgets off the page while closed, and a hyperparameter's slider-and-box pair.

A typed value that is not allowed leaves its setting at the last valid value and shows a message;
the text stays in the box so nothing typed is lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import streamlit as st

from optviz.app.markup import verbatim
from optviz.app.state import seed
from optviz.params import HYPERPARAMETERS
from optviz.settings import (
    Real,
    Whole,
)
from surfaces.ranges import Option


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
    param = HYPERPARAMETERS[name]
    valid = typed is not None and param.allowed.problem(typed) is None
    # The slider follows the box while the box holds a valid value.
    st.session_state[slider] = float(typed) if valid else value
    help = f"{param.meaning} The slider moves in large steps; type the exact value in the box below it."
    grid_slider(label, slider, value, param.grid, help=help, on_change=_copy, args=(slider, box))
    step = 10.0 ** math.floor(math.log10(value)) if param.logarithmic and value > 0 else 0.001
    # The box sits right under its slider, so it goes without a label of its own.
    return number(label, box, value, param.allowed, problems, step=step, label_visibility="collapsed")


def title(option: Option) -> str:
    """A parameter's label with its symbol, as a widget shows it: "Learning rate η"."""
    return f"{option.label[:1].upper()}{option.label[1:]} {option.symbol}"
