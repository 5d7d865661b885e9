"""Analytic 2-D loss surfaces: the lecture's three comparisons and the standard test functions.

>>> import surfaces
>>> beale = surfaces.get("beale")
>>> beale(3.0, 0.5)
0.0
"""

from __future__ import annotations

from surfaces.catalog import OPTIONS, SURFACES
from surfaces.finite_sum import Examples, examples
from surfaces.formula import from_formula
from surfaces.surface import Surface

__all__ = ["OPTIONS", "SURFACES", "Examples", "Surface", "examples", "from_formula", "get"]


def get(surface: str | Surface, **options: float) -> Surface:
    """The surface called `surface` (or the Surface itself), with any options applied."""
    if isinstance(surface, Surface):
        return surface.with_options(**options)
    if not isinstance(surface, str) or surface not in SURFACES:
        known = ", ".join(SURFACES)
        raise ValueError(f"unknown surface {surface!r}; known surfaces: {known}")
    return SURFACES[surface].with_options(**options)
