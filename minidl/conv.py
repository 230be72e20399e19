"""``Conv2d``: the 2-D convolution (cross-correlation) of deep learning, as a ``Linear`` layer
applied to every image patch (im2col), with a hand-written backward."""

from __future__ import annotations

import math

import torch

from .checks import check_grad
from .im2col import check_image, fold, pad, pair, unpad, windows
from .module import Module
from .parameter import Parameter


class Conv2d(Module):
    r"""``s[n, o, i, j] = b_o + Σ_{c, a, b} W[o, c, a, b] · x̃[n, c, i·s_h + a, j·s_w + b]``,
    where ``x̃`` is the input ``(N, C, H, W)`` padded with zeros.

    im2col: gather the patch under each output position ``(n, i, j)`` into one row of a matrix
    ``X_col`` of shape ``(N·H_out·W_out, C·kh·kw)``, and flatten ``W`` to ``W_col``,
    ``(out_channels, C·kh·kw)``. The convolution is then ``Linear`` (eq. 1) on those rows:

        S_col = X_col W_colᵀ + b,

    and the backward pass is eq. (2) on the same rows, with ``G = ∂ℓ/∂S_col``:

        ∂ℓ/∂W_col = Gᵀ X_col,   ∂ℓ/∂b = Σ_rows G,   ∂ℓ/∂X_col = G W_col,

    after which ``fold`` (col2im) adds each patch's gradient back to the pixels it was read from,
    and the padding's share is dropped. Output size: ``H_out = ⌊(H + 2p_h − kh)/s_h⌋ + 1``.

    ``W`` has torch's layout ``(out_channels, in_channels, kh, kw)``. ``init="xavier"`` (the
    default) draws ``W`` from N(0, 2/(fan_in + fan_out)) with ``fan_in = C·kh·kw`` and
    ``fan_out = out_channels·kh·kw`` [Glorot & Bengio 2010]; ``"gaussian"`` draws N(0, 1) as the
    report's ``Linear`` does (far too large for a convolution). ``b`` is drawn from N(0, 1) in
    both cases, as in ``Linear``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        init: str = "xavier",
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        if not all(isinstance(c, int) and c > 0 for c in (in_channels, out_channels)):
            raise ValueError(f"Conv2d: channel counts must be positive ints, got ({in_channels}, {out_channels})")
        if init not in ("gaussian", "xavier"):
            raise ValueError(f"Conv2d: init must be 'gaussian' or 'xavier', got {init!r}")
        self.in_channels, self.out_channels, self.init = in_channels, out_channels, init
        self.kernel_size = pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = pair("Conv2d", "stride", stride, 1)
        self.padding = pair("Conv2d", "padding", padding, 0)
        area = self.kernel_size[0] * self.kernel_size[1]
        std = 1.0 if init == "gaussian" else math.sqrt(2.0 / ((in_channels + out_channels) * area))
        kw = dict(generator=generator, dtype=dtype, device=device)
        self.weight = Parameter(torch.randn(out_channels, in_channels, *self.kernel_size, **kw) * std)
        self.bias = Parameter(torch.randn(out_channels, **kw))
        self.cols: torch.Tensor | None = None
        self.output: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image("Conv2d", x, self.in_channels, self.kernel_size, self.padding)
        self.padded_size = (x.shape[2] + 2 * self.padding[0], x.shape[3] + 2 * self.padding[1])
        patches = windows(pad(x, self.padding), self.kernel_size, self.stride)  # (N, C, H_out, W_out, kh, kw)
        n, _, h_out, w_out = patches.shape[:4]
        self.cols = patches.permute(0, 2, 3, 1, 4, 5).reshape(n * h_out * w_out, -1)  # X_col, one patch a row
        w_col = self.weight.value.reshape(self.out_channels, -1)
        s_col = torch.addmm(self.bias.value, self.cols, w_col.T)  #        S_col = X_col W_colᵀ + b   (1)
        self.output = s_col.view(n, h_out, w_out, self.out_channels).permute(0, 3, 1, 2)
        return self.output

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        check_grad("Conv2d", self.output, grad_output)
        n, _, h_out, w_out = grad_output.shape
        g = grad_output.permute(0, 2, 3, 1).reshape(-1, self.out_channels)  # G, rows as in X_col
        w_col = self.weight.value.reshape(self.out_channels, -1)
        self.weight.grad.add_(g.T.mm(self.cols).view_as(self.weight.grad))  # ∂ℓ/∂W_col += Gᵀ X_col    (2)
        self.bias.grad.add_(g.sum(0))  #                                       ∂ℓ/∂b     += Σ_rows G   (2)
        grad_cols = g.mm(w_col)  #                                             ∂ℓ/∂X_col  = G W_col    (2)
        grad_patches = grad_cols.view(n, h_out, w_out, self.in_channels, *self.kernel_size).permute(0, 3, 1, 2, 4, 5)
        return unpad(fold(grad_patches, self.padded_size, self.stride), self.padding)  # col2im, drop the padding

    def param(self) -> list[Parameter]:
        return [self.weight, self.bias]

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, init={self.init!r}")
