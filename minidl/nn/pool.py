"""``MaxPool2d`` and ``AvgPool2d``: one number per window of each channel, by the views of ``im2col``."""

from __future__ import annotations

import torch

from ..checks import check_grad, plain
from ..module import Module
from .im2col import check_image, fold, pair, windows


class Pool2d(Module):
    """What the two poolings share: ``kernel_size``, ``stride`` (default: ``kernel_size``, so the
    windows tile the image) and the input checks. No padding; rows or columns that no window
    reaches get no output and a zero gradient."""

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None) -> None:
        who = type(self).__name__
        self.kernel_size = pair(who, "kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else pair(who, "stride", stride, 1)
        self.output: torch.Tensor | None = None

    def windows(self, x: torch.Tensor) -> torch.Tensor:
        """Check ``x`` and return its windows, ``(N, C, kh·kw, H_out, W_out)`` (a copy)."""
        check_image(type(self).__name__, x, None, self.kernel_size)
        x = plain(x)
        self.input_size = tuple(x.shape[2:])
        return windows(x, self.kernel_size, self.stride).flatten(2, 3)

    def fold(self, grad_windows: torch.Tensor) -> torch.Tensor:
        """Send ``(N, C, kh·kw, H_out, W_out)`` window gradients back to the input pixels (col2im)."""
        return fold(grad_windows.unflatten(2, self.kernel_size), self.input_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class MaxPool2d(Pool2d):
    """``y[n, c, i, j] = max_{a, b} x[n, c, i·s_h + a, j·s_w + b]``.

    Backward: the maximum passes its gradient to the one input that won, ``∂y/∂x = 1`` there and 0
    elsewhere in the window; where windows overlap, an input collects from each window it won.
    On a tie the first maximal entry (in row-major order within the window) takes the gradient.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.output, self.argmax = self.windows(x).max(dim=2)
        return self.output

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        grad_output = check_grad("MaxPool2d", self.output, grad_output)
        n, c, h_out, w_out = grad_output.shape
        grad_windows = grad_output.new_zeros(n, c, self.kernel_size[0] * self.kernel_size[1], h_out, w_out)
        grad_windows.scatter_(2, self.argmax.unsqueeze(2), grad_output.unsqueeze(2))  # all to the winner
        return self.fold(grad_windows)


class AvgPool2d(Pool2d):
    """``y[n, c, i, j] = (1/(kh·kw)) Σ_{a, b} x[n, c, i·s_h + a, j·s_w + b]``.

    Backward: every input of the window gets ``∂ℓ/∂y / (kh·kw)``; overlapping windows add up.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.output = self.windows(x).mean(dim=2)
        return self.output

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        grad_output = check_grad("AvgPool2d", self.output, grad_output)
        n, c, h_out, w_out = grad_output.shape
        area = self.kernel_size[0] * self.kernel_size[1]
        share = (grad_output / area).unsqueeze(2)  # the same share for every input of the window
        return self.fold(share.expand(n, c, area, h_out, w_out))
