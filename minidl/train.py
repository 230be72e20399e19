"""Training helpers: one epoch of SGD, evaluation, and a per-epoch history."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch

from .checks import check_int
from .losses.base import Loss
from .module import Module
from .optim.base import Optimizer


@dataclass
class History:
    """Per-epoch records: the mean training loss over the epoch's steps, then the loss and
    error rate of the trained network on the training and test sets."""

    train_loss: list[float] = field(default_factory=list)
    train_error: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_error: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[float]]:
        return asdict(self)


class DivergenceError(FloatingPointError):
    """Raised by ``fit`` when the training loss stops being finite; ``history`` holds the epochs so far."""

    def __init__(self, message: str, history: History) -> None:
        super().__init__(message)
        self.history = history


def error_rate(output: torch.Tensor, target: torch.Tensor) -> float:
    """The fraction of rows whose largest output is not the target class.

    ``target`` is class indices ``(N,)``, or one-hot / probability rows ``(N, C)`` whose class is
    the row's largest entry. Empty sets have no error rate (``ValueError``)."""
    if not isinstance(output, torch.Tensor) or output.dim() != 2:
        got = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        raise ValueError(f"error_rate: output must be a 2-D tensor (N, C), got {got}")
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"error_rate: target must be a torch.Tensor, got {type(target).__name__}")
    if target.is_floating_point() and target.shape == output.shape:
        target = target.argmax(dim=1)  # one-hot or probability rows: the most likely class
    elif target.is_floating_point() or target.shape != output.shape[:1]:
        raise ValueError(
            f"error_rate: target must be class indices of shape ({output.shape[0]},) or float rows of shape "
            f"{tuple(output.shape)}, got {tuple(target.shape)} of dtype {target.dtype}"
        )
    if output.shape[0] == 0:
        raise ValueError("error_rate: the set is empty (0 rows); an error rate needs at least one sample")
    return (output.argmax(dim=1) != target).double().mean().item()


def check_set(who: str, x: object, y: object) -> None:
    """Raise unless ``(x, y)`` are tensors with the same, non-zero number of rows."""
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError(f"{who}: x and y must be torch.Tensors, got {type(x).__name__} and {type(y).__name__}")
    if x.dim() == 0 or y.dim() == 0:
        raise ValueError(f"{who}: x and y need a batch dimension, got shapes {tuple(x.shape)} and {tuple(y.shape)}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{who}: x has {x.shape[0]} rows but y has {y.shape[0]}")
    if x.shape[0] == 0:
        raise ValueError(f"{who}: the set is empty (x has shape {tuple(x.shape)}); pass at least one sample")


def train_epoch(
    model: Module,
    loss_fn: Loss,
    optimizer: Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int = 1,
    generator: torch.Generator | None = None,
) -> float:
    """One pass over ``(x, y)`` in mini-batches of ``batch_size`` (1 means per-sample SGD).

    The samples are visited in order, or in a random order drawn from ``generator`` if one is
    given. Each step: forward, loss, backward, optimizer step. Returns the mean of the step losses.
    """
    check_int("train_epoch", "batch_size", batch_size)
    check_set("train_epoch", x, y)
    model.train()
    if generator is not None:
        order = torch.randperm(x.shape[0], generator=generator, device=generator.device).to(x.device)
        x, y = x[order], y[order]
    total, steps = 0.0, 0
    for start in range(0, x.shape[0], batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        model.backward(loss_fn.backward())
        optimizer.step()
        total += loss.item()
        steps += 1
    return total / steps


def evaluate(model: Module, loss_fn: Loss, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """``(loss, error rate)`` of ``model`` on ``(x, y)``, in eval mode and in one batch.
    ``y`` is class indices or one-hot / probability rows, as the loss takes."""
    check_set("evaluate", x, y)
    was_training = model.training
    model.eval()
    output = model(x)
    loss = loss_fn(output, y).item()
    model.train(was_training)
    return loss, error_rate(output, y)


def fit(
    model: Module,
    loss_fn: Loss,
    optimizer: Optimizer,
    train: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    epochs: int,
    batch_size: int = 1,
    generator: torch.Generator | None = None,
    on_epoch: Callable[[int, History], None] | None = None,
    on_divergence: str = "raise",
) -> History:
    """Train for ``epochs`` epochs (an int ≥ 0) and return the ``History``; ``on_epoch(epoch, history)``
    runs after each.

    Divergence: when an epoch's mean training loss is not finite (inf or NaN, e.g. a learning rate far
    too large), ``on_divergence="raise"`` (the default) stops with a ``DivergenceError`` that says
    so and carries the ``history`` so far; ``"record"`` trains on, and the non-finite losses stay in
    the history (``math.isfinite`` tells them), for a page that shows what divergence looks like.
    """
    check_int("fit", "epochs", epochs, least=0)
    check_int("fit", "batch_size", batch_size)
    if on_divergence not in ("raise", "record"):
        raise ValueError(f"fit: on_divergence must be 'raise' or 'record', got {on_divergence!r}")
    for name, data in (("train", train), ("test", test)):
        if not (isinstance(data, (tuple, list)) and len(data) == 2):
            raise TypeError(f"fit: {name} must be a pair (x, y), got {type(data).__name__}")
        check_set(f"fit ({name} set)", *data)
    history = History()
    for epoch in range(epochs):
        history.train_loss.append(train_epoch(model, loss_fn, optimizer, *train, batch_size, generator))
        if on_divergence == "raise" and not math.isfinite(history.train_loss[-1]):
            lr = getattr(optimizer, "lr", None)
            raise DivergenceError(
                f"fit: the training diverged: the mean training loss of epoch {epoch + 1} is "
                f"{history.train_loss[-1]}; lower the learning rate{f' (lr={lr:g})' if lr is not None else ''}, "
                "or pass on_divergence='record' to keep training and record it", history)
        _, train_err = evaluate(model, loss_fn, *train)
        test_loss, test_err = evaluate(model, loss_fn, *test)
        history.train_error.append(train_err)
        history.test_loss.append(test_loss)
        history.test_error.append(test_err)
        if on_epoch is not None:
            on_epoch(epoch, history)
    return history
