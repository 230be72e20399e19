"""Image windows by tensor views (im2col), and their adjoint (col2im): the shared core of
``Conv2d``, ``MaxPool2d`` and ``AvgPool2d`` (their argument checks are in ``minidl.checks``)."""

from __future__ import annotations

import math
from functools import lru_cache

import torch


def pad(x: torch.Tensor, padding: tuple[int, int]) -> torch.Tensor:
    """``x`` with ``padding`` rows of zeros above and below, and columns left and right."""
    ph, pw = padding
    if ph == pw == 0:
        return x
    n, c, h, w = x.shape
    out = x.new_zeros(n, c, h + 2 * ph, w + 2 * pw)
    out[:, :, ph : ph + h, pw : pw + w] = x
    return out


def unpad(x: torch.Tensor, padding: tuple[int, int]) -> torch.Tensor:
    """The adjoint of ``pad``: the gradient that reaches the padding zeros is dropped."""
    ph, pw = padding
    return x[:, :, ph : x.shape[2] - ph, pw : x.shape[3] - pw]


def windows(x: torch.Tensor, kernel: tuple[int, int], stride: tuple[int, int]) -> torch.Tensor:
    """Every ``kh×kw`` window of ``x`` ``(N, C, H, W)``, as a view ``(N, C, kh, kw, H_out, W_out)``:

        windows(x)[n, c, a, b, i, j] = x[n, c, i·s_h + a, j·s_w + b],

    with ``H_out = ⌊(H − kh)/s_h⌋ + 1`` (same for W). No data is copied: ``Tensor.unfold`` only
    changes the strides. Kernel offsets come before output positions: a reshape to
    ``(N, C·kh·kw, H_out·W_out)`` gives each image's im2col matrix, one patch per column (the layout
    of torch's ``F.unfold``). Rows or columns that no window reaches are left out.
    """
    return x.unfold(2, kernel[0], stride[0]).unfold(3, kernel[1], stride[1]).permute(0, 1, 4, 5, 2, 3)


def fold(grad_windows: torch.Tensor, size: tuple[int, int], stride: tuple[int, int]) -> torch.Tensor:
    """The adjoint of ``windows`` (col2im): ``(…, kh, kw, H_out, W_out)`` → ``(…, H, W)``, for any
    leading dimensions (``N, C`` for a pooling and for ``Conv2d``).

    Input pixel ``x[…, y, x]`` was read by every window that covers it, so its gradient is the
    sum of what those windows send back:

        ∂ℓ/∂x[…, y, x] = Σ_{i·s_h + a = y, j·s_w + b = x} grad_windows[…, a, b, i, j].

    Windows that do not overlap (stride ≥ kernel) read each pixel at most once: one copy into the
    windows view of the zero gradient. Overlapping ones: one ``scatter_add_``, each entry added to
    the pixel ``(i·s_h + a)·W + j·s_w + b`` that it was read from.
    """
    *lead, kh, kw, h_out, w_out = grad_windows.shape
    out = grad_windows.new_zeros(*lead, *size)
    if stride[0] >= kh and stride[1] >= kw:
        windows(out, (kh, kw), stride).copy_(grad_windows)  # a view of out: this writes into out
        return out
    pixel = read_pixels((kh, kw), (h_out, w_out), stride, size[1], grad_windows.device)
    flat = grad_windows.reshape(math.prod(lead), pixel.shape[1])  # explicit rows: 0 images reshape too
    return out.view(flat.shape[0], size[0] * size[1]).scatter_add_(1, pixel.expand_as(flat), flat).view(out.shape)


def fold_rows(grad_rows: torch.Tensor, size: tuple[int, int], stride: tuple[int, int]) -> torch.Tensor:
    """col2im with the channels last: ``(N, H_out, W_out, kh, kw, C)`` → ``(N, H, W, C)``, the same sum as ``fold``,

        out[n, y, x, c] = Σ_{i·s_h + a = y, j·s_w + b = x} grad_rows[n, i, j, a, b, c],

    as one ``index_add_`` along the ``(i, j, a, b)`` dimension: each entry adds a row of C channels to the
    pixel it was read from.
    """
    n, h_out, w_out, kh, kw, c = grad_rows.shape
    pixel = pixels_by_position((kh, kw), (h_out, w_out), stride, size[1], grad_rows.device)
    out = grad_rows.new_zeros(n, size[0] * size[1], c)
    # Rows of C contiguous numbers: index_add_ adds them as vectors, faster than fold's scatter_add_ of
    # single numbers (for Conv2d's backward; the performance chapter times both).
    out.index_add_(1, pixel, grad_rows.reshape(n, pixel.numel(), c))  # explicit sizes: 0 images reshape too
    return out.view(n, *size, c)


@lru_cache(maxsize=64)
def pixels_by_position(kernel: tuple[int, int], out_size: tuple[int, int], stride: tuple[int, int], width: int,
                       device: torch.device) -> torch.Tensor:
    """``read_pixels`` in the order ``(i, j, a, b)`` (output position first), 1-D; cached, never written to."""
    pixel = read_pixels(kernel, out_size, stride, width, device).view(*kernel, *out_size)
    return pixel.permute(2, 3, 0, 1).reshape(-1)


@lru_cache(maxsize=64)
def read_pixels(kernel: tuple[int, int], out_size: tuple[int, int], stride: tuple[int, int], width: int,
                device: torch.device) -> torch.Tensor:
    """``(1, kh·kw·H_out·W_out)``: for entry ``(a, b, i, j)`` of the windows, the flat index
    ``(i·s_h + a)·W + j·s_w + b`` of the pixel it read. Cached (the shapes repeat every step); never written to."""
    (kh, kw), (h_out, w_out) = kernel, out_size
    rows = torch.arange(kh).view(kh, 1, 1, 1) + stride[0] * torch.arange(h_out).view(1, 1, h_out, 1)
    cols = torch.arange(kw).view(1, kw, 1, 1) + stride[1] * torch.arange(w_out).view(1, 1, 1, w_out)
    return (rows * width + cols).to(device).view(1, -1)
