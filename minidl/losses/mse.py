"""``MSELoss``: the mean squared error."""

from __future__ import annotations

import torch

from .base import Loss


class MSELoss(Loss):
    """``ℓ = (1/(N·C)) Σ_n Σ_i (p_ni − t_ni)²`` with ``reduction="mean"`` (the average over every
    element, as ``torch.nn.MSELoss``), or the plain sum over both with ``reduction="sum"``.

    Backward: ``∂ℓ/∂p = 2 (p − t) / (N·C)``, or ``2 (p − t)`` for the sum.
    Class-index targets are turned into one-hot rows first.
    """

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        prediction, t = self.inputs(prediction, target)
        ### BEGIN SOLUTION  ℓ = k Σ (p − t)², k = 1/(N·C) for the mean (chapter 6)
        diff = prediction - t
        k = self.factor(diff.numel())
        self.cache = (diff, k)
        return (diff * diff).sum() * k  # ℓ = k Σ (p − t)²
        ### END SOLUTION

    def backward(self) -> torch.Tensor:
        ### BEGIN SOLUTION  ∂ℓ/∂p = 2 k (p − t) (chapter 6)
        diff, k = self.cached()
        return diff * (2 * k)  # ∂ℓ/∂p = 2 k (p − t)
        ### END SOLUTION
