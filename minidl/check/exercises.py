"""The exercises of the student edition: one row per class, with its chapter, its points and its oracle.

An oracle computes the same function with torch operations, so that ``torch.autograd`` can give the
true gradients. The framework never uses autograd; the checker uses it only as this reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import nn as _nn
from .. import optim as _optim
from ..losses import cross_entropy as _ce
from ..losses import mse as _mse


@dataclass(frozen=True)
class Exercise:
    name: str  #: the CLI name and the pytest marker, e.g. ``"linear"``
    reference: type  #: the reference class, e.g. ``minidl.Linear``
    kind: str  #: ``"module"``, ``"loss"`` or ``"optimizer"``
    where: str  #: the chapter and the equations to use
    points: int  #: what it is worth in a course's grade

    @property
    def title(self) -> str:
        return self.reference.__name__


def linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return x @ w + b


def mse(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return ((p - t) ** 2).mean()


def cross_entropy(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return -(t * torch.log(p)).sum() / p.shape[0]


def softmax_cross_entropy(s: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return -(t * torch.log_softmax(s, dim=1)).sum() / s.shape[0]


EXERCISES = [
    Exercise("linear", _nn.Linear, "module", "chapter 2, eq. (1) and (2)", 3),
    Exercise("tanh", _nn.Tanh, "module", "chapter 3", 1),
    Exercise("relu", _nn.ReLU, "module", "chapter 4", 1),
    Exercise("softmax", _nn.Softmax, "module", "chapter 5, eq. (3) and (4)", 2),
    Exercise("mse", _mse.MSELoss, "loss", "chapter 6", 1),
    Exercise("cross_entropy", _ce.CrossEntropyLoss, "loss", "chapter 6, eq. (5)", 1),
    Exercise("softmax_cross_entropy", _ce.SoftmaxCrossEntropyLoss, "loss", "chapter 6, eq. (3) and (5)", 2),
    Exercise("sgd", _optim.SGD, "optimizer", "chapter 7", 2),
]

ORACLES = {
    "linear": linear,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "softmax": lambda s: torch.softmax(s, dim=1),
    "mse": mse,
    "cross_entropy": cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
}

#: The shapes each kind is checked on: (N, in, out) for Linear, (N, C) for the others. The first is
#: neither square nor with N equal to a width, so that a transpose or a factor of N shows.
SHAPES = {
    "linear": [(5, 3, 4), (4, 4, 4), (1, 2, 3), (7, 6, 2)],
    "module": [(5, 3), (4, 4), (1, 6)],
    "loss": [(5, 3), (4, 4), (1, 6)],
}


def find(name_or_class: str | type) -> Exercise:
    """The exercise for a name (``"linear"``, ``"Linear"``) or a class: a subclass of the reference or a
    class of the same name, e.g. a student's own ``class Linear(minidl.Module)`` written in a notebook."""
    for ex in EXERCISES:
        if isinstance(name_or_class, str):
            if name_or_class.lower() in (ex.name, ex.title.lower()):
                return ex
        elif isinstance(name_or_class, type):
            if issubclass(name_or_class, ex.reference) or name_or_class.__name__ == ex.title:
                return ex
    known = ", ".join(ex.name for ex in EXERCISES)
    raise ValueError(f"minidl.check: no exercise named {name_or_class!r}; the exercises are {known}")
