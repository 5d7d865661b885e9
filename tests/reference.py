"""Reference optimizers in plain Python, transcribed from the lecture (floats, lists and `math` only).

Each update rule is one short function in the lecture's notation: g is the gradient, eta the
learning rate, everything per coordinate i. A rule reads and writes its state (m, G, U, t) and
returns the new iterate. `root(X)` is the denominator sqrt(X + eps) of the lecture ("inside") or
sqrt(X) + eps as PyTorch writes it ("outside").

These functions are deliberately independent of `optviz.engine.rules` and `optviz.engine.kernels`:
they are what the engine is tested against. The PyTorch rules at the end follow torch.optim's own bookkeeping
(SGD's momentum buffer, Adam's step size lr / (1 - beta1^t)) so that the equivalences between the
lecture's forms and the libraries' can be checked too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from surfaces import Surface

Vec = list[float]  # one value per coordinate: [x, y]
Terms = Sequence[float]  # one update's batch means (dxx, dxy, dyy, ax, ay), see surfaces.finite_sum


@dataclass(frozen=True)
class Hyper:
    """The hyperparameters, named as in the lecture (lr is eta, weight_decay is lambda)."""

    lr: float = 0.0
    gamma: float = 0.0
    beta1: float = 0.0
    beta2: float = 0.0
    eps: float = 0.0
    weight_decay: float = 0.0
    eps_placement: str = "inside"

    def root(self, X: float) -> float:
        """The lecture's sqrt(X + eps), or PyTorch's sqrt(X) + eps."""
        if self.eps_placement == "inside":
            return math.sqrt(X + self.eps)
        return math.sqrt(X) + self.eps

    def over_root(self, a: float, X: float) -> float:
        """a / root(X), taken as 0 when the root is 0: with eps = 0 a coordinate whose gradient has
        always been 0 has X = 0 and a = 0, and stays put rather than taking 0 / 0."""
        r = self.root(X)
        return a / r if r > 0.0 else 0.0


@dataclass
class State:
    """m: momentum / first moment, G: squared-gradient accumulator, U: Adadelta's or AMSGrad's
    second accumulator, t: the number of updates so far (Adam's bias correction uses t = 1, 2, ...)."""

    m: Vec = field(default_factory=lambda: [0.0, 0.0])
    G: Vec = field(default_factory=lambda: [0.0, 0.0])
    U: Vec = field(default_factory=lambda: [0.0, 0.0])
    t: int = 0


Rule = Callable[[Vec, Vec, State, Hyper], Vec]

# ---------------------------------------------------------------------------------------------
# The lecture's rules


def gd(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """w <- w - eta g (batch, stochastic and mini-batch GD differ only in which g they are given)."""
    return [w[i] - h.lr * g[i] for i in range(2)]


def momentum(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """m <- gamma m + eta g;  w <- w - m."""
    for i in range(2):
        s.m[i] = h.gamma * s.m[i] + h.lr * g[i]
    return [w[i] - s.m[i] for i in range(2)]


def adagrad(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """G <- G + g^2;  w <- w - eta / sqrt(G + eps) g."""
    for i in range(2):
        s.G[i] = s.G[i] + g[i] ** 2
    return [w[i] - h.over_root(h.lr, s.G[i]) * g[i] for i in range(2)]


def rmsprop(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """G <- gamma G + (1 - gamma) g^2;  w <- w - eta / sqrt(G + eps) g."""
    for i in range(2):
        s.G[i] = h.gamma * s.G[i] + (1 - h.gamma) * g[i] ** 2
    return [w[i] - h.over_root(h.lr, s.G[i]) * g[i] for i in range(2)]


def _adam_moments(g: Vec, s: State, h: Hyper) -> tuple[Vec, Vec]:
    """m <- beta1 m + (1 - beta1) g;  G <- beta2 G + (1 - beta2) g^2;  returns m_hat, G_hat."""
    s.t += 1
    for i in range(2):
        s.m[i] = h.beta1 * s.m[i] + (1 - h.beta1) * g[i]
        s.G[i] = h.beta2 * s.G[i] + (1 - h.beta2) * g[i] ** 2
    m_hat = [s.m[i] / (1 - h.beta1**s.t) for i in range(2)]
    G_hat = [s.G[i] / (1 - h.beta2**s.t) for i in range(2)]
    return m_hat, G_hat


def adam(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """w <- w - eta / sqrt(G_hat + eps) m_hat."""
    m_hat, G_hat = _adam_moments(g, s, h)
    return [w[i] - h.over_root(h.lr, G_hat[i]) * m_hat[i] for i in range(2)]


# ---------------------------------------------------------------------------------------------
# Relatives of the lecture's rules


def nesterov(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """Momentum's update; `reference_run` evaluates g at the look-ahead point w - gamma m."""
    return momentum(w, g, s, h)


def adadelta(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """G <- gamma G + (1 - gamma) g^2;  delta = sqrt(U + eps) / sqrt(G + eps) g;
    U <- gamma U + (1 - gamma) delta^2;  w <- w - eta delta."""
    new = []
    for i in range(2):
        s.G[i] = h.gamma * s.G[i] + (1 - h.gamma) * g[i] ** 2
        delta = h.over_root(h.root(s.U[i]), s.G[i]) * g[i]
        s.U[i] = h.gamma * s.U[i] + (1 - h.gamma) * delta**2
        new.append(w[i] - h.lr * delta)
    return new


def amsgrad(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """Adam with U <- max(U, G) and G_hat = U / (1 - beta2^t)."""
    m_hat, _ = _adam_moments(g, s, h)
    new = []
    for i in range(2):
        s.U[i] = max(s.U[i], s.G[i])
        U_hat = s.U[i] / (1 - h.beta2**s.t)
        new.append(w[i] - h.over_root(h.lr, U_hat) * m_hat[i])
    return new


def nadam(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """w <- w - eta / sqrt(G_hat + eps) (beta1 m_hat + (1 - beta1) g / (1 - beta1^t))."""
    m_hat, G_hat = _adam_moments(g, s, h)
    c1 = 1 - h.beta1**s.t
    return [
        w[i] - h.over_root(h.lr, G_hat[i]) * (h.beta1 * m_hat[i] + (1 - h.beta1) * g[i] / c1)
        for i in range(2)
    ]


def adamw(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """w <- w - eta (m_hat / sqrt(G_hat + eps) + lambda w), with the w from before the update."""
    m_hat, G_hat = _adam_moments(g, s, h)
    return [w[i] - h.lr * (h.over_root(m_hat[i], G_hat[i]) + h.weight_decay * w[i]) for i in range(2)]


def sign(x: float) -> float:
    """sign(0) = 0, as in the Lion paper's pseudo-code (and numpy/torch)."""
    return 0.0 if x == 0 else math.copysign(1.0, x)


def lion(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """c = beta1 m + (1 - beta1) g;  w <- w - eta (sign(c) + lambda w);  m <- beta2 m + (1 - beta2) g."""
    new = []
    for i in range(2):
        c = h.beta1 * s.m[i] + (1 - h.beta1) * g[i]
        new.append(w[i] - h.lr * (sign(c) + h.weight_decay * w[i]))
        s.m[i] = h.beta2 * s.m[i] + (1 - h.beta2) * g[i]
    return new


# ---------------------------------------------------------------------------------------------
# PyTorch's forms (torch.optim, eps outside the root whatever Hyper.eps_placement says)


def torch_sgd_momentum(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """torch.optim.SGD(momentum=gamma, dampening=0): b <- gamma b + g;  w <- w - lr b (b is s.m)."""
    for i in range(2):
        s.m[i] = h.gamma * s.m[i] + g[i]
    return [w[i] - h.lr * s.m[i] for i in range(2)]


def torch_adagrad(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """torch.optim.Adagrad (lr_decay=0, initial_accumulator_value=0):
    sum <- sum + g^2;  w <- w - lr g / (sqrt(sum) + eps)."""
    for i in range(2):
        s.G[i] += g[i] * g[i]
    return [w[i] - h.lr * g[i] / (math.sqrt(s.G[i]) + h.eps) for i in range(2)]


def torch_rmsprop(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """torch.optim.RMSprop(alpha=gamma, centered=False, momentum=0):
    v <- alpha v + (1 - alpha) g^2;  w <- w - lr g / (sqrt(v) + eps)."""
    for i in range(2):
        s.G[i] = h.gamma * s.G[i] + (1 - h.gamma) * g[i] * g[i]
    return [w[i] - h.lr * g[i] / (math.sqrt(s.G[i]) + h.eps) for i in range(2)]


def torch_adam(w: Vec, g: Vec, s: State, h: Hyper) -> Vec:
    """torch.optim.Adam: step_size = lr / (1 - beta1^t);
    denom = sqrt(v) / sqrt(1 - beta2^t) + eps;  w <- w - step_size m / denom."""
    s.t += 1
    bc1 = 1 - h.beta1**s.t
    bc2 = 1 - h.beta2**s.t
    new = []
    for i in range(2):
        s.m[i] = h.beta1 * s.m[i] + (1 - h.beta1) * g[i]
        s.G[i] = h.beta2 * s.G[i] + (1 - h.beta2) * g[i] * g[i]
        denom = math.sqrt(s.G[i]) / math.sqrt(bc2) + h.eps
        new.append(w[i] - h.lr / bc1 * s.m[i] / denom)
    return new


RULES: dict[str, Rule] = {
    "batch_gd": gd,
    "sgd": gd,
    "minibatch_gd": gd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adadelta": adadelta,
    "adam": adam,
    "amsgrad": amsgrad,
    "nadam": nadam,
    "adamw": adamw,
    "lion": lion,
    "torch_sgd_momentum": torch_sgd_momentum,
    "torch_adagrad": torch_adagrad,
    "torch_rmsprop": torch_rmsprop,
    "torch_adam": torch_adam,
}

# ---------------------------------------------------------------------------------------------
# Driving a rule on a surface


@dataclass(frozen=True)
class ReferenceRun:
    """iterates[k] is w after k updates (the start is iterates[0]); when the run diverged at update
    k, `diverged_at` is k and the list stops at the last good iterate (k entries)."""

    iterates: list[tuple[float, float]]
    diverged_at: int | None


def batch_gradient(surface: Surface, x: float, y: float, terms: Terms | None) -> Vec:
    """The exact gradient, or a batch's: grad f(w) + mean(D) w + mean(a) (surfaces.finite_sum)."""
    gx, gy = surface.gradient(x, y)
    if terms is None:
        return [gx, gy]
    dxx, dxy, dyy, ax, ay = terms
    return [gx + dxx * x + dxy * y + ax, gy + dxy * x + dyy * y + ay]


def _inside(surface: Surface, w: Vec) -> bool:
    """Finite and within the surface's bounds (NaN fails every comparison)."""
    (x0, x1), (y0, y1) = surface.bounds
    return x0 <= w[0] <= x1 and y0 <= w[1] <= y1


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def ends_run(surface: Surface, w: Vec, at: Vec) -> bool:
    """Whether a new iterate w ends the run: it is not finite or leaves `surface.bounds`, or the loss
    at w or the exact gradient at `at` (where the next gradient is taken) is not finite. The
    surface is only evaluated inside the bounds."""
    return not _inside(surface, w) or not _finite(surface(w[0], w[1]), *surface.gradient(at[0], at[1]))


def reference_run(
    name: str,
    surface: Surface,
    start: tuple[float, float],
    steps: int,
    terms: Sequence[Terms] | None = None,
    **hyper: float | str,
) -> ReferenceRun:
    """`steps` updates of the rule `name` from `start` (hyperparameters by keyword, unused ones 0).

    `terms[k]` are the batch means for the gradient at iterate k (None: the exact gradient). The run
    stops as diverged at update k when w^k is not finite or leaves `surface.bounds`, or when the loss
    or gradient at w^k is not finite.
    """
    h = Hyper(**hyper)  # type: ignore[arg-type]
    rule = RULES[name]
    s = State()
    w = [float(start[0]), float(start[1])]
    iterates = [(w[0], w[1])]
    for k in range(steps):
        # Nesterov (Sutskever et al. 2013) takes the gradient where momentum is about to carry w.
        at = [w[i] - h.gamma * s.m[i] for i in range(2)] if name == "nesterov" else w
        g = batch_gradient(surface, at[0], at[1], None if terms is None else terms[k])
        w = rule(w, g, s, h)
        at = [w[i] - h.gamma * s.m[i] for i in range(2)] if name == "nesterov" else w
        # The batch terms are finite, so only the surface can make the next gradient non-finite.
        if ends_run(surface, w, at):
            return ReferenceRun(iterates, k + 1)
        iterates.append((w[0], w[1]))
    return ReferenceRun(iterates, None)
