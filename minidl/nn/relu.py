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
        self.output: torch.Tensor | None = None

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        s = check_float(type(self).__name__, s)
        ### BEGIN SOLUTION  cache θ(s), return max(0, s) (chapter 4)
        self.mask = s >= 0  # θ(s), with θ(0) = 1
        self.output = torch.relu(s)
        return self.output
        ### END SOLUTION

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        # like: the output's dtype (the mask is boolean); a subclass may set only the mask
        grad_output = check_grad(type(self).__name__, self.mask, grad_output, like=self.output)
        ### BEGIN SOLUTION  ∂ℓ/∂s = ∂ℓ/∂x ⊙ θ(s) (chapter 4)
        return grad_output * self.mask  # ∂ℓ/∂s = ∂ℓ/∂x ⊙ θ(s)
        ### END SOLUTION
