"""Allowed values, declared once: the interval a number must lie in, and a surface's options.

Every entry point that takes a number checks it against one of these (the Python API, the app's
typed boxes, the link parser, the command line, the JSON import), so they cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def finite_number(name: str, value: object, error: type[ValueError] = ValueError) -> float:
    """`value` as a finite float, or `error` naming `name` (booleans and text are not numbers)."""
    if type(value) is float and math.isfinite(value):  # the common case, checked on every run
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise error(f"{name} must be a number, got {shortened(repr(value))}")
    try:
        number = float(value)
    except OverflowError:  # a whole number beyond any float (JSON's numbers have no limit)
        raise error(f"{name} must be finite, got a whole number of {len(str(value))} digits") from None
    if not math.isfinite(number):
        raise error(f"{name} must be finite, got {number}")
    return number


def whole_number(name: str, value: object, low: int, high: int | None = None) -> int:
    """`value` as an int in [low, high] (no upper end when `high` is None); a float, bool or text is
    refused, not truncated: ValueError names `name` and the allowed range."""
    if type(value) is int or (isinstance(value, int | np.integer) and not isinstance(value, bool)):
        if low <= value and (high is None or value <= high):
            return int(value)
        raise ValueError(f"{name} must be {_limit(low, high)}, got {shortened(str(value))}")
    raise ValueError(f"{name} must be a whole number {_limit(low, high)}, got {shortened(repr(value))}")


def shortened(text: str, limit: int = 40) -> str:
    """A value written into a message, cut short: a message never echoes a long value in full."""
    return text if len(text) <= limit else text[:limit] + "..."


def _limit(low: int, high: int | None) -> str:
    return f"between {low} and {high}" if high is not None else f"at least {low}"


def number_text(value: float) -> str:
    """The shortest text that reads back as exactly this float ('-18' rather than '-18.0')."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _show(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


@dataclass(frozen=True)
class Real:
    """A finite number in an interval; an end may be open, or infinite (then always open)."""

    low: float
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def problem(self, value: float) -> str | None:
        """What is wrong with `value`, or None."""
        if not math.isfinite(value):
            return f"{value} is not a finite number"
        too_low = value <= self.low if self.low_open else value < self.low
        too_high = value >= self.high if self.high_open else value > self.high
        if too_low or too_high:
            return f"{value:g} is outside the allowed range {self.describe()}"
        return None

    def describe(self) -> str:
        def end(v: float) -> str:
            return "∞" if v == math.inf else "−∞" if v == -math.inf else f"{v:g}"

        left = "(" if self.low_open or self.low == -math.inf else "["
        right = ")" if self.high_open or self.high == math.inf else "]"
        return f"{left}{end(self.low)}, {end(self.high)}{right}"

    def check(self, name: str, value: object) -> float:
        """`value` as a float inside the range, or ValueError naming `name` and the range."""
        number = finite_number(name, value)
        if self.problem(number):
            raise ValueError(f"{name} must be in {self.describe()}, got {number:g}")
        return number

    def check_all(self, name: str, values: np.ndarray) -> np.ndarray:
        """`values` (finite float64) if all are inside the range, else ValueError naming the first
        that is not."""
        low = values > self.low if self.low_open else values >= self.low
        high = values < self.high if self.high_open else values <= self.high
        outside = np.flatnonzero(~(low & high))
        if outside.size:
            raise ValueError(f"{name} must be in {self.describe()}, got {values[outside[0]]:g}")
        return values

    def parse(self, text: str) -> float:
        """A number written as text (as in a link), checked; ValueError says what is wrong."""
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{_show(text)} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{_show(text)} is not a finite number")
        problem = self.problem(value)
        if problem:
            raise ValueError(problem)
        return value

    def text(self, value: float) -> str:
        return number_text(value)

    def contains(self, value: float) -> bool:
        return self.problem(value) is None


POSITIVE = Real(0.0, low_open=True)
NON_NEGATIVE = Real(0.0)
UNIT = Real(0.0, 1.0, high_open=True)  # a decay rate: 0 <= rate < 1


@dataclass(frozen=True)
class Option:
    """A surface's option: its name (the keyword of `surfaces.get` and the link's key), symbol,
    label, the values the mathematics allows, and the positions an app's slider offers."""

    name: str
    symbol: str
    label: str
    allowed: Real
    grid: tuple[float, ...]
    meaning: str = ""

    @property
    def title(self) -> str:
        return f"{self.label} {self.symbol}"

    def check(self, value: object) -> float:
        return self.allowed.check(self.name, value)
