"""``Conv2d``: the 2-D convolution (cross-correlation) of deep learning, as a ``Linear`` layer
applied to every image patch (im2col), with a hand-written backward."""

from __future__ import annotations

import math

import torch

from ..checks import check_grad, check_image, check_tensor, pair
from ..module import Module
from ..parameter import Parameter
from .im2col import fold_rows, pad, unpad, windows


class Conv2d(Module):
    r"""``s[n, o, i, j] = b_o + Σ_{c, a, b} W[o, c, a, b] · x̃[n, c, i·s_h + a, j·s_w + b]``,
    where ``x̃`` is the input ``(N, C, H, W)`` padded with zeros.

    im2col: gather the patch under each output position ``(i, j)`` of image ``n`` into one column of
    that image's matrix ``X_col[n]``, of shape ``(C·kh·kw, H_out·W_out)``, and flatten ``W`` to
    ``W_col``, ``(out_channels, C·kh·kw)``. The convolution is then one matrix product per image
    (one batched call), ``Linear`` (eq. 1) applied to every patch, in the column convention:

        S_col[n] = W_col X_col[n] + b,

    and ``S_col[n]``, ``(out_channels, H_out·W_out)``, is already image ``n`` of the output. The
    backward pass is eq. (2) on the same columns, with ``G[n] = ∂ℓ/∂S_col[n]``:

        ∂ℓ/∂W_col = Σ_n G[n] X_col[n]ᵀ,   ∂ℓ/∂b = Σ_{n, columns} G[n],   ∂ℓ/∂X_col[n] = W_colᵀ G[n],

    after which col2im (``fold_rows``) adds each patch's gradient back to the pixels it was read from,
    and the padding's share is dropped. Output size: ``H_out = ⌊(H + 2p_h − kh)/s_h⌋ + 1``.

    ``W`` has torch's layout ``(out_channels, in_channels, kh, kw)``. ``init="xavier"`` (the
    default) draws ``W`` from N(0, 2/(fan_in + fan_out)) with ``fan_in = C·kh·kw`` and
    ``fan_out = out_channels·kh·kw`` [Glorot & Bengio 2010]; ``"gaussian"`` draws N(0, 1) as the
    report's ``Linear`` does (far too large for a convolution). ``b`` is drawn from N(0, 1) in
    both cases, as in ``Linear``.

    ``needs_input_grad=False`` is for a network's first layer, as in ``Linear``: ``backward`` then
    skips ``∂ℓ/∂X_col`` and col2im, and returns ``None``. ``Sequential.backward`` does the same for
    its first layer by default, with no flag.
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
        needs_input_grad: bool = True,
    ) -> None:
        if not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in (in_channels, out_channels)):
            raise ValueError(f"{type(self).__name__}: channel counts must be positive ints, "
                             f"got ({in_channels}, {out_channels})")
        if init not in ("gaussian", "xavier"):
            raise ValueError(f"{type(self).__name__}: init must be 'gaussian' or 'xavier', got {init!r}")
        self.in_channels, self.out_channels, self.init = in_channels, out_channels, init
        self.kernel_size = pair(type(self).__name__, "kernel_size", kernel_size, 1)
        self.stride = pair(type(self).__name__, "stride", stride, 1)
        self.padding = pair(type(self).__name__, "padding", padding, 0)
        area = self.kernel_size[0] * self.kernel_size[1]
        std = 1.0 if init == "gaussian" else math.sqrt(2.0 / ((in_channels + out_channels) * area))
        kw = dict(generator=generator, dtype=dtype, device=device)
        self.weight = Parameter(torch.randn(out_channels, in_channels, *self.kernel_size, **kw) * std)
        self.bias = Parameter(torch.randn(out_channels, **kw))
        self.needs_input_grad = needs_input_grad
        self.cols: torch.Tensor | None = None
        self.output_shape: tuple[int, ...] | None = None  # for backward's check
        self.padded_size: tuple[int, int] | None = None  # (H + 2p_h, W + 2p_w), for col2im

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image(type(self).__name__, x, self.in_channels, self.kernel_size, self.padding)
        x = check_tensor(type(self).__name__, x, like=self.weight.value)
        x = pad(x, self.padding)
        self.padded_size = tuple(x.shape[2:])
        patches = windows(x, self.kernel_size, self.stride)  #        a view (N, C, kh, kw, H_out, W_out)
        n, h_out, w_out = x.shape[0], patches.shape[4], patches.shape[5]
        self.cols = patches.reshape(n, self.weight.value[0].numel(), h_out * w_out)  # X_col[n]: the one copy
        w_col = self.weight.value.reshape(self.out_channels, -1).expand(n, -1, -1)
        s_col = torch.baddbmm(self.bias.value.view(-1, 1), w_col, self.cols)  # S_col[n] = W_col X_col[n] + b  (1)
        output = s_col.view(n, self.out_channels, h_out, w_out)
        self.output_shape = tuple(output.shape)
        return output

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor | None:
        grad_output = check_grad(type(self).__name__, self.output_shape, grad_output, like=self.weight.value)
        n, _, h_out, w_out = grad_output.shape
        g = grad_output.reshape(n, self.out_channels, h_out * w_out)  #  G[n], columns as in X_col[n]
        grad_w = torch.bmm(g, self.cols.transpose(1, 2)).sum(0)  #      Σ_n G[n] X_col[n]ᵀ
        self.weight.grad.add_(grad_w.view_as(self.weight.grad))  #      ∂ℓ/∂W_col += Σ_n G[n] X_col[n]ᵀ  (2)
        self.bias.grad.add_(g.sum(dim=(0, 2)))  #                        ∂ℓ/∂b     += Σ_{n, columns} G  (2)
        if not self.needs_input_grad:
            return None
        # Transposed, with W_col's columns ordered (a, b, c): each patch entry's C channels then lie side by side,
        # and col2im adds them as rows (fold_rows), faster than single numbers (fold); the performance chapter
        # times both.
        w_col = self.weight.value.permute(0, 2, 3, 1).reshape(self.out_channels, -1)
        grad_cols = torch.matmul(g.transpose(1, 2), w_col)  #          (∂ℓ/∂X_col[n])ᵀ = G[n]ᵀ W_col  (2)
        grad_rows = grad_cols.view(n, h_out, w_out, *self.kernel_size, self.in_channels)
        grad_x = fold_rows(grad_rows, self.padded_size, self.stride)  # col2im: (N, H, W, C), channels last
        return unpad(grad_x.permute(0, 3, 1, 2), self.padding)  #        as (N, C, H, W); drop the padding

    def param(self) -> list[Parameter]:
        return [self.weight, self.bias]

    def extra_repr(self) -> str:
        skip = "" if self.needs_input_grad else ", needs_input_grad=False"
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, init={self.init!r}{skip}")
