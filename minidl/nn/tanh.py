"""``Tanh``: the hyperbolic tangent, element by element (report, section 2.2.1)."""

from __future__ import annotations

import torch

from ..checks import check_float, check_grad
from ..module import Module


class Tanh(Module):
    """``x^l = tanh(s^l)``; backward: ``∂ℓ/∂s = ∂ℓ/∂x ⊙ (1 − tanh²(s))``.

    The derivative is written with the *output* ``y = tanh(s)``, which forward caches,
    so backward costs no second ``tanh``.
    """

    def __init__(self) -> None:
        self.output: torch.Tensor | None = None

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        s = check_float(type(self).__name__, s)
        ### BEGIN SOLUTION  cache y = tanh(s) and return it (chapter 3)
        self.output = torch.tanh(s)
        return self.output
        ### END SOLUTION

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        grad_output = check_grad(type(self).__name__, self.output, grad_output)
        ### BEGIN SOLUTION  ∂ℓ/∂s = ∂ℓ/∂x ⊙ (1 − tanh²(s)) (chapter 3)
        y = self.output
        return grad_output * (1 - y * y)  # tanh'(s) = 1 − tanh²(s)
        ### END SOLUTION
