"""``L1Loss``: the mean absolute error, one of the losses the report's conclusion proposes."""

from __future__ import annotations

import torch

from .base import Loss


class L1Loss(Loss):
    """``ℓ = (1/(N·C)) Σ_n Σ_i |p_ni − t_ni|`` with ``reduction="mean"`` (the average over every
    element, as ``torch.nn.L1Loss``), or the plain sum over both with ``reduction="sum"``.

    Backward: ``∂ℓ/∂p = sign(p − t) / (N·C)``, or ``sign(p − t)`` for the sum. ``|·|`` has no
    derivative at 0; there ``sign(0) = 0`` is used, the subgradient torch's autograd also picks.
    Class-index targets are turned into one-hot rows first.
    """

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        prediction, t = self.inputs(prediction, target)
        diff = prediction - t
        k = self.factor(diff.numel())
        self.cache = (diff, k)
        return diff.abs().sum() * k  # ℓ = k Σ |p − t|

    def backward(self) -> torch.Tensor:
        diff, k = self.cached()
        return torch.sign(diff) * k  # ∂ℓ/∂p = k sign(p − t)
