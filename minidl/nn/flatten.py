"""``Flatten``: ``(N, C, H, W)`` feature maps to ``(N, C·H·W)`` rows, between convolutions and ``Linear``."""

from __future__ import annotations

import torch

from ..checks import check_float, check_grad
from ..module import Module


class Flatten(Module):
    """``y[n] = x[n].reshape(-1)``, keeping the batch dimension (row-major order: channel, then row,
    then column, as ``torch.flatten(x, 1)``).

    Backward: a reshape moves no value, so the gradient is reshaped back, ``∂ℓ/∂x = (∂ℓ/∂y).reshape(x.shape)``.
    """

    def __init__(self) -> None:
        self.input_shape: torch.Size | None = None
        self.output_shape: tuple[int, ...] | None = None  # for backward's check
        self.like: torch.Tensor | None = None  # an empty tensor of the input's dtype and device

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_float(type(self).__name__, x)
        if x.dim() < 2:
            raise ValueError(f"{type(self).__name__}: input must have a batch dimension and at least one more, "
                             f"got shape {tuple(x.shape)}")
        self.input_shape = x.shape
        output = x.reshape(x.shape[0], x.shape[1:].numel())  # -1 is ambiguous for 0 rows
        self.output_shape, self.like = tuple(output.shape), x.new_empty(0)
        return output

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        grad_output = check_grad(type(self).__name__, self.output_shape, grad_output, like=self.like)
        return grad_output.reshape(self.input_shape)
