"""Cross-entropy (report, eq. 5): ``CrossEntropyLoss`` on probabilities, as the report has it,
and ``SoftmaxCrossEntropyLoss``, the numerically stable path from logits."""

from __future__ import annotations

import torch

from .base import Loss


class CrossEntropyLoss(Loss):
    """``ℓ = −(1/N) Σ_n Σ_i t_ni log p_ni``  (eq. 5, averaged over the batch with ``reduction="mean"``,
    summed with ``"sum"``), where ``p`` holds probabilities, e.g. the output of ``Softmax``.

    Backward: ``∂ℓ/∂p_i = −t_i / p_i``  (eq. 5), times ``1/N`` for the mean.

    A probability of exactly 0 would give ``log 0 = −∞`` and ``−t/0``. So ``p`` is clamped
    below at ``eps = torch.finfo(dtype).eps`` in both formulas: the loss and the gradient stay
    finite, and are exact wherever ``p ≥ eps``. From scores, prefer ``SoftmaxCrossEntropyLoss``.

    ``p`` and float targets must be rows of probabilities (entries ≥ 0 summing to 1, within 1e-3,
    10 eps in half precision): anything else raises ``ValueError``, since eq. (5) means nothing there.
    """

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        prediction, t = self.inputs(prediction, target)
        self.check_distributions(prediction, "prediction")
        if target.is_floating_point():
            self.check_distributions(t, "target")
        ### BEGIN SOLUTION  ℓ = −(1/N) Σ t log p (chapter 6, eq. (5))
        p = prediction.clamp_min(torch.finfo(prediction.dtype).eps)
        k = self.factor(p.shape[0])
        self.cache = (p, t, k)
        return (t * torch.log(p)).sum() * -k  # ℓ = −k Σ t log p     (5)
        ### END SOLUTION

    def backward(self) -> torch.Tensor:
        ### BEGIN SOLUTION  ∂ℓ/∂p = −t / (N p) (chapter 6, eq. (5))
        p, t, k = self.cached()
        return t / p * -k  # ∂ℓ/∂p = −k t / p                         (5)
        ### END SOLUTION


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax (eq. 3) and cross-entropy (eq. 5) fused, taking scores (logits) ``s``.

    ``log p_i = s_i − m − log Σ_k e^{s_k − m}`` with ``m = max_k s_k``, so no ``exp`` overflows
    and no ``log`` sees 0, even for logits of magnitude 1e4. Then
    ``ℓ = −(1/N) Σ_n Σ_i t_ni log p_ni`` (mean over the batch, or the sum), and the Jacobian of
    softmax and ``−t/p`` collapse to

        ∂ℓ/∂s = (1/N) (p Σ_i t_i − t) = (1/N) (p − t)   when each target row sums to 1.

    A masked logit (−inf, or −3e38 beside +3e38) gets ``p = 0`` and costs nothing unless its
    target is positive, as in torch. Target rows must be distributions (≥ 0, summing to 1).
    """

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        prediction, t = self.inputs(prediction, target)
        if target.is_floating_point():
            self.check_distributions(t, "target")
        ### BEGIN SOLUTION  log p from the logits, max-shifted; ℓ = −(1/N) Σ t log p (chapter 6, eq. (3) and (5))
        z = prediction - prediction.amax(dim=1, keepdim=True)
        # the largest z is 0, so Σ e^z lies in [1, C]: its log needs no second shift (as torch.logsumexp would make)
        log_p = z - torch.exp(z).sum(dim=1, keepdim=True).log()
        k = self.factor(z.shape[0])
        self.cache = (torch.exp(log_p), t, k)
        # t log p is 0 where t = 0, even where log p = −∞ (a masked logit): never 0·(−∞) = NaN
        return torch.where(t != 0, t * log_p, 0.0).sum() * -k
        ### END SOLUTION

    def backward(self) -> torch.Tensor:
        p, t, k = self.cached()
        ### BEGIN SOLUTION  ∂ℓ/∂s = (p Σt − t)/N (chapter 6, eq. (3) and (5))
        return (p * t.sum(dim=1, keepdim=True) - t) * k  # ∂ℓ/∂s = k (p Σt − t)
        ### END SOLUTION
