"""``Linear``: the fully-connected layer of the report's eq. (1) and (2), in the row convention."""

from __future__ import annotations

import math
import numbers

import torch

from ..checks import check_float_2d, check_grad
from ..module import Module
from ..parameter import Parameter


class Linear(Module):
    r"""``s^l = x^{l-1} W^l + b^l``  (eq. 1), one sample per row.

    Shapes: ``x^{l-1}`` is ``(N, in)``, ``W^l`` is ``(in, out)``, ``b^l`` is ``(out,)`` and
    ``s^l`` is ``(N, out)``. With ``g = ∂ℓ/∂s^l`` the backward pass is eq. (2), with the
    transposes that the row convention needs (the report leaves them out):

    * ``∂ℓ/∂x^{l-1} = g (W^l)^T``
    * ``∂ℓ/∂W^l = (x^{l-1})^T g``
    * ``∂ℓ/∂b^l = Σ_n g_n``  (the sum over the batch)

    ``init="gaussian"`` draws W and b from N(0, 1), as the report does; ``init="xavier"``
    draws W from N(0, 2/(N_{l-1} + N_l)) [Glorot & Bengio 2010] and b from N(0, 1).

    ``needs_input_grad=False`` is for a network's first layer, whose input is the data: training
    never uses ``∂ℓ/∂x^0``, so ``backward`` skips that matmul and returns ``None``
    (autograd skips it too, since the data does not require a gradient). A ``Sequential`` needs no
    flag: its ``backward`` turns it off for its first layer by default (``input_grad=False``).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        init: str = "gaussian",
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
        needs_input_grad: bool = True,
    ) -> None:
        if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in (in_features, out_features)):
            raise TypeError(f"{type(self).__name__}: sizes must be ints, got ({in_features!r}, {out_features!r})")
        if in_features < 1 or out_features < 1:
            raise ValueError(f"{type(self).__name__}: sizes must be positive, got ({in_features}, {out_features})")
        if init not in ("gaussian", "xavier"):
            raise ValueError(f"{type(self).__name__}: init must be 'gaussian' or 'xavier', got {init!r}")
        std = 1.0 if init == "gaussian" else math.sqrt(2.0 / (in_features + out_features))
        kw = dict(generator=generator, dtype=dtype, device=device)
        self.in_features, self.out_features, self.init = in_features, out_features, init
        self.weight = Parameter(torch.randn(in_features, out_features, **kw) * std)
        self.bias = Parameter(torch.randn(out_features, **kw))
        self.needs_input_grad = needs_input_grad
        self.input: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_float_2d(type(self).__name__, x, self.in_features, like=self.weight.value)
        ### BEGIN SOLUTION  cache x, return s = x W + b (chapter 2, eq. (1))
        self.input = x
        return torch.addmm(self.bias.value, x, self.weight.value)  # s = x W + b        (1)
        ### END SOLUTION

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor | None:
        x = self.input  # forward returned (N, out): grad_output must have that shape, dtype and device
        shape = None if x is None else (x.shape[0], self.out_features)
        g = check_grad(type(self).__name__, shape, grad_output, like=self.weight.value)
        ### BEGIN SOLUTION  add ∂ℓ/∂W and ∂ℓ/∂b into the grads, return ∂ℓ/∂x (chapter 2, eq. (2))
        self.weight.grad.addmm_(x.T, g)  #                               ∂ℓ/∂W += xᵀ g  (2)
        self.bias.grad.add_(g.sum(0))  #                                 ∂ℓ/∂b += Σ_n g  (2)
        if not self.needs_input_grad:
            return None
        return g.mm(self.weight.value.T)  #                              ∂ℓ/∂x  = g Wᵀ   (2)
        ### END SOLUTION

    def param(self) -> list[Parameter]:
        return [self.weight, self.bias]

    def extra_repr(self) -> str:
        skip = "" if self.needs_input_grad else ", needs_input_grad=False"
        return f"in_features={self.in_features}, out_features={self.out_features}, init={self.init!r}{skip}"

