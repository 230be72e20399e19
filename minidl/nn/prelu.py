"""``PReLU``: a ReLU whose negative slope is learnt, the parametric activation the report says its
structure allows (section 2.2)."""

from __future__ import annotations

import torch

from ..checks import check_grad, check_tensor
from ..module import Module
from ..parameter import Parameter


class PReLU(Module):
    """``x = max(0, s) + a · min(0, s)``, element by element, with a learnt slope ``a``: one shared
    by every unit (``num_parameters=1``), or one per channel, the input's dimension 1
    (``num_parameters=C``, as ``torch.nn.PReLU``). ``a`` starts at ``init`` (0.25, as torch).

    Backward, with ``θ`` the Heaviside step of ``ReLU`` (``θ(0) = 1``) and ``g = ∂ℓ/∂x``:

    * ``∂ℓ/∂s = g ⊙ (θ(s) + a (1 − θ(s)))``: slope 1 where ``s ≥ 0``, ``a`` where ``s < 0``;
    * ``∂ℓ/∂a = Σ g ⊙ min(0, s)``, summed over every element that shares that ``a``.

    The slope is a ``Parameter`` like a weight: ``param()`` returns it, the optimizer updates it.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: torch.dtype = torch.float32,
                 device: torch.device | str | None = None) -> None:
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f"{type(self).__name__}: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters = num_parameters
        self.weight = Parameter(torch.full((num_parameters,), float(init), dtype=dtype, device=device))
        self.input: torch.Tensor | None = None

    def slope(self, s: torch.Tensor) -> torch.Tensor:
        """``a``, shaped to broadcast against ``s`` along dimension 1."""
        if self.num_parameters == 1:
            return self.weight.value
        return self.weight.value.view(-1, *[1] * (s.dim() - 2))

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        s = check_tensor(type(self).__name__, s, like=self.weight.value)
        if self.num_parameters > 1 and (s.dim() < 2 or s.shape[1] != self.num_parameters):
            raise ValueError(f"{type(self).__name__}: {self.num_parameters} slopes need {self.num_parameters} "
                             f"channels in dimension 1, got input of shape {tuple(s.shape)}")
        self.input = s
        return torch.where(s >= 0, s, self.slope(s) * s)  # max(0, s) + a min(0, s)

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        grad_output = check_grad(type(self).__name__, self.input, grad_output)
        s, g = self.input, grad_output
        negative = s.clamp(max=0)  #                                         min(0, s)
        per_element = g * negative
        if self.num_parameters == 1:  #                                      ∂ℓ/∂a += Σ g min(0, s)
            self.weight.grad.add_(per_element.sum().reshape(1))
        else:  # one slope per channel: sum over every dimension but 1
            self.weight.grad.add_(per_element.transpose(0, 1).reshape(self.num_parameters, -1).sum(1))
        return torch.where(s >= 0, g, self.slope(s) * g)  #                  ∂ℓ/∂s = g (θ(s) + a (1 − θ(s)))

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
