"""MaxPool2d and AvgPool2d against torch.nn.functional + autograd, and finite differences."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl.verify import verify

POOLS = [(minidl.MaxPool2d, F.max_pool2d), (minidl.AvgPool2d, F.avg_pool2d)]
IDS = ["max", "avg"]


@pytest.mark.parametrize("cls, ref", POOLS, ids=IDS)
@pytest.mark.parametrize("kernel, stride", [(2, None), (3, 1), (3, 2), ((2, 3), (1, 2))])
def test_verify(cls, ref, kernel, stride, gen):
    verify(cls(kernel, stride), torch.randn(2, 3, 7, 6, generator=gen), show=False)


@pytest.mark.parametrize("cls, ref", POOLS, ids=IDS)
@given(
    n=st.integers(1, 3), c=st.integers(1, 3),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)),
    extra=st.tuples(st.integers(0, 5), st.integers(0, 5)),
    seed=st.integers(0, 2**16),
)
def test_shapes_and_values_match_torch(cls, ref, n, c, kernel, stride, extra, seed):
    gen = minidl.seeded(seed)
    pool = cls(kernel, stride)
    x = torch.randn(n, c, kernel[0] + extra[0], kernel[1] + extra[1], generator=gen, dtype=torch.float64)
    s = kernel if stride is None else stride
    out = pool(x)
    assert out.shape == (n, c, extra[0] // s[0] + 1, extra[1] // s[1] + 1)
    xr = x.clone().requires_grad_(True)
    expected = ref(xr, kernel, s)
    g = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    (expected * g).sum().backward()
    torch.testing.assert_close(out, expected.detach())
    torch.testing.assert_close(pool.backward(g), xr.grad)


@pytest.mark.parametrize("cls, ref", POOLS, ids=IDS)
def test_dtypes(cls, ref, dtype, gen):
    x = torch.randn(4, 3, 8, 8, generator=gen, dtype=dtype)
    pool = cls(2)
    out = pool(x)
    assert out.dtype == dtype and out.shape == (4, 3, 4, 4)
    torch.testing.assert_close(out, ref(x, 2))
    assert pool.backward(torch.ones_like(out)).dtype == dtype


def test_max_gradient_goes_to_the_winner():
    x = torch.tensor([[[[1.0, 5.0], [3.0, 2.0]]]])
    pool = minidl.MaxPool2d(2)
    assert pool(x).item() == 5.0
    torch.testing.assert_close(pool.backward(torch.tensor([[[[7.0]]]])), torch.tensor([[[[0.0, 7.0], [0.0, 0.0]]]]))


def test_max_tie_sends_gradient_once():
    """A window of equal values passes its gradient to one entry (the first), not to all of them."""
    pool = minidl.MaxPool2d(2)
    pool(torch.zeros(1, 1, 2, 2))
    grad = pool.backward(torch.ones(1, 1, 1, 1))
    torch.testing.assert_close(grad, torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]]))


@pytest.mark.parametrize("stride", [2, 1], ids=["tiling", "overlapping"])
def test_max_ties_as_torch_on_cpu(stride):
    """On ties (e.g. the zeros after a ReLU), the gradient goes where torch's CPU max_pool2d sends it."""
    x = torch.zeros(1, 1, 4, 4, requires_grad=True)
    out = F.max_pool2d(x, 2, stride)
    g = torch.arange(1.0, out.numel() + 1).view(out.shape)
    out.backward(g)
    pool = minidl.MaxPool2d(2, stride)
    pool(torch.zeros(1, 1, 4, 4))
    torch.testing.assert_close(pool.backward(g), x.grad)


def test_overlapping_windows_add_up(gen):
    """With stride 1, a pixel that wins several windows collects from each; an average shares with each."""
    x = torch.zeros(1, 1, 3, 3)
    x[0, 0, 1, 1] = 1.0  # the centre wins all four 2×2 windows
    pool = minidl.MaxPool2d(2, stride=1)
    pool(x)
    assert pool.backward(torch.ones(1, 1, 2, 2))[0, 0, 1, 1].item() == 4.0
    avg = minidl.AvgPool2d(2, stride=1)
    avg(x)
    torch.testing.assert_close(avg.backward(torch.ones(1, 1, 2, 2))[0, 0],
                               torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 4)


@pytest.mark.parametrize("cls", [minidl.MaxPool2d, minidl.AvgPool2d])
def test_uncovered_rows_get_zero_gradient(cls, gen):
    pool = cls(2)
    out = pool(torch.randn(1, 2, 5, 5, generator=gen))
    assert out.shape == (1, 2, 2, 2)
    grad = pool.backward(torch.ones_like(out))
    assert grad.shape == (1, 2, 5, 5)
    assert grad[:, :, 4, :].abs().sum() == 0 and grad[:, :, :, 4].abs().sum() == 0


def test_stride_defaults_to_kernel():
    assert minidl.MaxPool2d(3).stride == (3, 3) and minidl.AvgPool2d(2, 1).stride == (1, 1)
    assert repr(minidl.MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2))"


@pytest.mark.parametrize("cls", [minidl.MaxPool2d, minidl.AvgPool2d])
@pytest.mark.parametrize(
    "x, message",
    [
        (torch.randn(4, 8), r"input must be 4-D \(N, C, H, W\), got shape \(4, 8\)"),
        (torch.randn(2, 1, 1, 5), r"input of shape \(2, 1, 1, 5\) .* smaller than the 2×2 kernel"),
    ],
)
def test_bad_input(cls, x, message):
    with pytest.raises(ValueError, match=f"{cls.__name__}: {message}"):
        cls(2)(x)


@pytest.mark.parametrize("cls", [minidl.MaxPool2d, minidl.AvgPool2d])
def test_bad_arguments_and_order(cls):
    with pytest.raises(ValueError, match=f"{cls.__name__}: kernel_size must be an int ≥ 1"):
        cls(0)
    with pytest.raises(ValueError, match=f"{cls.__name__}: stride must be an int ≥ 1"):
        cls(2, stride=-1)
    with pytest.raises(TypeError, match=f"{cls.__name__}: input must be floating point"):
        cls(2)(torch.ones(1, 1, 4, 4, dtype=torch.int32))
    pool = cls(2)
    with pytest.raises(RuntimeError, match=f"{cls.__name__}: backward\\(\\) called before forward\\(\\)"):
        pool.backward(torch.ones(1, 1, 2, 2))
    pool(torch.randn(1, 1, 4, 4))
    with pytest.raises(ValueError, match=f"{cls.__name__}: grad_output has shape \\(1, 1, 4, 4\\)"):
        pool.backward(torch.ones(1, 1, 4, 4))


@pytest.mark.parametrize("kernel", [2, (2, 3)])
def test_tiling_max_pool_matches_torch_with_many_ties(kernel, gen):
    """Small integers make ties in most windows; rows and columns left over get no gradient."""
    x = torch.randint(0, 3, (2, 3, 7, 8), generator=gen).double().requires_grad_(True)
    out = F.max_pool2d(x, kernel)
    g = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    out.backward(g)
    pool = minidl.MaxPool2d(kernel)
    torch.testing.assert_close(pool(x.detach()), out.detach())
    torch.testing.assert_close(pool.backward(g), x.grad)


@pytest.mark.parametrize("cls", [minidl.MaxPool2d, minidl.AvgPool2d])
def test_tiling_windows_are_a_view(cls, gen):
    """Windows that tile the image are read in place: no copy of the input."""
    x = torch.randn(2, 3, 6, 5, generator=gen)
    assert cls(2).windows(x).data_ptr() == x.data_ptr() and cls(2).windows(x).shape == (2, 3, 3, 2, 2, 2)
    assert cls(2, stride=1).windows(x).data_ptr() != x.data_ptr()  # overlapping windows: the general path


@pytest.mark.parametrize("cls", [minidl.MaxPool2d, minidl.AvgPool2d])
@pytest.mark.parametrize("stride", [None, 1])
def test_a_batch_of_no_images(cls, stride):
    pool = cls(2, stride)
    out = pool(torch.randn(0, 3, 4, 4))
    assert pool.backward(torch.zeros(out.shape)).shape == (0, 3, 4, 4)


@pytest.mark.parametrize("kernel, stride", [(2, None), ((2, 3), None), (3, 1)])
def test_max_pool_lets_a_nan_through_as_torch(kernel, stride, gen):
    """A NaN in a window makes that window's maximum NaN, in both paths; the other windows are unchanged."""
    x = torch.randn(2, 3, 6, 6, generator=gen)
    x[0, 1, 2, 3] = x[1, 2, 0, 0] = float("nan")
    out = minidl.MaxPool2d(kernel, stride)(x)
    torch.testing.assert_close(out, F.max_pool2d(x, kernel, stride), equal_nan=True)
    assert out.isnan().any()


def test_one_by_one_tiling_max_pool_is_the_identity(gen):
    x = torch.randn(2, 3, 4, 5, generator=gen)
    pool = minidl.MaxPool2d(1)
    out = pool(x)
    assert torch.equal(out, x) and out.data_ptr() != x.data_ptr()  # a copy: the output is the layer's own
    g = torch.randn(out.shape, generator=gen)
    assert torch.equal(pool.backward(g), g)


def windows_of(patterns: list[list[float]]) -> torch.Tensor:
    """One 2×2 window per pattern (its four pixels in row-major order), side by side: ``(1, 1, 2, 2·len)``."""
    return torch.tensor(patterns, dtype=torch.float64).view(-1, 2, 2).permute(1, 0, 2).reshape(1, 1, 2, -1)


NAN, INF = float("nan"), float("inf")
PATTERNS = {  # each window's pixels, row-major
    "one NaN at each position": [[NAN, 1, 2, 3], [1, NAN, 2, 3], [1, 2, NAN, 3], [3, 2, 1, NAN]],
    "two NaNs": [[NAN, NAN, 2, 3], [NAN, 1, NAN, 3], [NAN, 1, 2, NAN], [1, NAN, NAN, 3], [1, NAN, 2, NAN],
                 [1, 2, NAN, NAN]],
    "three and four NaNs": [[NAN, NAN, NAN, 3], [1, NAN, NAN, NAN], [NAN, NAN, NAN, NAN]],
    "ties": [[3, 3, 1, 1], [1, 3, 2, 3], [0, 0, 0, 0], [2, 1, 2, 2]],
    "infinities": [[INF, 1, 2, INF], [-INF, -INF, -INF, -INF], [1, INF, NAN, 2], [NAN, -INF, INF, 0]],
}


@pytest.mark.parametrize("kind", PATTERNS)
def test_tiling_max_gradient_goes_where_torch_sends_it(kind):
    """The gradient of a window goes to the pixel torch's CPU max_pool2d picks: the first maximal one, or,
    in a window holding a NaN, its last NaN (torch takes a position where ``x > max so far or isnan(x)``)."""
    x = windows_of(PATTERNS[kind]).requires_grad_(True)
    out = F.max_pool2d(x, 2)
    g = torch.arange(1.0, out.numel() + 1, dtype=torch.float64).view(out.shape)
    out.backward(g)
    pool = minidl.MaxPool2d(2)
    torch.testing.assert_close(pool(x.detach()), out.detach(), equal_nan=True)
    torch.testing.assert_close(pool.backward(g), x.grad)


@pytest.mark.parametrize("kernel, stride", [(2, None), ((2, 3), None), (3, None), (2, 1), (3, (2, 1))])
def test_max_pool_with_many_nans_matches_torch(kernel, stride, gen):
    """Random NaNs among small integers (ties), tiling windows and overlapping ones: every window's
    gradient lands where torch's lands."""
    x = torch.randint(0, 3, (2, 3, 7, 9), generator=gen).double()
    x[torch.rand(x.shape, generator=gen) < 0.3] = NAN
    x.requires_grad_(True)
    out = F.max_pool2d(x, kernel, stride)
    g = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    out.backward(g)
    pool = minidl.MaxPool2d(kernel, stride)
    torch.testing.assert_close(pool(x.detach()), out.detach(), equal_nan=True)
    torch.testing.assert_close(pool.backward(g), x.grad)
