"""Training helpers: one epoch of SGD, evaluation, and a per-epoch history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch

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


def error_rate(output: torch.Tensor, target: torch.Tensor) -> float:
    """The fraction of rows whose largest output is not the target class."""
    return (output.argmax(dim=1) != target).double().mean().item()


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
    if batch_size < 1:
        raise ValueError(f"train_epoch: batch_size must be ≥ 1, got {batch_size}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"train_epoch: x has {x.shape[0]} rows but y has {y.shape[0]}")
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
    """``(loss, error rate)`` of ``model`` on ``(x, y)``, in eval mode and in one batch."""
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
) -> History:
    """Train for ``epochs`` epochs and return the ``History``; ``on_epoch(epoch, history)`` runs after each."""
    history = History()
    for epoch in range(epochs):
        history.train_loss.append(train_epoch(model, loss_fn, optimizer, *train, batch_size, generator))
        _, train_err = evaluate(model, loss_fn, *train)
        test_loss, test_err = evaluate(model, loss_fn, *test)
        history.train_error.append(train_err)
        history.test_loss.append(test_loss)
        history.test_error.append(test_err)
        if on_epoch is not None:
            on_epoch(epoch, history)
    return history
