"""The kinds of value a setting can take, each checked in one place.

Every kind has `check(name, value)` for a value given as a Python object (an API argument, a JSON
field, a widget's value: returns it, or raises ValueError naming `name` and what is allowed),
`parse(text)` for the same value written as text (a link's query string: raises ValueError saying
what is wrong with the text) and `text(value)` for writing it (what `parse` reads back exactly).
The API, the link parser, the JSON import and the command line all check through these.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from surfaces.ranges import Real, number_text, shortened

__all__ = ["BatchSize", "Choice", "Domain", "Flag", "Points", "Real", "Text", "Whole", "number_text", "show"]

Box = tuple[tuple[float, float], tuple[float, float]]


def show(text: str, limit: int = 40) -> str:
    """Text quoted for a message, cut short: a message never echoes a long value in full."""
    return repr(shortened(text, limit))


def _problem_free(problem: str | None) -> None:
    if problem:
        raise ValueError(problem)


@dataclass(frozen=True)
class Whole:
    """A whole number in [low, high]."""

    low: int
    high: int

    def problem(self, value: float) -> str | None:
        if not math.isfinite(value) or value != int(value):
            return f"{value:g} is not a whole number"
        if not self.low <= value <= self.high:
            return f"{value:g} is outside the allowed range {self.describe()}"
        return None

    def describe(self) -> str:
        return f"{self.low}..{self.high}"

    def check(self, name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number in {self.describe()}, got {value!r}")
        if not self.low <= value <= self.high:
            raise ValueError(f"{name} must be in {self.describe()}, got {value}")
        return value

    def parse(self, text: str) -> int:
        # Digits only: no floats, no exponents, no 10,000-digit numbers.
        if not re.fullmatch(r"[+-]?\d{1,12}", text.strip()):
            raise ValueError(f"{show(text)} is not a whole number in {self.describe()}")
        value = int(text)
        _problem_free(self.problem(value))
        return value

    def text(self, value: int) -> str:
        return str(value)


@dataclass(frozen=True)
class Choice:
    """One of a few names."""

    values: tuple[str, ...]
    what: str = "value"

    def check(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or value not in self.values:
            raise ValueError(f"unknown {self.what} {value!r} for {name} (known: {', '.join(self.values)})")
        return value

    def parse(self, text: str) -> str:
        if text not in self.values:
            raise ValueError(f"unknown {self.what} {show(text)} (known: {', '.join(self.values)})")
        return text

    def text(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Flag:
    """On or off."""

    def check(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        return value

    def parse(self, text: str) -> bool:
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{show(text)} is not 0 or 1")

    def text(self, value: bool) -> str:
        return "1" if value else "0"


@dataclass(frozen=True)
class BatchSize:
    """'full' (the exact gradient) or a number of examples per update."""

    sizes: Whole

    def check(self, name: str, value: Any) -> int | str:
        return "full" if value == "full" else self.sizes.check(name, value)

    def parse(self, text: str) -> int | str:
        return "full" if text == "full" else self.sizes.parse(text)

    def text(self, value: int | str) -> str:
        return str(value)


@dataclass(frozen=True)
class Text:
    """Plain text of bounded length (what it means is for its reader to check)."""

    limit: int

    def check(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"{name} must be text, got {type(value).__name__}")
        return self.parse(value)

    def parse(self, text: str) -> str:
        if len(text) > self.limit:
            raise ValueError(f"{len(text)} characters, at most {self.limit}")
        return text

    def text(self, value: str) -> str:
        return value


def _pair(name: str, value: Any, coordinate: Real) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"{name} must be a pair of numbers, got {value!r:.60}")
    return coordinate.check(name, value[0]), coordinate.check(name, value[1])


@dataclass(frozen=True)
class Domain:
    """A rectangle "x0,x1,y0,y1" with x0 < x1 and y0 < y1, every value within `coordinate`."""

    coordinate: Real

    def problem(self, box: Box) -> str | None:
        for name, (low, high) in zip("xy", box, strict=True):
            for value in (low, high):
                p = self.coordinate.problem(value)
                if p:
                    return f"{name}: {p}"
            if not low < high:
                return f"{name} min {low:g} must be below {name} max {high:g}"
        return None

    def check(self, name: str, value: Any) -> Box:
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError(f"{name} must be [[x0, x1], [y0, y1]], got {value!r:.60}")
        box = (_pair(name, value[0], self.coordinate), _pair(name, value[1], self.coordinate))
        problem = self.problem(box)
        if problem:
            raise ValueError(f"{name}: {problem}")
        return box

    def parse(self, text: str) -> Box:
        parts = text.split(",")
        if len(text) > 200 or len(parts) != 4:
            raise ValueError(f"{show(text)} is not x0,x1,y0,y1")
        x0, x1, y0, y1 = (self.coordinate.parse(part.strip()) for part in parts)
        box = ((x0, x1), (y0, y1))
        _problem_free(self.problem(box))
        return box

    def text(self, box: Box) -> str:
        return ",".join(number_text(v) for pair in box for v in pair)


@dataclass(frozen=True)
class Points:
    """Up to `most` points "x, y; x, y" (spaces optional), every coordinate within `coordinate`."""

    coordinate: Real
    most: int = 20

    def check(self, name: str, value: Any) -> tuple[tuple[float, float], ...]:
        if not isinstance(value, list | tuple) or not 1 <= len(value) <= self.most:
            raise ValueError(f"{name} must be a list of 1 to {self.most} points [x, y], got {value!r:.60}")
        return tuple(_pair(name, p, self.coordinate) for p in value)

    def parse(self, text: str) -> tuple[tuple[float, float], ...]:
        if len(text) > 40 * self.most:
            raise ValueError(f"{show(text)} is too long for {self.most} points")
        items = [item for item in text.split(";") if item.strip()]
        if not items:
            raise ValueError("no points given (write them as x, y; x, y)")
        if len(items) > self.most:
            raise ValueError(f"{len(items)} points, at most {self.most}")
        points = []
        for item in items:
            parts = item.split(",")
            if len(parts) != 2:
                raise ValueError(f"{show(item.strip())} is not a point x, y")
            x, y = (self.coordinate.parse(part.strip()) for part in parts)
            points.append((x, y))
        return tuple(points)

    def text(self, points: tuple[tuple[float, float], ...]) -> str:
        return ";".join(f"{number_text(x)},{number_text(y)}" for x, y in points)
