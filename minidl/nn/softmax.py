"""``Softmax``: turns each row of scores into a probability distribution (report, section 2.2.3)."""

from __future__ import annotations

import torch

from ..checks import check_float_2d, check_grad
from ..module import Module


class Softmax(Module):
    r"""``p_i = e^{s_i − max_k s_k} / N``, ``N = Σ_k e^{s_k − max_k s_k}``  (eq. 3), row by row.

    Subtracting the row's maximum leaves ``p`` unchanged and keeps every exponent ≤ 0,
    so ``exp`` cannot overflow.

    Backward uses the Jacobian (eq. 4, with the sign put right; the report has a stray minus)

        ∂p_i/∂s_k = p_i (δ_ik − p_k),

    contracted with ``g = ∂ℓ/∂p``:  ``∂ℓ/∂s_k = Σ_i g_i p_i (δ_ik − p_k) = p_k (g_k − Σ_i g_i p_i)``.
    ``Softmax.jacobian(p)`` builds the full ``(N, C, C)`` Jacobian for inspection.
    """

    def __init__(self) -> None:
        self.output: torch.Tensor | None = None

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        s = check_float_2d(type(self).__name__, s)
        ### BEGIN SOLUTION  the max-shifted softmax, cache p (chapter 5, eq. (3))
        e = torch.exp(s - s.amax(dim=1, keepdim=True))  # e^{s_i − max_k s_k}       (3)
        self.output = e / e.sum(dim=1, keepdim=True)  #  p_i = e_i / N               (3)
        return self.output
        ### END SOLUTION

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        grad_output = check_grad(type(self).__name__, self.output, grad_output)
        ### BEGIN SOLUTION  ∂ℓ/∂s from the Jacobian, sign corrected (chapter 5, eq. (4))
        p, g = self.output, grad_output
        return p * (g - (g * p).sum(dim=1, keepdim=True))  # Σ_i g_i p_i (δ_ik − p_k)  (4)
        ### END SOLUTION

    @staticmethod
    def jacobian(p: torch.Tensor) -> torch.Tensor:
        """``J[n, i, k] = ∂p_i/∂s_k = p_i (δ_ik − p_k)`` (eq. 4, corrected) for each row ``p[n]``."""
        p = check_float_2d("Softmax.jacobian", p)
        ### BEGIN SOLUTION  J[n, i, k] = p_i (δ_ik − p_k) (chapter 5, eq. (4))
        return torch.diag_embed(p) - p.unsqueeze(2) * p.unsqueeze(1)
        ### END SOLUTION
