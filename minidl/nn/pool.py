"""``MaxPool2d`` and ``AvgPool2d``: one number per window of each channel, by the views of ``im2col``."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import torch

from ..checks import check_grad, check_image, pair, plain
from ..module import Module
from .im2col import fold, windows


class Pool2d(Module):
    """What the two poolings share: ``kernel_size``, ``stride`` (default: ``kernel_size``, so the
    windows tile the image) and the input checks. No padding; rows or columns that no window
    reaches get no output and a zero gradient.

    When the windows tile the image (stride = kernel), window ``(i, j)`` of ``x`` is the block
    ``x[…, i·kh : (i+1)·kh, j·kw : (j+1)·kw]``: splitting the two image dimensions, a view
    ``(N, C, H_out, kh, W_out, kw)``, gives every window with no copy: ``AvgPool2d`` averages over
    dimensions 3 and 5, ``MaxPool2d`` visits them one position at a time (``tile_max``). Otherwise the
    windows come from ``im2col.windows``.
    """

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None) -> None:
        who = type(self).__name__
        self.kernel_size = pair(who, "kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else pair(who, "stride", stride, 1)
        self.input_size: tuple[int, int] | None = None  # (H, W), for backward
        self.output_shape: tuple[int, ...] | None = None  # for backward's check
        self.like: torch.Tensor | None = None  # an empty tensor of the input's dtype and device

    @property
    def tiles(self) -> bool:
        return self.stride == self.kernel_size

    def check_input(self, x: object) -> torch.Tensor:
        """Raise unless ``x`` is a float ``(N, C, H, W)`` batch at least as large as the kernel; keep ``(H, W)``."""
        check_image(type(self).__name__, x, None, self.kernel_size)
        self.input_size = tuple(x.shape[2:])
        return plain(x)

    def windows(self, x: torch.Tensor) -> torch.Tensor:
        """The windows of ``x``: ``(N, C, H_out, kh, W_out, kw)`` (a view) when they tile the image,
        else ``(N, C, kh·kw, H_out, W_out)`` (a copy)."""
        (kh, kw), (h, w) = self.kernel_size, tuple(x.shape[2:])
        if self.tiles:
            if h % kh or w % kw:
                x = x[:, :, : h - h % kh, : w - w % kw]  # the rows and columns that some window reaches
            return x.unflatten(3, (w // kw, kw)).unflatten(2, (h // kh, kh))
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
    On a tie the first maximal entry (in row-major order within the window) takes the gradient, as
    torch's ``max_pool2d`` on the CPU; in a window holding a NaN, whose maximum is then NaN, its last
    NaN takes it, as there too. Tiling windows: ``tile_max`` keeps each window's winner as the
    pixel's offset from the window's corner; backward scatters the gradient to the winners' pixels.
    """

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None) -> None:
        super().__init__(kernel_size, stride)
        self.pixel: torch.Tensor | None = None  # tiling windows: the flat index of each window's winner in x
        self.argmax: torch.Tensor | None = None  # other windows: the index of each maximum

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        win = self.windows(self.check_input(x))
        if self.tiles:
            (kh, kw), width = self.kernel_size, self.input_size[1]
            output, offset = tile_max(win, width)
            h_out, w_out = output.shape[2:]
            self.pixel = (offset + corners(h_out, w_out, kh * width, kw, output.device)).flatten(2)
        else:
            output, first = win.max(dim=2)  # the first maximum, or the first NaN
            area = win.shape[2]
            self.argmax = last_nan(output, first, win, lambda: torch.arange(area, device=win.device).view(-1, 1, 1), 2)
        self.output_shape, self.like = tuple(output.shape), output.new_empty(0)
        return output

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        grad_output = check_grad(type(self).__name__, self.output_shape, grad_output, like=self.like)
        n, c, h_out, w_out = grad_output.shape
        if self.tiles:
            grad_x = grad_output.new_zeros(n, c, *self.input_size)
            flat = (n, c, self.input_size[0] * self.input_size[1])  # explicit sizes: 0 images reshape too
            grad_x.view(flat).scatter_(2, self.pixel, grad_output.reshape(n, c, h_out * w_out))  # all to the winner
            return grad_x
        grad_windows = grad_output.new_zeros(n, c, self.kernel_size[0] * self.kernel_size[1], h_out, w_out)
        grad_windows.scatter_(2, self.argmax.unsqueeze(2), grad_output.unsqueeze(2))  # all to the winner
        return self.fold(grad_windows)


class AvgPool2d(Pool2d):
    """``y[n, c, i, j] = (1/(kh·kw)) Σ_{a, b} x[n, c, i·s_h + a, j·s_w + b]``.

    Backward: every input of the window gets ``∂ℓ/∂y / (kh·kw)``; overlapping windows add up.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        win = self.windows(self.check_input(x))
        output = win.mean(dim=(3, 5)) if self.tiles else win.mean(dim=2)
        self.output_shape, self.like = tuple(output.shape), output.new_empty(0)
        return output

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        grad_output = check_grad(type(self).__name__, self.output_shape, grad_output, like=self.like)
        area = self.kernel_size[0] * self.kernel_size[1]
        share = grad_output / area  # the same share for every input of the window
        if self.tiles:
            grad_x = grad_output.new_zeros(*grad_output.shape[:2], *self.input_size)
            blocks = self.windows(grad_x)  # a view of grad_x: this writes into it
            blocks.copy_(share[:, :, :, None, :, None].expand_as(blocks))
            return grad_x
        n, c, h_out, w_out = grad_output.shape
        return self.fold(share.unsqueeze(2).expand(n, c, area, h_out, w_out))


@lru_cache(maxsize=64)
def corners(h_out: int, w_out: int, row_step: int, col_step: int, device: torch.device) -> torch.Tensor:
    """The flat index ``i·row_step + j·col_step`` of each window's first pixel, ``(H_out, W_out)``;
    cached, since a network's poolings see the same shapes at every step (never written to)."""
    return torch.arange(h_out, device=device).view(-1, 1) * row_step + torch.arange(w_out, device=device) * col_step


def tile_max(win: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The maximum of each tiling window of ``win`` ``(N, C, H_out, kh, W_out, kw)``, and the offset
    ``a·width + b`` from the window's corner of the pixel that wins it, as torch's ``max_pool2d`` on the
    CPU picks it: visiting the positions in row-major order, a position takes the window where
    ``x > max so far`` or ``x`` is NaN. So the first maximal pixel wins, and in a window holding a NaN
    (whose maximum is NaN: ``torch.maximum`` lets it through, as torch's pooling) the last NaN wins.

    Each window position ``(a, b)`` is a strided view of ``x`` of the output's size. Where the maximum so
    far is a number, ``maximum(m, x) ≠ m`` exactly where ``x > m`` or ``x`` is NaN; the offsets grow in
    row-major order, so the largest offset that took is the last position that took: the winner. Once the
    maximum is NaN, ``NaN ≠ NaN`` makes every later position take, so ``last_nan`` gives those windows
    their last NaN's offset. (A ``max`` with indices over the view's two small dimensions finds the same
    winners more slowly; the performance chapter times both.)
    """
    kw = win.shape[5]
    positions = [view for row in win.unbind(3) for view in row.unbind(4)]  # row-major: (0, 0), (0, 1), …
    if len(positions) == 1:  # a 1×1 window: every pixel wins its own
        return positions[0].clone(), torch.zeros(positions[0].shape, dtype=torch.int64, device=win.device)
    output, offset = positions[0], None
    for p, view in enumerate(positions[1:], start=1):
        larger = torch.maximum(output, view)
        took = (larger != output).long().mul_((p // kw) * width + p % kw)  # this position's offset, or 0
        offset = took if offset is None else torch.maximum(offset, took)
        output = larger
    kh = win.shape[3]
    return output, last_nan(output, offset, win, lambda: corners(kh, kw, width, 1, win.device).view(kh, 1, kw), (3, 5))


def last_nan(output: torch.Tensor, index: torch.Tensor, win: torch.Tensor, place: Callable[[], torch.Tensor],
             dims: int | tuple[int, int]) -> torch.Tensor:
    """``index``, except in a window whose maximum is NaN: there the index of the window's last NaN, as
    torch's ``max_pool2d`` on the CPU picks it. ``place()`` gives each window entry's index, broadcast against
    ``win`` (called only when a NaN is there), and ``dims`` are the window's dimensions of ``win``.

    A NaN anywhere makes the output's sum NaN (so may +inf and -inf: harmless), one reduction instead of a
    test of every entry; off the CPU, waiting for that test would cost more than the repair.
    """
    if output.device.type == "cpu" and not math.isnan(output.sum().item()):
        return index
    return torch.where(output.isnan(), (win.isnan() * place()).amax(dim=dims), index)
