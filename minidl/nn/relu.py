"""``ReLU``: the rectifier, element by element (report, section 2.2.2)."""

from __future__ import annotations

import torch

from ..checks import check_float, check_grad
from ..module import Module


class ReLU(Module):
    """``x^l = max(0, s^l)``; backward: ``∂ℓ/∂s = ∂ℓ/∂x ⊙ θ(s)``.

    ``θ`` is the Heaviside step with ``θ(0) = 1``, as the report defines it
    (``torch.relu``'s autograd uses ``θ(0) = 0``; the two differ only where ``s == 0``).
    """

    def __init__(self) -> None:
        self.mask: torch.Tensor | None = None

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        check_float("ReLU", s)
        ### BEGIN SOLUTION  cache θ(s), return max(0, s) (chapter 4)
        self.mask = s >= 0  # θ(s), with θ(0) = 1
        return torch.relu(s)
        ### END SOLUTION

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        check_grad("ReLU", self.mask, grad_output)
        ### BEGIN SOLUTION  ∂ℓ/∂s = ∂ℓ/∂x ⊙ θ(s) (chapter 4)
        return grad_output * self.mask  # ∂ℓ/∂s = ∂ℓ/∂x ⊙ θ(s)
        ### END SOLUTION
