"""Conv2d (and the im2col helpers under it) against torch.nn.functional.conv2d + autograd, and finite differences."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl.nn.im2col import fold, fold_rows, windows
from minidl.verify import verify


def autograd_conv(conv: minidl.Conv2d, x: torch.Tensor, g: torch.Tensor):
    """Output and gradients of the same convolution by F.conv2d and autograd."""
    xr = x.detach().clone().requires_grad_(True)
    w = conv.weight.value.detach().clone().requires_grad_(True)
    b = conv.bias.value.detach().clone().requires_grad_(True)
    out = F.conv2d(xr, w, b, stride=conv.stride, padding=conv.padding)
    (out * g).sum().backward()
    return out.detach(), xr.grad, w.grad, b.grad


@pytest.mark.parametrize(
    "kernel, stride, padding", [(3, 1, 0), (3, 1, 1), (3, 2, 1), ((2, 3), (1, 2), (0, 1)), (1, 1, 0)]
)
def test_verify(kernel, stride, padding, gen):
    conv = minidl.Conv2d(2, 3, kernel, stride, padding, generator=gen)
    verify(conv, torch.randn(2, 2, 6, 5, generator=gen), show=False)


@given(
    n=st.integers(1, 3), c=st.integers(1, 3), o=st.integers(1, 3),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    extra=st.tuples(st.integers(0, 5), st.integers(0, 5)),
    seed=st.integers(0, 2**16),
)
def test_shapes_and_values_match_torch(n, c, o, kernel, stride, padding, extra, seed):
    gen = minidl.seeded(seed)
    h, w = (max(1, k + e - 2 * p) for k, e, p in zip(kernel, extra, padding, strict=True))
    conv = minidl.Conv2d(c, o, kernel, stride, padding, generator=gen, dtype=torch.float64)
    x = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64)
    out = conv(x)
    expected_shape = (n, o, *((s + 2 * p - k) // st_ + 1 for s, p, k, st_ in
                              zip((h, w), padding, kernel, stride, strict=True)))
    assert out.shape == expected_shape
    g = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    ref_out, ref_x, ref_w, ref_b = autograd_conv(conv, x, g)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(conv.backward(g), ref_x)
    torch.testing.assert_close(conv.weight.grad, ref_w)
    torch.testing.assert_close(conv.bias.grad, ref_b)


def test_dtypes(dtype, gen):
    conv = minidl.Conv2d(3, 4, 3, padding=1, generator=gen, dtype=dtype)
    x = torch.randn(5, 3, 8, 8, generator=gen, dtype=dtype)
    out = conv(x)
    assert out.dtype == dtype and out.device == x.device
    g = torch.randn(out.shape, generator=gen, dtype=dtype)
    ref_out, ref_x, ref_w, ref_b = autograd_conv(conv, x, g)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == torch.float32 else {}  # sums of 320 float32 products
    torch.testing.assert_close(out, ref_out, **tol)
    torch.testing.assert_close(conv.backward(g), ref_x, **tol)
    torch.testing.assert_close(conv.weight.grad, ref_w, **tol)


def test_half_precision_runs(gen):
    conv = minidl.Conv2d(2, 2, 3, generator=gen, dtype=torch.bfloat16)
    out = conv(torch.randn(2, 2, 5, 5, generator=gen).bfloat16())
    assert out.dtype == torch.bfloat16 and conv.backward(torch.ones_like(out)).shape == (2, 2, 5, 5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda(gen):
    conv = minidl.Conv2d(3, 4, 3, padding=1, generator=gen).to("cuda")
    x = torch.randn(5, 3, 8, 8, generator=gen)
    out = conv(x.cuda())
    g = torch.randn(out.shape, generator=gen)
    grad_x = conv.backward(g.cuda())
    cpu = minidl.Conv2d(3, 4, 3, padding=1)
    cpu.load_state_dict({k: v.cpu() for k, v in conv.state_dict().items()})
    torch.testing.assert_close(out.cpu(), cpu(x), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(grad_x.cpu(), cpu.backward(g), rtol=1e-4, atol=1e-4)


def test_gradients_accumulate(gen):
    conv = minidl.Conv2d(2, 3, 3, generator=gen, dtype=torch.float64)
    x = torch.randn(2, 2, 5, 5, generator=gen, dtype=torch.float64)
    g = torch.randn(conv(x).shape, generator=gen, dtype=torch.float64)
    conv.backward(g)
    once = conv.weight.grad.clone(), conv.bias.grad.clone()
    conv.forward(x)
    conv.backward(g)
    torch.testing.assert_close(conv.weight.grad, 2 * once[0])
    torch.testing.assert_close(conv.bias.grad, 2 * once[1])


def test_batch_is_per_sample(gen):
    """A mini-batch gives each sample the output it would get alone, and sums the weight gradients."""
    conv = minidl.Conv2d(2, 3, 3, padding=1, generator=gen, dtype=torch.float64)
    x = torch.randn(4, 2, 5, 5, generator=gen, dtype=torch.float64)
    g = torch.randn(4, 3, 5, 5, generator=gen, dtype=torch.float64)
    batch_out = conv(x)
    conv.backward(g)
    batch_grad = conv.weight.grad.clone()
    conv.zero_grad()
    for i in range(4):
        torch.testing.assert_close(conv(x[i : i + 1]), batch_out[i : i + 1])
        conv.backward(g[i : i + 1])
    torch.testing.assert_close(conv.weight.grad, batch_grad)


def test_weight_layout_is_torchs(gen):
    conv = minidl.Conv2d(3, 5, (2, 4), generator=gen)
    assert conv.weight.shape == (5, 3, 2, 4) and conv.bias.shape == (5,)
    assert [n for n, _ in conv.named_param()] == ["weight", "bias"]
    assert "kernel_size=(2, 4)" in repr(conv)


def test_xavier_scale():
    conv = minidl.Conv2d(16, 32, 3, generator=minidl.seeded(1))
    expected = (2 / ((16 + 32) * 9)) ** 0.5
    assert abs(conv.weight.value.std().item() / expected - 1) < 0.05


def test_windows_is_a_view_and_fold_is_its_adjoint(gen):
    """<fold(G), X> = <G, windows(X)> for every X and G: fold is the transpose of windows."""
    x = torch.randn(2, 3, 7, 6, generator=gen, dtype=torch.float64)
    win = windows(x, (3, 2), (2, 1))
    assert win.data_ptr() == x.data_ptr() and win.shape == (2, 3, 3, 2, 3, 5)
    g = torch.randn(win.shape, generator=gen, dtype=torch.float64)
    torch.testing.assert_close((fold(g, (7, 6), (2, 1)) * x).sum(), (g * win).sum())


@pytest.mark.parametrize("stride", [(1, 1), (2, 1), (1, 3)])
def test_fold_rows_is_fold_with_the_channels_last(stride, gen):
    """fold_rows (Conv2d's col2im) adds what fold adds, laid out (N, H_out, W_out, kh, kw, C) → (N, H, W, C)."""
    g = torch.randn(2, 3, 3, 2, 4, 3, generator=gen, dtype=torch.float64)  # (N, C, kh, kw, H_out, W_out)
    size = ((4 - 1) * stride[0] + 3, (3 - 1) * stride[1] + 2)
    rows = fold_rows(g.permute(0, 4, 5, 2, 3, 1), size, stride)
    torch.testing.assert_close(rows.permute(0, 3, 1, 2), fold(g, size, stride))


@pytest.mark.parametrize(
    "x, message",
    [
        (torch.randn(5, 3), r"Conv2d: input must be 4-D \(N, C, H, W\), got shape \(5, 3\)"),
        (torch.randn(3, 6, 6), r"Conv2d: input must be 4-D .* got shape \(3, 6, 6\)"),
        (torch.randn(2, 4, 6, 6), r"Conv2d: expected 3 input channels, got input of shape \(2, 4, 6, 6\)"),
        (torch.randn(2, 3, 2, 6), r"Conv2d: input of shape \(2, 3, 2, 6\) .* smaller than the 3×3 kernel"),
    ],
)
def test_bad_input(x, message, gen):
    with pytest.raises(ValueError, match=message):
        minidl.Conv2d(3, 2, 3, generator=gen)(x)


def test_integer_input(gen):
    with pytest.raises(TypeError, match="Conv2d: input must be floating point, got dtype torch.int64"):
        minidl.Conv2d(1, 1, 2, generator=gen)(torch.ones(1, 1, 3, 3, dtype=torch.long))


def test_padding_makes_small_input_fit(gen):
    assert minidl.Conv2d(1, 1, 3, padding=1, generator=gen)(torch.randn(1, 1, 1, 1)).shape == (1, 1, 1, 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(in_channels=0, out_channels=2, kernel_size=3), "Conv2d: channel counts must be positive ints"),
        (dict(in_channels=1, out_channels=2, kernel_size=0), "Conv2d: kernel_size must be an int ≥ 1"),
        (dict(in_channels=1, out_channels=2, kernel_size=(3, 3, 3)), "Conv2d: kernel_size must be"),
        (dict(in_channels=1, out_channels=2, kernel_size=2.5), "Conv2d: kernel_size must be"),
        (dict(in_channels=1, out_channels=2, kernel_size=3, stride=0), "Conv2d: stride must be an int ≥ 1"),
        (dict(in_channels=1, out_channels=2, kernel_size=3, padding=-1), "Conv2d: padding must be an int ≥ 0"),
        (dict(in_channels=1, out_channels=2, kernel_size=3, init="he"), "Conv2d: init must be"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        minidl.Conv2d(**kwargs)


def test_backward_checks(gen):
    conv = minidl.Conv2d(1, 2, 3, generator=gen)
    with pytest.raises(RuntimeError, match="Conv2d: backward\\(\\) called before forward\\(\\)"):
        conv.backward(torch.ones(1, 2, 2, 2))
    conv(torch.randn(1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"Conv2d: grad_output has shape \(1, 2, 3, 3\), but forward\(\) returned "
                                         r"shape \(1, 2, 2, 2\)"):
        conv.backward(torch.ones(1, 2, 3, 3))


def test_first_layer_skips_the_input_gradient(gen):
    conv = minidl.Conv2d(2, 3, 3, padding=1, generator=gen, dtype=torch.float64, needs_input_grad=False)
    x = torch.randn(2, 2, 5, 5, generator=gen, dtype=torch.float64)
    g = torch.randn(conv(x).shape, generator=gen, dtype=torch.float64)
    assert conv.backward(g) is None
    _, _, ref_w, ref_b = autograd_conv(conv, x, g)
    torch.testing.assert_close(conv.weight.grad, ref_w)
    torch.testing.assert_close(conv.bias.grad, ref_b)
    assert "needs_input_grad=False" in repr(conv)


@pytest.mark.parametrize("stride", [1, 2])
def test_a_batch_of_no_images(stride):
    conv = minidl.Conv2d(2, 3, 3, stride, padding=1)
    out = conv(torch.randn(0, 2, 5, 5))
    assert conv.backward(torch.zeros(out.shape)).shape == (0, 2, 5, 5)
