"""``HingeLoss``: the multi-class hinge loss of a linear SVM, the other loss the report's conclusion proposes."""

from __future__ import annotations

import torch

from .base import Loss


class HingeLoss(Loss):
    """``ℓ_n = Σ_{j ≠ y_n} max(0, Δ + s_nj − s_{n,y_n})`` (Weston & Watkins' multi-class SVM loss,
    margin ``Δ = 1``), averaged over the batch with ``reduction="mean"``, summed with ``"sum"``.

    The scores ``s`` are raw (no softmax). A sample costs nothing once its class's score beats every
    other score by at least ``Δ``. With ``a_nj = [Δ + s_nj − s_{n,y_n} > 0]`` for ``j ≠ y_n`` (0 for
    ``j = y_n``), the (sub)gradient is

        ∂ℓ_n/∂s_nj = a_nj  (j ≠ y_n),    ∂ℓ_n/∂s_{n,y_n} = −Σ_{j ≠ y_n} a_nj,

    times ``1/N`` for the mean. At a kink (a margin exactly 0) ``a = 0`` is used.

    ``torch.nn.MultiMarginLoss`` also divides each ``ℓ_n`` by the number of classes C; this loss is C
    times it. The target is class indices, or one-hot rows: the hinge needs one true class.
    """

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not (isinstance(margin, (int, float)) and margin > 0):
            raise ValueError(f"HingeLoss: margin must be a number > 0, got {margin!r}")
        self.margin = float(margin)

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        prediction, t = self.inputs(prediction, target)
        if target.is_floating_point() and not (((t == 0) | (t == 1)).all() and (t.sum(dim=1) == 1).all()):
            raise ValueError(f"HingeLoss: float target rows must be one-hot (one true class per row), "
                             f"got rows that are not, target of shape {tuple(t.shape)}")
        true = t != 0  # selections by where, not products: 0 · (±inf) would be NaN for a masked score
        s_true = torch.where(true, prediction, 0.0).sum(dim=1, keepdim=True)  #              s_{n, y_n}
        margins = torch.where(true, 0.0, (prediction - s_true + self.margin).clamp_min(0))  # j ≠ y
        k = self.factor(prediction.shape[0])
        self.cache = ((margins > 0).to(prediction.dtype), t, k)
        return margins.sum() * k

    def backward(self) -> torch.Tensor:
        active, t, k = self.cached()
        return (active - t * active.sum(dim=1, keepdim=True)) * k  # a_j for j ≠ y, −Σ_j a_j for y

    def __repr__(self) -> str:
        return f"HingeLoss(margin={self.margin}, reduction={self.reduction!r})"
