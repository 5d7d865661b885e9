"""The registry of optimizers: names, hyperparameters, defaults and formulas for display.

The update rules themselves are in `optviz.engine.rules`; this module says which rule each name runs,
which hyperparameters it reads, and how to write it in the lecture's notation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from optviz.engine import rules


@dataclass(frozen=True)
class Optimizer:
    """One optimizer: its update rule (an id into `optviz.engine.rules`) and how it is shown."""

    name: str
    title: str
    rule: int
    defaults: Mapping[str, float]  # the hyperparameters it uses, with their default values
    formula: str  # LaTeX, the lecture's notation, eps inside the root where there is one
    source: str
    batch_size: int | None = None  # default examples per update; None is the full batch
    lecture: bool = False
    adaptive: bool = False  # has a per-coordinate learning rate eta / sqrt(G + eps)

    @property
    def uses(self) -> tuple[str, ...]:
        return tuple(self.defaults)


_GD = r"w \leftarrow w - \eta\, g"
_MOMENTUM = r"m \leftarrow \gamma m + \eta\, g \\ w \leftarrow w - m"
_ADAM_MOMENTS = (
    r"m \leftarrow \beta_1 m + (1 - \beta_1)\, g \\ G \leftarrow \beta_2 G + (1 - \beta_2)\, g^2 \\ "
    r"\hat m = \frac{m}{1 - \beta_1^t},\ \hat G = \frac{G}{1 - \beta_2^t} \\ "
)
_ADAM_STEP = r"w \leftarrow w - \frac{\eta}{\sqrt{\hat G + \epsilon}}\, \hat m"

_ALL = (
    Optimizer(
        "batch_gd",
        "Batch GD",
        rules.GD,
        {"lr": 0.01},
        _GD + r",\quad g = \frac{1}{N}\sum_{n=1}^{N} \frac{\partial E_n}{\partial w}",
        "Cauchy (1847); the lecture's batch mode",
        batch_size=None,
        lecture=True,
    ),
    Optimizer(
        "sgd",
        "SGD",
        rules.GD,
        {"lr": 0.01},
        _GD + r",\quad g = \frac{\partial E_n}{\partial w}\ \text{(one example)}",
        "Robbins & Monro (1951)",
        batch_size=1,
        lecture=True,
    ),
    Optimizer(
        "minibatch_gd",
        "Mini-batch GD",
        rules.GD,
        {"lr": 0.01},
        _GD + r",\quad g = \frac{1}{B}\sum_{n \in \text{batch}} \frac{\partial E_n}{\partial w}",
        "the lecture's mini-batch loop",
        batch_size=10,
        lecture=True,
    ),
    Optimizer(
        "momentum",
        "Momentum",
        rules.MOMENTUM,
        {"lr": 0.01, "gamma": 0.9},
        _MOMENTUM,
        "Polyak (1964); Rumelhart, Hinton & Williams (1986)",
        lecture=True,
    ),
    Optimizer(
        "nesterov",
        "Nesterov",
        rules.NESTEROV,
        {"lr": 0.01, "gamma": 0.9},
        r"g = \nabla E(w - \gamma m) \\ " + _MOMENTUM,
        "Nesterov (1983), in the form of Sutskever et al. (2013)",
    ),
    Optimizer(
        "adagrad",
        "Adagrad",
        rules.ADAGRAD,
        {"lr": 0.01, "eps": 1e-10},
        r"G \leftarrow G + g^2 \\ w \leftarrow w - \frac{\eta}{\sqrt{G + \epsilon}}\, g",
        "Duchi, Hazan & Singer (2011)",
        lecture=True,
        adaptive=True,
    ),
    Optimizer(
        "rmsprop",
        "RMSProp",
        rules.RMSPROP,
        {"lr": 0.01, "gamma": 0.99, "eps": 1e-8},
        r"G \leftarrow \gamma G + (1 - \gamma)\, g^2 \\ "
        r"w \leftarrow w - \frac{\eta}{\sqrt{G + \epsilon}}\, g",
        "Tieleman & Hinton (2012), Coursera lecture 6.5",
        lecture=True,
        adaptive=True,
    ),
    Optimizer(
        "adadelta",
        "Adadelta",
        rules.ADADELTA,
        {"lr": 1.0, "gamma": 0.9, "eps": 1e-6},
        r"G \leftarrow \gamma G + (1 - \gamma)\, g^2 \\ "
        r"\Delta = \frac{\sqrt{U + \epsilon}}{\sqrt{G + \epsilon}}\, g \\ "
        r"U \leftarrow \gamma U + (1 - \gamma)\, \Delta^2 \\ w \leftarrow w - \eta\, \Delta",
        "Zeiler (2012)",
        adaptive=True,
    ),
    Optimizer(
        "adam",
        "Adam",
        rules.ADAM,
        {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        _ADAM_MOMENTS + _ADAM_STEP,
        "Kingma & Ba (2015)",
        lecture=True,
        adaptive=True,
    ),
    Optimizer(
        "amsgrad",
        "AMSGrad",
        rules.AMSGRAD,
        {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        _ADAM_MOMENTS.replace(r"\hat G = \frac{G}", r"U \leftarrow \max(U, G),\ \hat G = \frac{U}")
        + _ADAM_STEP,
        "Reddi, Kale & Kumar (2018)",
        adaptive=True,
    ),
    Optimizer(
        "nadam",
        "NAdam",
        rules.NADAM,
        {"lr": 0.002, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        _ADAM_MOMENTS + r"w \leftarrow w - \frac{\eta}{\sqrt{\hat G + \epsilon}}"
        r"\left(\beta_1 \hat m + \frac{(1 - \beta_1)\, g}{1 - \beta_1^t}\right)",
        "Dozat (2016), without the momentum-decay schedule",
        adaptive=True,
    ),
    Optimizer(
        "adamw",
        "AdamW",
        rules.ADAMW,
        {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
        _ADAM_MOMENTS
        + r"w \leftarrow w - \eta \left(\frac{\hat m}{\sqrt{\hat G + \epsilon}} + \lambda w\right)",
        "Loshchilov & Hutter (2019)",
        adaptive=True,
    ),
    Optimizer(
        "lion",
        "Lion",
        rules.LION,
        {"lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0},
        r"c = \beta_1 m + (1 - \beta_1)\, g \\ "
        r"w \leftarrow w - \eta \left(\operatorname{sign}(c) + \lambda w\right) \\ "
        r"m \leftarrow \beta_2 m + (1 - \beta_2)\, g",
        "Chen et al. (2023)",
    ),
)

OPTIMIZERS: dict[str, Optimizer] = {opt.name: opt for opt in _ALL}
LECTURE_OPTIMIZERS: tuple[str, ...] = tuple(opt.name for opt in _ALL if opt.lecture)


def library_formula(formula: str) -> str:
    """The same formula with eps outside the square root, as PyTorch and TensorFlow write it."""
    return (
        formula.replace(r"\sqrt{\hat G + \epsilon}", r"\sqrt{\hat G} + \epsilon")
        .replace(r"\sqrt{G + \epsilon}", r"\sqrt{G} + \epsilon")
        .replace(r"\sqrt{U + \epsilon}", r"\sqrt{U} + \epsilon")
    )


def get(name: str) -> Optimizer:
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known optimizers: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name]
