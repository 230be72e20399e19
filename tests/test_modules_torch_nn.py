"""Each module's forward (and backward) against its torch.nn equivalent, and the facts particular to one
module: ReLU's derivative at 0, Softmax's Jacobian, Linear's parameters and initialisations, and the
report's network. Every module against autograd and finite differences: tests/test_modules.py."""

from __future__ import annotations

import pytest
import torch

import minidl
from minidl.models import report_net

F64 = torch.float64


# -- against torch.nn ---------------------------------------------------------------------

@pytest.mark.parametrize("init", ["gaussian", "xavier"])
def test_linear_matches_torch_nn_linear(init, gen):
    lin = minidl.Linear(3, 4, init=init, generator=gen, dtype=F64)
    ref = torch.nn.Linear(3, 4, dtype=F64)
    with torch.no_grad():
        ref.weight.copy_(lin.weight.value.T)  # torch.nn stores W as (out, in)
        ref.bias.copy_(lin.bias.value)
    x = torch.randn(6, 3, generator=gen, dtype=F64)
    g = torch.randn(6, 4, generator=gen, dtype=F64)
    xr = x.clone().requires_grad_(True)
    out = ref(xr)
    out.backward(g)
    torch.testing.assert_close(lin(x), out.detach())
    torch.testing.assert_close(lin.backward(g), xr.grad)
    torch.testing.assert_close(lin.weight.grad, ref.weight.grad.T)
    torch.testing.assert_close(lin.bias.grad, ref.bias.grad)


@pytest.mark.parametrize(
    "module, reference",
    [(minidl.Tanh, torch.nn.Tanh), (minidl.ReLU, torch.nn.ReLU), (minidl.Softmax, lambda: torch.nn.Softmax(dim=1))],
    ids=["tanh", "relu", "softmax"],
)
def test_activation_matches_torch_nn(module, reference, gen, dtype):
    x = torch.randn(7, 5, generator=gen, dtype=dtype) * 3
    g = torch.randn(7, 5, generator=gen, dtype=dtype)
    xr = x.clone().requires_grad_(True)
    out = reference()(xr)
    out.backward(g)
    m = module()
    y = m(x)
    assert y.dtype == dtype
    torch.testing.assert_close(y, out.detach())
    torch.testing.assert_close(m.backward(g), xr.grad)


def test_forward_matches_torch_functions(gen):
    x = torch.randn(6, 5, generator=gen, dtype=F64) * 4
    torch.testing.assert_close(minidl.Tanh()(x), torch.tanh(x))
    torch.testing.assert_close(minidl.ReLU()(x), torch.relu(x))
    torch.testing.assert_close(minidl.Softmax()(x), torch.softmax(x, dim=1))


def test_report_net_matches_torch_nn_sequential(gen):
    net = report_net(softmax=True, generator=gen, dtype=F64)
    layers = []
    for m in net.modules:
        if isinstance(m, minidl.Linear):
            lin = torch.nn.Linear(m.in_features, m.out_features, dtype=F64)
            with torch.no_grad():
                lin.weight.copy_(m.weight.value.T)
                lin.bias.copy_(m.bias.value)
            layers.append(lin)
        else:
            layers.append({minidl.Tanh: torch.nn.Tanh(), minidl.Softmax: torch.nn.Softmax(dim=1)}[type(m)])
    ref = torch.nn.Sequential(*layers)
    x = torch.rand(8, 2, generator=gen, dtype=F64)
    torch.testing.assert_close(net(x), ref(x).detach())


# -- module-specific facts ------------------------------------------------------------------

def test_relu_derivative_at_zero_is_one():
    relu = minidl.ReLU()
    x = torch.tensor([[-1.0, 0.0, 2.0]])
    relu(x)
    g = torch.tensor([[5.0, 6.0, 7.0]])
    torch.testing.assert_close(relu.backward(g), torch.tensor([[0.0, 6.0, 7.0]]))


def test_softmax_jacobian_matches_autograd(gen):
    s = torch.randn(3, 4, generator=gen, dtype=F64)
    p = minidl.Softmax()(s)
    J = minidl.Softmax.jacobian(p)
    for n in range(3):
        ref = torch.autograd.functional.jacobian(lambda row: torch.softmax(row, dim=0), s[n])
        torch.testing.assert_close(J[n], ref)


def test_softmax_backward_is_the_jacobian_contracted(gen):
    s = torch.randn(3, 4, generator=gen, dtype=F64)
    g = torch.randn(3, 4, generator=gen, dtype=F64)
    sm = minidl.Softmax()
    p = sm(s)
    # ∂ℓ/∂s_k = Σ_i g_i J[i, k]
    torch.testing.assert_close(sm.backward(g), torch.einsum("ni,nik->nk", g, minidl.Softmax.jacobian(p)))


def test_linear_param_is_weight_then_bias_with_the_report_shapes(gen):
    lin = minidl.Linear(3, 4, generator=gen)
    assert lin.param() == [lin.weight, lin.bias]
    assert lin.weight.value.shape == (3, 4) and lin.bias.value.shape == (4,)
    assert all(isinstance(p, minidl.Parameter) for p in lin.param())


def test_linear_inits_have_the_stated_spread():
    big_in, big_out = 400, 600
    gauss = minidl.Linear(big_in, big_out, generator=minidl.seeded(1), dtype=F64)
    xavier = minidl.Linear(big_in, big_out, init="xavier", generator=minidl.seeded(1), dtype=F64)
    xavier_std = (2 / (big_in + big_out)) ** 0.5
    assert abs(gauss.weight.value.std().item() - 1.0) < 0.01
    assert abs(xavier.weight.value.std().item() - xavier_std) / xavier_std < 0.01
    assert abs(gauss.weight.value.mean().item()) < 0.01 and abs(xavier.weight.value.mean().item()) < 0.01 * 0.06
    assert abs(xavier.bias.value.std().item() - 1.0) < 0.15  # the bias is N(0, 1) either way (5 sigma)


def test_linear_init_is_reproducible_with_a_generator():
    a = minidl.Linear(3, 4, generator=minidl.seeded(7))
    b = minidl.Linear(3, 4, generator=minidl.seeded(7))
    c = minidl.Linear(3, 4, generator=minidl.seeded(8))
    assert torch.equal(a.weight.value, b.weight.value) and torch.equal(a.bias.value, b.bias.value)
    assert not torch.equal(a.weight.value, c.weight.value)


def test_report_net_architecture():
    net = report_net()
    linears = [m for m in net.modules if isinstance(m, minidl.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(2, 25), (25, 25), (25, 25), (25, 2)]
    assert sum(isinstance(m, minidl.Tanh) for m in net.modules) == 3
    assert not isinstance(net.modules[-1], minidl.Softmax)
    assert isinstance(report_net(softmax=True).modules[-1], minidl.Softmax)
    assert len(net.param()) == 8
