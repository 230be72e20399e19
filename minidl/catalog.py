"""The catalog: every module, loss and optimizer of minidl, each with a small example to run it on.

One table, read by the tests (each entry's backward against finite differences and autograd), by the
no-autograd guard (one forward, backward and step of every entry) and by the mutation check. A new
layer, loss or optimizer gets a row here; a test fails while one of ``minidl``'s classes has none.

A module or loss entry is ``Entry(make, input_shape, target)``: ``make(generator, dtype)`` builds it,
the input is standard normal of ``input_shape`` (a probability row per sample when
``probabilities=True``), and ``target`` is ``None`` (a module), ``"index"`` (class indices) or
``"rows"`` (probability rows). ``example(entry, generator)`` draws all three.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from .losses import CrossEntropyLoss, HingeLoss, L1Loss, Loss, MSELoss, SoftmaxCrossEntropyLoss
from .models import report_net
from .module import Module
from .nn import AvgPool2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, PReLU, ReLU, Softmax, Tanh
from .optim import GD, SGD, Adam, Optimizer
from .parameter import Parameter
from .sequential import Sequential

Maker = Callable[[torch.Generator, torch.dtype], Module | Loss]


@dataclass(frozen=True)
class Entry:
    """How to build one module or loss, and the shape of the input it is checked on."""

    make: Maker
    input_shape: tuple[int, ...]
    target: str | None = None  # None: a module; "index": class indices; "rows": probability rows
    probabilities: bool = False  # the input is a probability row per sample (CrossEntropyLoss)


def _cnn(gen: torch.Generator, dtype: torch.dtype) -> Sequential:
    return Sequential(
        Conv2d(2, 3, 3, padding=1, generator=gen, dtype=dtype), PReLU(3, dtype=dtype), MaxPool2d(2),
        Conv2d(3, 4, (2, 1), generator=gen, dtype=dtype), ReLU(), AvgPool2d(2, stride=1),
        Flatten(), Dropout(0.3, generator=gen, freeze_mask=True),
        Linear(8, 3, init="xavier", generator=gen, dtype=dtype),
    )


MODULES: dict[str, Entry] = {
    "linear-gaussian": Entry(lambda g, d: Linear(3, 4, generator=g, dtype=d), (5, 3)),
    "linear-xavier": Entry(lambda g, d: Linear(3, 4, init="xavier", generator=g, dtype=d), (5, 3)),
    # square: W and Wᵀ have the same shape, so only the values tell a transposed gradient
    "linear-square": Entry(lambda g, d: Linear(4, 4, generator=g, dtype=d), (5, 4)),
    "tanh": Entry(lambda g, d: Tanh(), (5, 4)),
    "relu": Entry(lambda g, d: ReLU(), (5, 4)),
    "softmax": Entry(lambda g, d: Softmax(), (5, 4)),
    "prelu-shared": Entry(lambda g, d: PReLU(dtype=d), (5, 4)),
    "prelu-channels": Entry(lambda g, d: PReLU(3, init=0.1, dtype=d), (2, 3, 4, 4)),
    "dropout": Entry(lambda g, d: Dropout(0.4, generator=g, freeze_mask=True), (5, 6)),
    "dropout-eval": Entry(lambda g, d: Dropout(0.4, generator=g).eval(), (5, 6)),
    "conv": Entry(lambda g, d: Conv2d(2, 3, (2, 3), stride=(1, 2), padding=1, generator=g, dtype=d), (2, 2, 6, 5)),
    "conv-square": Entry(lambda g, d: Conv2d(2, 2, 3, padding=2, generator=g, dtype=d), (2, 2, 5, 5)),
    "maxpool": Entry(lambda g, d: MaxPool2d(2), (2, 3, 6, 4)),
    "maxpool-overlapping": Entry(lambda g, d: MaxPool2d(3, stride=2), (2, 3, 7, 6)),
    "avgpool": Entry(lambda g, d: AvgPool2d(3, stride=2), (2, 3, 7, 6)),
    "flatten": Entry(lambda g, d: Flatten(), (3, 2, 4, 5)),
    "sequential": Entry(lambda g, d: Sequential(Linear(3, 5, generator=g, dtype=d), ReLU(),
                                                Linear(5, 4, init="xavier", generator=g, dtype=d), Tanh()), (5, 3)),
    "cnn": Entry(_cnn, (2, 2, 6, 6)),
    "report_net": Entry(lambda g, d: report_net(generator=g, dtype=d), (5, 2)),
    "report_net-softmax": Entry(lambda g, d: report_net(softmax=True, generator=g, dtype=d), (5, 2)),
}

LOSSES: dict[str, Entry] = {
    "mse": Entry(lambda g, d: MSELoss(), (5, 3), "index"),
    "mse-sum-rows": Entry(lambda g, d: MSELoss(reduction="sum"), (5, 3), "rows"),
    "l1": Entry(lambda g, d: L1Loss(), (5, 3), "rows"),
    "l1-sum": Entry(lambda g, d: L1Loss(reduction="sum"), (5, 3), "index"),
    "cross-entropy": Entry(lambda g, d: CrossEntropyLoss(), (5, 3), "index", probabilities=True),
    "cross-entropy-sum-rows": Entry(lambda g, d: CrossEntropyLoss(reduction="sum"), (5, 3), "rows",
                                    probabilities=True),
    "softmax-cross-entropy": Entry(lambda g, d: SoftmaxCrossEntropyLoss(), (5, 3), "index"),
    "softmax-cross-entropy-rows": Entry(lambda g, d: SoftmaxCrossEntropyLoss(), (5, 3), "rows"),
    "hinge": Entry(lambda g, d: HingeLoss(), (5, 3), "index"),
    "hinge-sum": Entry(lambda g, d: HingeLoss(margin=0.5, reduction="sum"), (5, 3), "index"),
}

OPTIMIZERS: dict[str, Callable[[Iterable[Parameter]], Optimizer]] = {
    "sgd": lambda params: SGD(params, lr=0.1),
    "sgd-momentum": lambda params: SGD(params, lr=0.1, momentum=0.9),
    "gd": lambda params: GD(params, lr=0.1),
    "adam": lambda params: Adam(params, lr=0.01),
    "adam-weight-decay": lambda params: Adam(params, lr=0.01, betas=(0.8, 0.9), weight_decay=0.1),
}

ENTRIES: dict[str, Entry] = {**MODULES, **LOSSES}


def example(entry: Entry, generator: torch.Generator, dtype: torch.dtype = torch.float64):
    """``(module or loss, input, target)`` for ``entry``, drawn from ``generator``; ``target`` is ``None`` for a module.

    Probabilities are kept ≥ 1/(2C): near p = 0, finite differences of log p lose their accuracy.
    """
    obj = entry.make(generator, dtype)
    x = torch.randn(entry.input_shape, generator=generator, dtype=dtype)
    if entry.probabilities:
        x = (torch.softmax(2 * x, dim=1) + 1 / x.shape[1]) / 2
    n, c = entry.input_shape[0], entry.input_shape[-1]
    if entry.target == "index":
        return obj, x, torch.randint(0, c, (n,), generator=generator)
    if entry.target == "rows":
        return obj, x, torch.softmax(torch.randn(n, c, generator=generator, dtype=dtype), dim=1)
    return obj, x, None
