"""The public API: `run` one optimizer on one surface, `run_many` over many starts and settings.

Both validate every argument (a ValueError names the parameter and its allowed range), resolve the
per-optimizer defaults, and call the one Numba kernel in `optviz.engine.kernels`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numba
import numpy as np

import surfaces
from optviz.engine import kernels, rules
from optviz.engine.batches import batch_means
from optviz.engine.optimizers import Optimizer
from optviz.engine.optimizers import get as get_optimizer
from optviz.params import HYPERPARAMETERS
from surfaces import Surface, program
from surfaces.finite_sum import DEFAULT_EXAMPLES, examples
from surfaces.ranges import finite_number, whole_number

MAX_STEPS = 100_000  # one trajectory records every iterate: 100k steps is ~10 MB
MAX_LANE_STEPS = 10**11  # run_many: trajectories x steps
EPS_PLACEMENTS = ("inside", "outside")
_NO_NOISE = np.empty((0, 5))  # the batch terms of a full-batch run: none (never written to)
_NO_RECORD = (np.empty((0, 2)), np.empty(0), np.empty((0, 2)), np.empty((0, 2)))  # run_many's paths
PIECES_PER_THREAD = 8  # run_many's lanes go to the threads in about this many pieces each


@dataclass(frozen=True)
class Settings:
    """Everything that determines a run; `run(**settings.as_kwargs())` reproduces it exactly."""

    optimizer: str
    surface: str
    start: tuple[float, float]
    steps: int
    lr: float
    gamma: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    eps_placement: str
    batch_size: int | None  # None: the full batch (exact gradient)
    n_examples: int
    spread: float
    seed: int
    surface_options: dict[str, float] = field(default_factory=dict)
    # A typed formula surface: its text, domain and minima rebuild it (surfaces.from_formula).
    custom_surface: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_kwargs(self) -> dict[str, Any]:
        d = self.as_dict()
        d["batch_size"] = "full" if d["batch_size"] is None else d["batch_size"]
        options = d.pop("surface_options")
        custom = d.pop("custom_surface")
        if custom is not None:
            d["surface"] = surfaces.from_formula(**custom, name=d["surface"])
        else:
            d["surface"] = surfaces.get(d["surface"], **options)
        return d


@dataclass(frozen=True)
class Trajectory:
    """One run. Arrays are read-only; row k of xy/loss/grad is iterate k (the start is row 0).

    When the run diverged at update k (`diverged_at == k`), rows k and later repeat the last good
    iterate (with a zero gradient), so every array stays finite and full length.
    """

    settings: Settings
    xy: np.ndarray  # (steps + 1, 2)
    loss: np.ndarray  # (steps + 1,)
    grad: np.ndarray  # (steps + 1, 2): the gradient used by the next update (the batch's, if stochastic)
    rate: np.ndarray  # (steps, 2): each update's per-coordinate learning rate, e.g. eta / sqrt(G + eps)
    diverged_at: int | None
    min_value: float

    @property
    def steps(self) -> int:
        return self.settings.steps

    @property
    def path(self) -> np.ndarray:
        """The iterates up to the last good one."""
        return self.xy if self.diverged_at is None else self.xy[: self.diverged_at]

    def steps_to(self, tol: float) -> int | None:
        """The first iterate index whose loss is within tol of the minimum, or None."""
        hits = np.flatnonzero(self.loss - self.min_value <= tol)
        return int(hits[0]) if hits.size else None


@dataclass(frozen=True)
class Outcomes:
    """Final states of many runs (`run_many`); index i is run i."""

    final_xy: np.ndarray  # (n, 2)
    final_loss: np.ndarray  # (n,)
    reached_at: np.ndarray  # (n,) first iterate within tol of the minimum, -1 if never
    diverged_at: np.ndarray  # (n,) the update that diverged, -1 if none
    distance: np.ndarray  # (n,) from the final point to the nearest global minimum
    settings: dict[str, Any]  # the per-run values (arrays) and shared ones


_number = finite_number


_integer = whole_number


def _hyper_value(opt: Optimizer, name: str, value: Any) -> float:
    """A validated hyperparameter (`optviz.params`); a value the optimizer does not use is stored as 0."""
    if value is None:
        return float(opt.defaults.get(name, 0.0))
    v = HYPERPARAMETERS[name].check(value)
    return v if name in opt.defaults else 0.0


def _resolve_surface(surface: str | Surface) -> Surface:
    surf = surfaces.get(surface)
    if surf.function is not program.value_grad and surf.function not in kernels.SURFACE_FUNCTIONS:
        known = ", ".join(surfaces.SURFACES)
        raise ValueError(
            f"surface {surf.name!r} has no compiled form: use a built-in surface ({known}) "
            "or surfaces.from_formula(...)"
        )
    return surf


def _numbers(name: str, value: Any) -> np.ndarray:
    """A number or a 1-D array of numbers as float64, refusing text, booleans and non-finite values."""
    a = np.asarray(value)
    if a.dtype.kind not in "iuf" or a.ndim > 1:
        raise ValueError(f"{name} must be a number or a 1-D array of numbers, got {value!r:.80}")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite")
    return a


def _batch(opt: Optimizer, batch_size: Any, n: int) -> int | None:
    if batch_size is None:
        # The optimizer's own batch size, capped at the number of examples.
        batch_size = None if opt.batch_size is None else min(opt.batch_size, n)
    if batch_size is None or batch_size == "full":
        return None
    size = _integer("batch_size", batch_size, 1, n)
    return None if size == n else size  # a batch of all N examples is the exact gradient


def custom_surface_spec(surf: Surface) -> dict[str, Any] | None:
    """What rebuilds a typed-formula surface with `surfaces.from_formula` (None for built-ins)."""
    if not surf.formula:
        return None
    return {"text": surf.formula, "domain": surf.domain, "minima": surf.minima, "start": surf.start}


def _check_extra(extra: dict[str, Any]) -> None:
    if extra:
        name = sorted(extra)[0]
        allowed = ", ".join(HYPERPARAMETERS)
        raise ValueError(f"unknown parameter {name!r}; hyperparameters are {allowed}")


def _hyper_columns(values: dict[str, Any], eps_placement: str) -> tuple[Any, ...]:
    """Per-run hyperparameters (numbers, or arrays of n) in the kernel's order (`rules.HYPER_ROWS`)."""
    eps = values["eps"]
    eps_in, eps_out = (eps, 0.0) if eps_placement == "inside" else (0.0, eps)
    return (
        values["lr"],
        values["gamma"],
        values["beta1"],
        values["beta2"],
        eps_in,
        eps_out,
        values["weight_decay"],
    )


def _race_lanes(
    rule: int,
    surf: Surface,
    H: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    noise: np.ndarray,
    tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs every lane of `run_many` (x, y are stepped in place) on as many threads as Numba may
    use; returns the final losses, hit and divergence steps. The kernel releases the GIL; the
    lanes go out in pieces of whole blocks to whichever thread is free, so a piece whose lanes end
    early does not leave a thread idle."""
    sid, p, box = _kernel_inputs(surf)
    fmin = surf.min_value
    n = x.size
    loss = np.empty(n)
    hit = np.empty(n, dtype=np.int64)
    div = np.empty(n, dtype=np.int64)

    def run_piece(lo: int, hi: int) -> None:
        kernels.race(
            rule, sid, p, H[lo:hi], x[lo:hi], y[lo:hi], steps, noise, box, fmin, tol,
            hit[lo:hi], div[lo:hi], loss[lo:hi], *_NO_RECORD,
        )  # fmt: skip

    threads = min(numba.get_num_threads(), -(-n // rules.BLOCK))
    if threads <= 1:
        run_piece(0, n)
        return loss, hit, div
    piece = rules.BLOCK * -(-n // (rules.BLOCK * threads * PIECES_PER_THREAD))
    with ThreadPoolExecutor(threads) as pool:
        # list() waits for every piece and raises the first error any of them raised.
        list(pool.map(lambda lo: run_piece(lo, min(n, lo + piece)), range(0, n, piece)))
    return loss, hit, div


# Each surface function's id in the kernel; a typed formula's params are its program.
_SURFACE_IDS = {fn: i for i, fn in enumerate(kernels.SURFACE_FUNCTIONS)}
_SURFACE_IDS[program.value_grad] = kernels.CUSTOM


def _kernel_inputs(surf: Surface) -> tuple[int, np.ndarray, np.ndarray]:
    """The surface's id in the kernel, its parameters and its divergence box."""
    return _SURFACE_IDS[surf.function], surf.param_array, surf.box


def _batches(
    opt: Optimizer, surf: Surface, batch_size: Any, n_examples: Any, spread: Any, seed: int, steps: int
) -> tuple[np.ndarray, int | None, int, float]:
    """Each update's batch terms (empty for the full batch), the batch size (None: full), and the
    number and spread of the training examples used."""
    if n_examples is not None:
        n_examples = _integer("n_examples", n_examples, 1, 100_000)
    if spread is not None:
        spread = _number("spread", spread)
        if spread < 0:
            raise ValueError(f"spread must be >= 0, got {spread}")
    if surf.data is None:
        # The examples are drawn only when a batch needs them (a full batch is the exact gradient).
        n = DEFAULT_EXAMPLES if n_examples is None else n_examples
        ex = None
    else:
        ex = examples(surf, n_examples, spread, seed)  # its own data set: nothing random to draw
        n = ex.n
    size = _batch(opt, batch_size, n)
    if size is None:
        noise = _NO_NOISE
    else:
        ex = examples(surf, n_examples, spread, seed) if ex is None else ex
        noise = batch_means(ex, size, steps + 1, seed)
    return noise, size, n, surf.spread if spread is None else spread


def _start(surf: Surface, start: Any) -> tuple[float, float]:
    if start is None:
        return surf.start
    try:
        sx, sy = start
    except (TypeError, ValueError):
        raise ValueError(f"start must be a pair (x, y), got {start!r}") from None
    xy = (_number("start x", sx), _number("start y", sy))
    (x_lo, x_hi), (y_lo, y_hi) = surf.bounds
    if not (x_lo <= xy[0] <= x_hi and y_lo <= xy[1] <= y_hi):
        raise ValueError(
            f"start {xy} is far outside the surface's domain {surf.domain}: it must lie within "
            f"x in [{x_lo:g}, {x_hi:g}], y in [{y_lo:g}, {y_hi:g}]"
        )
    return xy


def run(
    optimizer: str,
    surface: str | Surface,
    start: tuple[float, float] | None = None,
    steps: int = 200,
    *,
    lr: float | None = None,
    gamma: float | None = None,
    beta1: float | None = None,
    beta2: float | None = None,
    eps: float | None = None,
    weight_decay: float | None = None,
    eps_placement: str = "inside",
    batch_size: int | str | None = None,
    n_examples: int | None = None,
    spread: float | None = None,
    seed: int = 0,
    **extra: Any,
) -> Trajectory:
    """Run `optimizer` on `surface` from `start` for `steps` updates, recording every iterate.

    Hyperparameters left as None take the optimizer's defaults (`optviz.OPTIMIZERS[name].defaults`);
    those it does not use are ignored. `eps_placement` is "inside" the square root (the lecture's
    form) or "outside" (PyTorch's). `batch_size` is the number of examples per update: None takes
    the optimizer's own (full batch for batch GD, 1 for SGD, 10 for mini-batch GD), "full" or N is
    the exact gradient; `n_examples`, `spread` and `seed` set the surface's training examples.
    """
    _check_extra(extra)
    opt = get_optimizer(optimizer)
    surf = _resolve_surface(surface)
    steps = _integer("steps", steps, 1, MAX_STEPS)
    start_xy = _start(surf, start)
    if eps_placement not in EPS_PLACEMENTS:
        raise ValueError(f"eps_placement must be 'inside' or 'outside', got {eps_placement!r}")
    seed = _integer("seed", seed, 0, 2**63 - 1)
    hyper = {
        name: _hyper_value(opt, name, value)
        for name, value in zip(HYPERPARAMETERS, (lr, gamma, beta1, beta2, eps, weight_decay), strict=True)
    }
    noise, size, n_used, spread_used = _batches(opt, surf, batch_size, n_examples, spread, seed, steps)

    sid, p, box = _kernel_inputs(surf)
    H = np.array([_hyper_columns(hyper, eps_placement)])
    x = np.array([start_xy[0]])
    y = np.array([start_xy[1]])
    xy = np.zeros((steps + 1, 2))
    loss = np.zeros(steps + 1)
    grad = np.zeros((steps + 1, 2))
    rate = np.zeros((steps, 2))
    hit = np.empty(1, dtype=np.int64)
    div = np.empty(1, dtype=np.int64)
    final_loss = np.empty(1)
    kernels.race(
        opt.rule, sid, p, H, x, y, steps, noise, box, surf.min_value, -1.0, hit, div, final_loss,
        xy, loss, grad, rate,
    )  # fmt: skip
    diverged_at = None if div[0] < 0 else int(div[0])
    if diverged_at is not None:
        if diverged_at == 0:
            raise ValueError(f"start {start_xy} is outside the surface's valid region")
        xy[diverged_at:] = xy[diverged_at - 1]
        loss[diverged_at:] = loss[diverged_at - 1]
        grad[diverged_at:] = 0.0
        rate[diverged_at - 1 :] = 0.0
    for a in (xy, loss, grad, rate):
        a.flags.writeable = False
    settings = Settings(
        optimizer=opt.name,
        surface=surf.name,
        start=start_xy,
        steps=steps,
        eps_placement=eps_placement,
        batch_size=size,
        n_examples=n_used,
        spread=spread_used,
        seed=seed,
        surface_options=dict(surf.options),
        custom_surface=custom_surface_spec(surf),
        **hyper,
    )
    return Trajectory(settings, xy, loss, grad, rate, diverged_at, surf.min_value)


def run_many(
    optimizer: str,
    surface: str | Surface,
    starts: Any = None,
    steps: int = 200,
    *,
    lr: Any = None,
    gamma: Any = None,
    beta1: Any = None,
    beta2: Any = None,
    eps: Any = None,
    weight_decay: Any = None,
    eps_placement: str = "inside",
    batch_size: int | str | None = None,
    n_examples: int | None = None,
    spread: float | None = None,
    seed: int = 0,
    tol: float = 1e-6,
    **extra: Any,
) -> Outcomes:
    """Run many trajectories at once on all cores, keeping only their outcomes.

    `starts` is one (x, y) pair or an (n, 2) array; each hyperparameter is a number or an array of
    per-run values; all broadcast to n runs. Same names, defaults and checks as `run`. Every run
    sees the same sequence of batches (one seed), so runs differ only by start and hyperparameters.
    """
    _check_extra(extra)
    opt = get_optimizer(optimizer)
    surf = _resolve_surface(surface)
    steps = _integer("steps", steps, 1, MAX_STEPS * 100)
    if eps_placement not in EPS_PLACEMENTS:
        raise ValueError(f"eps_placement must be 'inside' or 'outside', got {eps_placement!r}")
    seed = _integer("seed", seed, 0, 2**63 - 1)
    tol = _number("tol", tol)
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol}")

    raw = np.asarray(surf.start if starts is None else starts)
    if raw.dtype.kind not in "iuf" or raw.ndim not in (1, 2) or raw.shape[-1] != 2 or raw.size == 0:
        raise ValueError(
            f"starts must be a pair (x, y) or a non-empty array of shape (n, 2), got {starts!r:.80}"
        )
    xy0 = raw.astype(np.float64)
    if not np.isfinite(xy0).all():
        raise ValueError("starts must be finite")
    (x_lo, x_hi), (y_lo, y_hi) = surf.bounds
    if not (
        (xy0[..., 0] >= x_lo) & (xy0[..., 0] <= x_hi) & (xy0[..., 1] >= y_lo) & (xy0[..., 1] <= y_hi)
    ).all():
        raise ValueError(f"starts must lie within x in [{x_lo:g}, {x_hi:g}], y in [{y_lo:g}, {y_hi:g}]")
    given = {
        name: value
        for name, value in zip(HYPERPARAMETERS, (lr, gamma, beta1, beta2, eps, weight_decay), strict=True)
    }
    arrays = {}
    for name, value in given.items():
        if value is None or (np.ndim(value) == 0 and not isinstance(value, np.ndarray)):
            arrays[name] = np.array(_hyper_value(opt, name, value))
            continue
        a = HYPERPARAMETERS[name].allowed.check_all(name, _numbers(name, value))
        arrays[name] = a if name in opt.defaults else np.zeros_like(a)
    try:
        n = np.broadcast_shapes(xy0.shape[:-1], *(a.shape for a in arrays.values()))
    except ValueError:
        raise ValueError("starts and the hyperparameter arrays must have the same length n") from None
    n = int(np.prod(n)) if n else 1
    if n * steps > MAX_LANE_STEPS:
        raise ValueError(f"runs x steps must be at most {MAX_LANE_STEPS:.0e}, got {n * steps:.2e}")
    per_run = {k: np.ascontiguousarray(np.broadcast_to(a, (n,))) for k, a in arrays.items()}
    xy0 = np.broadcast_to(xy0.reshape(-1, 2), (n, 2))

    noise, size, n_used, spread_used = _batches(opt, surf, batch_size, n_examples, spread, seed, steps)
    H = np.empty((n, len(rules.HYPER_ROWS)))  # one row per run
    for k, column in enumerate(_hyper_columns(per_run, eps_placement)):
        H[:, k] = column
    x = xy0[:, 0].copy()
    y = xy0[:, 1].copy()
    final_loss, hit, div = _race_lanes(opt.rule, surf, H, x, y, steps, noise, tol)
    final_xy = np.column_stack((x, y))
    settings = {
        "optimizer": opt.name,
        "surface": surf.name,
        "starts": xy0,
        "steps": steps,
        "eps_placement": eps_placement,
        "batch_size": size,
        "n_examples": n_used,
        "spread": spread_used,
        "seed": seed,
        "tol": tol,
        **per_run,
    }
    outcomes = Outcomes(final_xy, final_loss, hit, div, surf.distance_to_minimum(final_xy), settings)
    for a in (
        outcomes.final_xy,
        outcomes.final_loss,
        outcomes.reached_at,
        outcomes.diverged_at,
        outcomes.distance,
    ):
        a.flags.writeable = False
    return outcomes


def evaluate(surface: str | Surface, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f, df/dx and df/dy of the surface at arrays of points (compiled; for plotting grids)."""
    surf = _resolve_surface(surface)
    xa, ya = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    sid, p, _ = _kernel_inputs(surf)
    f, gx, gy = kernels.evaluate(sid, p, np.ascontiguousarray(xa).ravel(), np.ascontiguousarray(ya).ravel())
    return f.reshape(xa.shape), gx.reshape(xa.shape), gy.reshape(xa.shape)
