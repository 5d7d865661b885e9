"""The registry of built-in surfaces: each one's formula, domain, minima and teaching defaults.

Minima and minimum values are the published ones, polished to double precision where the published
figures are rounded; tests/test_surfaces.py checks every one numerically.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from surfaces import functions
from surfaces.ranges import POSITIVE, Option, Real
from surfaces.surface import Surface

# The options of the surfaces that have any, with the values the mathematics allows. A wall or a
# slope <= 0 would leave the valley without its minimum; a condition number below 1 is the same bowl
# turned by 90 degrees; theta repeats every 180 degrees.
OPTIONS: dict[str, Option] = {
    option.name: option
    for option in (
        Option("slope", "s", "floor slope", POSITIVE, (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)),
        Option(
            "wall",
            "c",
            "wall steepness",
            POSITIVE,
            (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 50.0, 65.0, 100.0, 200.0),
        ),
        Option(
            "kappa",
            "κ",
            "condition number",
            Real(1.0),
            (1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 200.0, 500.0, 1000.0),
        ),
        Option(
            "theta", "θ", "rotation in degrees", Real(-90.0, 90.0), tuple(float(t) for t in range(-90, 91, 5))
        ),
    )
}


def _checked(**options: float) -> None:
    for name, value in options.items():
        OPTIONS[name].check(value)


def long_valley(slope: float = 1.0, wall: float = 65.0) -> Surface:
    # The defaults are tuned to the optimizers' common default eta = 0.01 (see the description):
    # 1/(2c) < eta < 1/c makes gradient descent overshoot the valley's axis at every step.
    _checked(slope=slope, wall=wall)
    return Surface(
        name="long_valley",
        title="Long valley",
        function=functions.long_valley,
        params=(slope, wall),
        options={"slope": slope, "wall": wall},
        factory=long_valley,
        domain=((-20.0, 4.0), (-3.0, 3.0)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-18.0, 2.0),
        latex=r"f(x, y) = s\left(\sqrt{1 + x^2} - 1\right) + c\,y^2",
        tags=("lecture", "convex", "ill-conditioned"),
        group="lecture",
        log_color=True,
        spread=1.0,
        description=(
            f"A narrow ravine between steep walls (c = {wall:g}) whose floor slopes gently down to the "
            f"minimum at the origin (s = {slope:g}). A gradient step multiplies y by 1 − 2cη: for "
            f"1/(2c) < η < 1/c (here {1 / (2 * wall):g} < η < {1 / wall:g}) gradient descent bounces "
            "from wall to wall, and above 1/c it diverges. Along the floor a step moves only about "
            "η·s, so plain descent crawls there; momentum builds up speed along it, towards "
            "η·s/(1 − γ) per step."
        ),
    )


def bowl(kappa: float = 25.0, theta: float = 0.0) -> Surface:
    _checked(kappa=kappa, theta=theta)
    rad = math.radians(theta)
    return Surface(
        name="bowl",
        title="Ill-conditioned bowl",
        function=functions.bowl,
        params=(kappa, math.cos(rad), math.sin(rad)),
        options={"kappa": kappa, "theta": theta},
        factory=bowl,
        domain=((-6.0, 6.0), (-4.0, 4.0)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-5.0, 2.0),
        latex=(
            r"f = \tfrac{1}{2}\left(u^2 + \kappa v^2\right),\ "
            r"\begin{pmatrix}u\\v\end{pmatrix} = R_\theta \begin{pmatrix}x\\y\end{pmatrix}"
        ),
        tags=("convex", "ill-conditioned", "quadratic"),
        group="standard",
        spread=2.0,
        description=(
            f"A quadratic bowl whose curvatures differ by the condition number κ = {kappa:g}, its axes "
            f"turned by θ = {theta:g} degrees. Gradient descent is stable for η < 2/κ = {2 / kappa:.3g}; the "
            "adaptive methods rescale each coordinate, which helps most when the bowl is aligned with "
            "the axes."
        ),
    )


def _line_fit_data(n: int = 50, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A fixed data set for the line fit: y = 1 + 2 t + noise, t in [-1, 3]."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1.0, 3.0, n)
    y = 1.0 + 2.0 * t + rng.normal(0.0, 0.75, n)
    return t, y


def line_fit() -> Surface:
    t, y = _line_fit_data()
    moments = (t.mean(), (t * t).mean(), y.mean(), (t * y).mean(), (y * y).mean())
    # The least-squares line and its loss in exact rational arithmetic (50 points: cheap), so the
    # recorded minimum is correctly rounded; the normal equations in float moments lose digits.
    T = [Fraction(v) for v in t.tolist()]
    Y = [Fraction(v) for v in y.tolist()]
    n = len(T)
    st, sy = sum(T), sum(Y)
    stt = sum(a * a for a in T)
    sty = sum(a * b for a, b in zip(T, Y, strict=True))
    w1 = (n * sty - st * sy) / (n * stt - st * st)
    w0 = (sy - w1 * st) / n
    f_min = float(sum((w0 + w1 * a - b) ** 2 for a, b in zip(T, Y, strict=True)) / (2 * n))
    w = (float(w0), float(w1))
    return Surface(
        name="line_fit",
        title="Line fit (least squares)",
        function=functions.line_fit,
        params=tuple(float(m) for m in moments),
        domain=((-3.0, 5.0), (-2.0, 5.0)),
        minima=(w,),
        min_value=f_min,
        start=(-2.0, -1.0),
        latex=r"E(w_0, w_1) = \frac{1}{N}\sum_{n=1}^{N} \tfrac{1}{2}\left(w_0 + w_1 t_n - y_n\right)^2",
        tags=("convex", "data", "quadratic"),
        group="data",
        data=(t, y),
        description=(
            "Fitting a line y = w0 + w1 t to 50 noisy points by least squares. Each training "
            "example's loss is one term of the sum, so SGD and mini-batch GD use real examples."
        ),
    )


_BUILT_IN: tuple[Surface, ...] = (
    long_valley(),
    Surface(
        name="beale",
        title="Beale's function",
        function=functions.beale,
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        minima=((3.0, 0.5),),
        min_value=0.0,
        start=(1.0, 1.4),
        latex=(r"f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2"),
        tags=("lecture", "non-convex", "flat regions"),
        group="lecture",
        log_color=True,
        spread=2.0,
        description=(
            "Beale's function: flat plateaus and steep, curved walls around the minimum at (3, 0.5), "
            "with values spanning several decades (the map's colours are logarithmic). A step "
            "proportional to the gradient is tiny on the plateaus and huge on the walls; methods that "
            "scale each coordinate's step cross the plateaus."
        ),
    ),
    Surface(
        name="saddle",
        title="Saddle point",
        function=functions.saddle,
        domain=((-2.0, 2.0), (-1.6, 1.6)),
        minima=((0.0, 1.0), (0.0, -1.0)),
        min_value=-0.5,
        start=(-1.8, 1e-3),
        latex=r"f(x, y) = x^2 - y^2 + \tfrac{1}{2} y^4",
        tags=("lecture", "saddle", "non-convex"),
        group="lecture",
        spread=0.5,
        description=(
            "A saddle point at the origin (x² − y² near it) between two minima at (0, ±1). The "
            "gradient vanishes at the saddle: a run started near the ridge y = 0 slows down as it "
            "comes close, and leaves only as fast as its small distance from the ridge grows."
        ),
    ),
    Surface(
        name="rosenbrock",
        title="Rosenbrock",
        function=functions.rosenbrock,
        domain=((-2.0, 2.0), (-1.0, 3.0)),
        minima=((1.0, 1.0),),
        min_value=0.0,
        start=(-1.5, 2.5),
        latex=r"f = (1 - x)^2 + 100\,(y - x^2)^2",
        tags=("non-convex", "ill-conditioned", "valley"),
        group="standard",
        log_color=True,
        spread=10.0,
        description=(
            "Rosenbrock's banana: a curved, flat-bottomed valley. Finding the valley is easy, "
            "following its bend to the minimum at (1, 1) is hard."
        ),
    ),
    Surface(
        name="himmelblau",
        title="Himmelblau",
        function=functions.himmelblau,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=(
            (3.0, 2.0),
            (-2.805118086952745, 3.131312518250573),
            (-3.779310253377747, -3.2831859912861696),
            (3.5844283403304917, -1.8481265269644036),
        ),
        min_value=0.0,
        start=(-0.3, -0.9),
        latex=r"f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        tags=("multimodal", "non-convex"),
        group="standard",
        log_color=True,
        spread=10.0,
        description=(
            "Four minima of equal depth: which basin an optimizer ends in depends on where it starts "
            "and on how far its momentum carries it."
        ),
    ),
    bowl(),
    Surface(
        name="booth",
        title="Booth",
        function=functions.booth,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        minima=((1.0, 3.0),),
        min_value=0.0,
        start=(-8.0, -7.0),
        latex=r"f = (x + 2y - 7)^2 + (2x + y - 5)^2",
        tags=("convex", "quadratic"),
        group="standard",
        spread=10.0,
        description="A gently elongated quadratic bowl with its minimum at (1, 3).",
    ),
    Surface(
        name="rastrigin",
        title="Rastrigin",
        function=functions.rastrigin,
        domain=((-5.12, 5.12), (-5.12, 5.12)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-4.2, 3.8),
        latex=r"f = 20 + \sum_{i} \left(x_i^2 - 10 \cos 2\pi x_i\right)",
        tags=("multimodal", "non-convex"),
        group="standard",
        spread=20.0,
        description=(
            "A bowl covered in a regular grid of local minima: gradient methods stop in the nearest "
            "dimple unless momentum or noise carries them over the ridges."
        ),
    ),
    Surface(
        name="ackley",
        title="Ackley",
        function=functions.ackley,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((0.0, 0.0),),
        min_value=0.0,
        start=(-3.3, 2.7),
        latex=(r"f = -20 e^{-0.2\sqrt{(x^2 + y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20"),
        tags=("multimodal", "non-convex"),
        group="standard",
        spread=2.0,
        description="A nearly flat outer region full of small local minima around one deep funnel.",
    ),
    Surface(
        name="goldstein_price",
        title="Goldstein-Price",
        function=functions.goldstein_price,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=((0.0, -1.0),),
        min_value=3.0,
        start=(-1.5, 1.5),
        latex=(
            r"f = \left[1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
            r"\left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"
        ),
        tags=("multimodal", "non-convex", "wide range"),
        group="standard",
        log_color=True,
        spread=100.0,
        description="Values spanning six decades over the square, with several local minima.",
    ),
    Surface(
        name="six_hump_camel",
        title="Six-hump camel",
        function=functions.six_hump_camel,
        domain=((-3.0, 3.0), (-2.0, 2.0)),
        minima=((0.08984201310031806, -0.7126564030207396), (-0.08984201310031806, 0.7126564030207396)),
        min_value=-1.0316284534898774,
        start=(-2.0, -1.5),
        latex=r"f = \left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + \left(-4 + 4y^2\right)y^2",
        tags=("multimodal", "non-convex"),
        group="standard",
        spread=5.0,
        description="Six local minima, two of them global, mirrored through the origin.",
    ),
    Surface(
        name="styblinski_tang",
        title="Styblinski-Tang",
        function=functions.styblinski_tang,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((-2.903534027771177, -2.903534027771177),),
        min_value=-78.33233140754282,
        start=(3.5, 4.5),
        latex=r"f = \tfrac{1}{2} \sum_{i} \left(x_i^4 - 16 x_i^2 + 5 x_i\right)",
        tags=("multimodal", "non-convex"),
        group="standard",
        spread=10.0,
        description="Four basins of different depth; only one holds the global minimum.",
    ),
    line_fit(),
)

SURFACES: dict[str, Surface] = {surface.name: surface for surface in _BUILT_IN}
