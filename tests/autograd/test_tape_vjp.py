"""Each operation of the tape: its vector–Jacobian product against torch.autograd and central differences."""

from __future__ import annotations

import pytest
import torch

from minidl import autograd as ag
from minidl.gradcheck import finite_difference, relative_error


def rows(*shape):
    return lambda g: torch.randn(*shape, generator=g, dtype=torch.float64)


def positive(*shape):
    return lambda g: torch.rand(*shape, generator=g, dtype=torch.float64) + 0.5


def probabilities(*shape):
    return lambda g: torch.softmax(torch.randn(*shape, generator=g, dtype=torch.float64), dim=1)


TARGET = torch.tensor([0, 2, 1, 2, 0])
SOFT = torch.softmax(torch.randn(5, 3, generator=torch.Generator().manual_seed(9), dtype=torch.float64), dim=1)

# name: (inputs, the tape's function, the reference in torch)
CASES = {
    "add": ([rows(5, 3), rows(5, 3)], lambda a, b: a + b, lambda a, b: a + b),
    "add, a bias row broadcast": ([rows(5, 3), rows(3)], lambda a, b: a + b, lambda a, b: a + b),
    "add, a column broadcast": ([rows(5, 3), rows(5, 1)], ag.add, torch.add),
    "sub, broadcast": ([rows(3), rows(5, 3)], lambda a, b: a - b, lambda a, b: a - b),
    "mul, broadcast": ([rows(5, 3), rows(1, 3)], lambda a, b: a * b, lambda a, b: a * b),
    "div": ([rows(5, 3), positive(5, 3)], lambda a, b: a / b, lambda a, b: a / b),
    "power": ([positive(5, 3)], lambda a: a**3, lambda a: a**3),
    "power, fractional": ([positive(5, 3)], lambda a: a**0.5, torch.sqrt),
    "exp": ([rows(5, 3)], ag.exp, torch.exp),
    "log": ([positive(5, 3)], ag.log, torch.log),
    "matmul": ([rows(5, 3), rows(3, 4)], lambda a, b: a @ b, lambda a, b: a @ b),
    "sum": ([rows(5, 3)], lambda a: a.sum(), torch.sum),
    "mean": ([rows(5, 3)], lambda a: a.mean(), torch.mean),
    "tanh": ([rows(5, 3)], lambda a: a.tanh(), torch.tanh),
    "relu": ([rows(5, 3)], lambda a: a.relu(), torch.relu),
    "softmax": ([rows(5, 3)], ag.softmax, lambda s: torch.softmax(s, dim=1)),
    "linear": ([rows(5, 3), rows(3, 4), rows(4)], ag.linear, lambda x, w, b: x @ w + b),
    "mse_loss": ([rows(5, 3)], lambda p: ag.mse_loss(p, TARGET), lambda p: ((p - torch.eye(3)[TARGET]) ** 2).mean()),
    "mse_loss, sum": ([rows(5, 3)], lambda p: ag.mse_loss(p, SOFT, reduction="sum"),
                      lambda p: ((p - SOFT) ** 2).sum()),
    "cross_entropy": ([probabilities(5, 3)], lambda p: ag.cross_entropy(p, TARGET),
                      lambda p: -torch.log(p[range(5), TARGET]).mean()),
    "softmax_cross_entropy": ([rows(5, 3)], lambda s: ag.softmax_cross_entropy(s, SOFT),
                              lambda s: -(SOFT * torch.log_softmax(s, dim=1)).sum() / 5),
}


@pytest.mark.parametrize("name", CASES)
def test_each_product_against_autograd_and_finite_differences(name):
    makers, tape_f, torch_f = CASES[name]
    g = torch.Generator().manual_seed(0)
    values = [make(g) for make in makers]
    leaves = [ag.Tensor(v.clone()) for v in values]
    out = tape_f(*leaves)
    seed = torch.randn(out.shape, generator=g, dtype=torch.float64)  # a random ∂ℓ/∂out: the whole product
    out.backward(seed=seed)

    refs = [v.clone().requires_grad_() for v in values]
    expected = torch_f(*refs)
    assert torch.allclose(out.value, expected.detach(), atol=1e-12), "the forward differs from torch's"
    (expected * seed).sum().backward()
    for leaf, ref in zip(leaves, refs, strict=True):
        assert relative_error(leaf.grad, ref.grad) < 1e-10
        numeric = finite_difference(lambda: (tape_f(*[ag.Tensor(x.value) for x in leaves]).value * seed).sum().item(),
                                    leaf.value, 1e-6)
        assert relative_error(leaf.grad, numeric) < 1e-6


def test_a_constant_operand_gets_no_gradient_and_a_number_takes_the_dtype():
    x = ag.Tensor(torch.ones(2, 3, dtype=torch.float32))
    data = torch.full((2, 3), 2.0)
    y = (x * data + 1.5).sum()
    assert y.value.dtype == torch.float32
    y.backward()
    assert torch.equal(x.grad, data)
    assert y.parents[0].parents[1].grad is None  # the constant 1.5 and the data are never differentiated


def test_linear_on_constant_data_skips_the_input_gradient():
    x = ag.Tensor(torch.randn(4, 2, dtype=torch.float64), constant=True)
    w, b = ag.Tensor(torch.randn(2, 3, dtype=torch.float64)), ag.Tensor(torch.zeros(3, dtype=torch.float64))
    out = ag.linear(x, w, b)
    assert out.saved[0].needs_input_grad is False
    out.sum().backward()
    assert x.grad is None and torch.allclose(w.grad, x.value.T @ torch.ones(4, 3, dtype=torch.float64))


def test_unbroadcast_sums_over_the_broadcast_dimensions():
    g = torch.arange(6.0).reshape(2, 3)
    assert torch.equal(ag.unbroadcast(g, torch.Size([3])), g.sum(0))
    assert torch.equal(ag.unbroadcast(g, torch.Size([2, 1])), g.sum(1, keepdim=True))
    assert torch.equal(ag.unbroadcast(g, torch.Size([])), g.sum())
    assert ag.unbroadcast(g, g.shape) is g
