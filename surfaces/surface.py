"""What a surface is: a formula with its gradient, where to look at it and where its minima are."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from surfaces.ranges import finite_number

ValueGrad = Callable[[float, float, object], tuple[float, float, float]]


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface.

    `function(x, y, params)` returns (f, df/dx, df/dy). `minima` lists every global minimum (some
    surfaces have several), all of value `min_value`. `domain` is ((x_min, x_max), (y_min, y_max)),
    the region plotted and explored. `spread` is the default spread of the per-example terms of the
    surface's finite-sum form (see `surfaces.finite_sum`), in gradient units.
    """

    name: str
    title: str
    function: ValueGrad
    domain: tuple[tuple[float, float], tuple[float, float]]
    minima: tuple[tuple[float, float], ...]
    min_value: float
    start: tuple[float, float]
    latex: str
    tags: tuple[str, ...]
    group: str
    description: str = ""
    params: tuple[float, ...] = ()
    log_color: bool = False
    spread: float = 1.0
    # A surface with options (e.g. the bowl's condition number) is rebuilt by its factory.
    options: Mapping[str, float] = field(default_factory=dict)
    factory: Callable[..., Surface] | None = field(default=None, repr=False, compare=False)
    # A data-fitting surface carries its training set: (inputs, targets).
    data: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)
    # A typed formula carries its canonical text (with domain and minima it rebuilds the surface)
    # and the LaTeX of its exact gradient.
    formula: str = ""
    gradient_latex: tuple[str, str] = ()

    def __call__(self, x: float, y: float) -> float:
        return self.function(float(x), float(y), self.param_array)[0]

    def gradient(self, x: float, y: float) -> tuple[float, float]:
        _, gx, gy = self.function(float(x), float(y), self.param_array)
        return gx, gy

    @property
    def identity(self) -> tuple:
        """Everything that decides what this surface computes and where it is drawn, as a hashable
        value: the key for every cache of things made from a surface. The name and options alone are
        not enough: every typed formula is named "custom" and has no options."""
        return (
            self.name,
            self.formula,
            self.params,
            self.domain,
            self.minima,
            self.min_value,
            self.log_color,
            tuple(sorted(self.options.items())),
        )

    @cached_property
    def box(self) -> np.ndarray:
        """`bounds` as the engine reads them: [x_min, x_max, y_min, y_max]."""
        (x0, x1), (y0, y1) = self.bounds
        return np.array([x0, x1, y0, y1])

    @cached_property
    def param_array(self) -> np.ndarray:
        # Never empty: Numba needs one array type for every surface. Made once: the engine reads it
        # on every run (writeable, since Numba compiles read-only arrays as another type).
        return np.array(self.params or (0.0,), dtype=np.float64)

    @cached_property
    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """A generous box around the domain; an iterate that leaves it has diverged."""
        (x0, x1), (y0, y1) = self.domain
        mx = 100.0 * (x1 - x0)
        my = 100.0 * (y1 - y0)
        return (x0 - mx, x1 + mx), (y0 - my, y1 + my)

    def with_options(self, **options: float) -> Surface:
        """The same surface with other option values, e.g. `bowl.with_options(kappa=100)`."""
        if not options:
            return self
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise ValueError(f"surface {self.name!r} has no option {unknown[0]!r} (options: {known})")
        for key, value in options.items():
            finite_number(f"surface option {key}", value)
        assert self.factory is not None
        return self.factory(**{**self.options, **options})

    def distance_to_minimum(self, xy: np.ndarray) -> np.ndarray:
        """Euclidean distance from each point (rows of xy) to the nearest global minimum."""
        points = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        minima = np.asarray(self.minima, dtype=np.float64)
        d = np.sqrt(((points[:, None, :] - minima[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        return d.reshape(np.shape(xy)[:-1])


@dataclass(frozen=True)
class SurfaceKey:
    """A hashable handle on a surface for caches (Surface itself holds a dict): equal exactly when
    the surfaces compute the same thing (`Surface.identity`)."""

    identity: tuple
    surface: Surface = field(compare=False, hash=False, repr=False)

    @staticmethod
    def of(surface: Surface) -> SurfaceKey:
        return SurfaceKey(surface.identity, surface)
