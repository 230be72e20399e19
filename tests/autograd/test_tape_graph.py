"""The tape's walk: micrograd's scalar example, a value used twice, and the order of the nodes."""

from __future__ import annotations

import pytest
import torch

from minidl.autograd import Tensor, topological_order


def micrograd_example(a, b):
    """The expression of micrograd's README (Karpathy), with every operation the tape has for scalars."""
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def test_the_scalar_example_matches_autograd():
    a, b = Tensor(-4.0), Tensor(2.0)
    out = micrograd_example(a, b)
    out.backward()
    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ref = micrograd_example(ta, tb)
    ref.backward()
    assert out.item() == ref.item()  # the sums may come in another order: the last bit may differ
    assert a.grad.item() == pytest.approx(ta.grad.item(), rel=1e-14)
    assert b.grad.item() == pytest.approx(tb.grad.item(), rel=1e-14)


def test_a_value_used_twice_receives_both_contributions():
    x = Tensor(3.0)
    y = x * x + x  # dy/dx = 2x + 1: three uses, one of them through mul twice
    y.backward()
    assert y.item() == 12.0 and x.grad.item() == 7.0


def test_a_shared_intermediate_is_visited_once_after_all_its_users():
    x = Tensor(0.5)
    h = x.tanh()  # used by both branches: its gradient must be complete before it is passed on
    out = h * 2.0 + h**2
    order = topological_order(out)
    assert [n.op for n in order].count("tanh") == 1
    for i, node in enumerate(order):
        assert all(order.index(p) < i for p in node.parents if p.needs_grad)
    out.backward()
    t = torch.tanh(torch.tensor(0.5, dtype=torch.float64))
    assert torch.allclose(x.grad, (2 + 2 * t) * (1 - t * t))


def test_a_deep_tape_needs_no_recursion():
    x = Tensor(1.0)
    y = x
    for _ in range(5000):  # deeper than Python's recursion limit
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_gradients_add_across_backward_calls_until_zero_grad():
    x = Tensor(torch.tensor([1.0, 2.0]))
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert torch.equal(x.grad, 4 * x.value)
    x.zero_grad()
    assert x.grad is None
