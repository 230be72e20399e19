"""``GD``: plain (full-batch) gradient descent, the other optimizer the report's conclusion proposes."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from .checks import check_optimizer_args
from .loss import Loss
from .module import Module
from .parameter import Parameter


class GD:
    r"""Gradient descent on the training loss itself, ``L(θ) = (1/N) Σ_n ℓ(f(x_n; θ), y_n)`` over all N
    samples: ``θ ← θ − η ∇L(θ)``, one step per pass over the data.

    The update is the one of ``SGD`` without momentum; what differs is the gradient it is given.
    SGD steps on the gradient of a mini-batch, an unbiased but noisy estimate of ∇L, many times per
    epoch; GD steps once per epoch on the exact ∇L. ``epoch`` does exactly that: one forward and one
    backward over the whole set, then one step. It is deterministic (no shuffling, no sampling),
    and each epoch costs one step.
    """

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params = check_optimizer_args("GD", params, lr)
        self.lr = float(lr)

    def step(self) -> None:
        for p in self.params:
            p.value.add_(p.grad, alpha=-self.lr)  # θ ← θ − η ∇L(θ)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad.zero_()

    def epoch(self, model: Module, loss_fn: Loss, x: torch.Tensor, y: torch.Tensor) -> float:
        """One epoch of gradient descent: ∇L on the whole set ``(x, y)``, then one step. Returns ``L(θ)``
        before the step. The same as ``train_epoch(model, loss_fn, gd, x, y, batch_size=len(x))``."""
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"GD.epoch: x has {x.shape[0]} rows but y has {y.shape[0]}")
        model.train()
        self.zero_grad()
        loss = loss_fn(model(x), y)  # the mean over all N samples: L(θ)
        model.backward(loss_fn.backward())  # ∇L(θ), exact
        self.step()
        return loss.item()

    def __repr__(self) -> str:
        return f"GD(lr={self.lr}, {len(self.params)} parameters)"
