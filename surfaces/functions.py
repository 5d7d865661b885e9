"""The surfaces' mathematics: one function per surface returning (f, df/dx, df/dy) at one point.

Plain Python on floats (the `math` module only), so each formula reads as written in a paper and can
be checked without Numba; the engine compiles and inlines them. `p` holds a surface's parameters
(a float64 array; unused by most surfaces).
"""

from __future__ import annotations

import math


def long_valley(x, y, p):
    """A long ravine: the floor slopes gently along x, the walls are steep in y.

    f = s (sqrt(1 + x^2) - 1) + c y^2 with s = p[0], c = p[1]. Far from the minimum the floor has
    the constant slope s, so plain gradient descent crawls along it at speed eta s while bouncing
    between the walls; momentum accumulates speed eta s / (1 - gamma) along the floor.
    """
    s = p[0]
    c = p[1]
    r = math.sqrt(1.0 + x * x)
    return s * (r - 1.0) + c * y * y, s * x / r, 2.0 * c * y


def beale(x, y, p):
    """Beale (1958): (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2."""
    y2 = y * y
    y3 = y2 * y
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y2
    c = 2.625 - x + x * y3
    f = a * a + b * b + c * c
    gx = 2.0 * (a * (y - 1.0) + b * (y2 - 1.0) + c * (y3 - 1.0))
    gy = 2.0 * x * (a + 2.0 * b * y + 3.0 * c * y2)
    return f, gx, gy


def saddle(x, y, p):
    """A saddle at the origin with two minima: x^2 - y^2 + y^4 / 2.

    Near the origin it is the textbook saddle x^2 - y^2; the quartic term bounds it below so that
    an optimizer that escapes the saddle settles in one of the minima (0, +-1), f = -1/2.
    """
    y2 = y * y
    return x * x - y2 + 0.5 * y2 * y2, 2.0 * x, 2.0 * y * (y2 - 1.0)


def rosenbrock(x, y, p):
    """Rosenbrock (1960): (1 - x)^2 + 100 (y - x^2)^2."""
    t = y - x * x
    return (1.0 - x) ** 2 + 100.0 * t * t, -2.0 * (1.0 - x) - 400.0 * x * t, 200.0 * t


def himmelblau(x, y, p):
    """Himmelblau (1972): (x^2 + y - 11)^2 + (x + y^2 - 7)^2."""
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b, 4.0 * a * x + 2.0 * b, 2.0 * a + 4.0 * b * y


def booth(x, y, p):
    """Booth: (x + 2y - 7)^2 + (2x + y - 5)^2."""
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return a * a + b * b, 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


def rastrigin(x, y, p):
    """Rastrigin (2-D): 20 + sum(x_i^2 - 10 cos(2 pi x_i))."""
    w = 2.0 * math.pi
    f = 20.0 + x * x - 10.0 * math.cos(w * x) + y * y - 10.0 * math.cos(w * y)
    return f, 2.0 * x + 10.0 * w * math.sin(w * x), 2.0 * y + 10.0 * w * math.sin(w * y)


def ackley(x, y, p):
    """Ackley: -20 exp(-0.2 sqrt((x^2 + y^2) / 2)) - exp((cos 2 pi x + cos 2 pi y) / 2) + e + 20.

    The first term is a cone at the origin with no gradient there; we use 0, the value that makes
    the origin a stationary point (it is the minimum of every one-sided slope).
    """
    w = 2.0 * math.pi
    r = math.sqrt(0.5 * (x * x + y * y))
    e1 = math.exp(-0.2 * r)
    e2 = math.exp(0.5 * (math.cos(w * x) + math.cos(w * y)))
    f = -20.0 * e1 - e2 + math.e + 20.0
    k = 2.0 * e1 / r if r > 0.0 else 0.0
    gx = k * x + e2 * 0.5 * w * math.sin(w * x)
    gy = k * y + e2 * 0.5 * w * math.sin(w * y)
    return f, gx, gy


def goldstein_price(x, y, p):
    """Goldstein-Price (1971): [1 + (x+y+1)^2 A][30 + (2x-3y)^2 B] with
    A = 19 - 14x + 3x^2 - 14y + 6xy + 3y^2 and B = 18 - 32x + 12x^2 + 48y - 36xy + 27y^2."""
    s = x + y + 1.0
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    d = 2.0 * x - 3.0 * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    u = 1.0 + s * s * a
    v = 30.0 + d * d * b
    ux = 2.0 * s * a + s * s * (-14.0 + 6.0 * x + 6.0 * y)
    uy = 2.0 * s * a + s * s * (-14.0 + 6.0 * x + 6.0 * y)
    vx = 4.0 * d * b + d * d * (-32.0 + 24.0 * x - 36.0 * y)
    vy = -6.0 * d * b + d * d * (48.0 - 36.0 * x + 54.0 * y)
    return u * v, ux * v + u * vx, uy * v + u * vy


def six_hump_camel(x, y, p):
    """Six-hump camel: (4 - 2.1 x^2 + x^4 / 3) x^2 + xy + (-4 + 4 y^2) y^2."""
    x2 = x * x
    y2 = y * y
    f = (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2
    gx = 8.0 * x - 8.4 * x2 * x + 2.0 * x2 * x2 * x + y
    gy = x - 8.0 * y + 16.0 * y2 * y
    return f, gx, gy


def styblinski_tang(x, y, p):
    """Styblinski-Tang (2-D): sum(x_i^4 - 16 x_i^2 + 5 x_i) / 2."""
    f = 0.5 * (x**4 - 16.0 * x * x + 5.0 * x + y**4 - 16.0 * y * y + 5.0 * y)
    return f, 2.0 * x**3 - 16.0 * x + 2.5, 2.0 * y**3 - 16.0 * y + 2.5


def bowl(x, y, p):
    """An ill-conditioned quadratic bowl: (u^2 + kappa v^2) / 2, (u, v) the axes turned by theta.

    kappa = p[0] is the condition number (ratio of the largest to the smallest curvature);
    p[1], p[2] = cos(theta), sin(theta).
    """
    kappa = p[0]
    c = p[1]
    s = p[2]
    u = c * x + s * y
    v = -s * x + c * y
    return 0.5 * (u * u + kappa * v * v), c * u - s * kappa * v, s * u + c * kappa * v


def line_fit(x, y, p):
    """Least-squares line fit: the mean over examples of (w0 + w1 t_n - y_n)^2 / 2 at (w0, w1) = (x, y).

    Written with the data set's moments p = (mean t, mean t^2, mean y, mean t y, mean y^2), so the
    surface costs the same to evaluate whatever the number of examples.
    """
    mt = p[0]
    mtt = p[1]
    my = p[2]
    mty = p[3]
    myy = p[4]
    f = 0.5 * (x * x + 2.0 * x * y * mt + y * y * mtt - 2.0 * x * my - 2.0 * y * mty + myy)
    return f, x + y * mt - my, x * mt + y * mtt - mty
