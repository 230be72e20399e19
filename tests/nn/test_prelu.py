"""PReLU: a learnt negative slope, against torch.nn.PReLU + autograd and finite differences."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl.verify import verify


@pytest.mark.parametrize("num, shape", [(1, (4, 5)), (1, (2, 3, 4, 4)), (3, (4, 3)), (3, (2, 3, 4, 4)), (1, (7,))])
def test_verify(num, shape, gen):
    prelu = minidl.PReLU(num)
    prelu.weight.value.uniform_(-0.5, 0.5, generator=gen)  # distinct slopes, some negative
    verify(prelu, torch.randn(shape, generator=gen), show=False)


@given(num=st.sampled_from([1, 3]), extra=st.lists(st.integers(1, 4), max_size=2), n=st.integers(1, 4),
       seed=st.integers(0, 2**16))
def test_matches_torch_prelu(num, extra, n, seed):
    gen = minidl.seeded(seed)
    x = torch.randn(n, 3, *extra, generator=gen, dtype=torch.float64)
    ref = torch.nn.PReLU(num, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.uniform_(-1, 1, generator=gen)
    prelu = minidl.PReLU(num, dtype=torch.float64)
    prelu.weight.value.copy_(ref.weight.detach())
    xr = x.clone().requires_grad_(True)
    expected = ref(xr)
    g = torch.randn(expected.shape, generator=gen, dtype=torch.float64)
    (expected * g).sum().backward()
    torch.testing.assert_close(prelu(x), expected.detach())
    torch.testing.assert_close(prelu.backward(g), xr.grad)
    torch.testing.assert_close(prelu.weight.grad, ref.weight.grad)


def test_slope_zero_is_relu_and_one_is_identity(gen):
    x = torch.randn(6, 4, generator=gen)
    prelu = minidl.PReLU(init=0.0)
    torch.testing.assert_close(prelu(x), minidl.ReLU()(x))
    prelu = minidl.PReLU(init=1.0)
    torch.testing.assert_close(prelu(x), x)


def test_slope_is_a_trained_parameter(gen):
    """The slope is in param(), gets a gradient and moves under SGD."""
    net = minidl.Sequential(minidl.Linear(2, 3, generator=gen), minidl.PReLU())
    assert [n for n, _ in net.named_param()] == ["0.weight", "0.bias", "1.weight"]
    x = torch.randn(8, 2, generator=gen)
    before = net[1].weight.value.clone()
    loss = minidl.MSELoss()
    loss(net(x), torch.zeros(8, 3))
    net.backward(loss.backward())
    assert net[1].weight.grad.abs().item() > 0
    minidl.SGD(net.param(), lr=0.1).step()
    assert net[1].weight.value.item() != before.item()


def test_gradients_accumulate(gen):
    prelu = minidl.PReLU(2, dtype=torch.float64)
    x = torch.randn(5, 2, generator=gen, dtype=torch.float64)
    g = torch.randn(5, 2, generator=gen, dtype=torch.float64)
    prelu(x)
    prelu.backward(g)
    once = prelu.weight.grad.clone()
    prelu.backward(g)
    torch.testing.assert_close(prelu.weight.grad, 2 * once)


def test_dtypes(dtype, gen):
    prelu = minidl.PReLU(3, dtype=dtype)
    out = prelu(torch.randn(2, 3, 4, generator=gen, dtype=dtype))
    assert out.dtype == dtype and prelu.backward(torch.ones_like(out)).dtype == dtype


def test_bad_input():
    with pytest.raises(ValueError, match=r"PReLU: 3 slopes need 3 channels in dimension 1, got .* \(4, 5\)"):
        minidl.PReLU(3)(torch.randn(4, 5))
    with pytest.raises(ValueError, match=r"PReLU: 3 slopes need 3 channels .* got input of shape \(3,\)"):
        minidl.PReLU(3)(torch.randn(3))
    with pytest.raises(ValueError, match="PReLU: num_parameters must be a positive int, got 0"):
        minidl.PReLU(0)
    with pytest.raises(TypeError, match="PReLU: input must be floating point"):
        minidl.PReLU()(torch.ones(2, 2, dtype=torch.long))
    prelu = minidl.PReLU()
    with pytest.raises(RuntimeError, match="PReLU: backward\\(\\) called before forward\\(\\)"):
        prelu.backward(torch.ones(2))
    prelu(torch.randn(2, 3))
    with pytest.raises(ValueError, match=r"PReLU: grad_output has shape \(3, 2\)"):
        prelu.backward(torch.ones(3, 2))
