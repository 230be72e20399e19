"""Gradients that add up across backward calls, against torch.autograd; every node owns its ``.grad``."""

from __future__ import annotations

import torch

from minidl import autograd as ag


def linear_inputs():
    g = torch.Generator().manual_seed(4)
    return [torch.randn(*shape, generator=g, dtype=torch.float64) for shape in ((5, 3), (3, 4), (4,))]


def on_the_tape(losses):
    """The leaves' grads after ``.backward()`` of each of ``losses(h)``, for one ``h = linear(x, W, b)``."""
    leaves = [ag.Tensor(v) for v in linear_inputs()]
    h = ag.linear(*leaves)
    for loss in losses:
        loss(h).backward()
    return [leaf.grad for leaf in leaves]


def in_torch(losses):
    leaves = [v.requires_grad_() for v in linear_inputs()]
    h = leaves[0] @ leaves[1] + leaves[2]
    for loss in losses:
        loss(h).backward(retain_graph=True)
    return [leaf.grad for leaf in leaves]


def test_backward_twice_through_a_linear_adds_the_same_gradient_twice():
    once = [lambda h: h.sum()]
    twice = once * 2
    for got, want, single in zip(on_the_tape(twice), in_torch(twice), on_the_tape(once), strict=True):
        assert torch.allclose(got, want, rtol=1e-14, atol=0)
        assert torch.equal(got, 2 * single)  # not 4 times: the second call must not add into the first's grads


def test_two_losses_through_one_linear_output_add_their_gradients():
    losses = [lambda h: h.sum(), lambda h: (h * h).sum()]
    for got, want in zip(on_the_tape(losses), in_torch(losses), strict=True):
        assert torch.allclose(got, want, rtol=1e-14, atol=1e-14)


def test_a_second_backward_leaves_the_first_calls_grad_tensor_alone():
    x, w, b = (ag.Tensor(v) for v in linear_inputs())
    out = ag.linear(x, w, b).sum()
    out.backward()
    first = [w.grad, b.grad, x.grad]
    values = [t.clone() for t in first]
    out.backward()
    for t, v in zip(first, values, strict=True):
        assert torch.equal(t, v)  # the object the first call stored did not change


def test_every_node_owns_its_grad():
    a, b = ag.Tensor(torch.ones(3, dtype=torch.float64)), ag.Tensor(torch.ones(3, dtype=torch.float64))
    s = a + b  # add sends the same g to both operands
    seed = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    s.backward(seed=seed)
    a.grad.mul_(10)  # an in-place change to one gradient, as an optimizer might make
    assert torch.equal(b.grad, torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    assert torch.equal(s.grad, b.grad) and torch.equal(seed, b.grad)


def test_the_grad_behind_a_sum_is_a_tensor_of_its_own_entries():
    x = ag.Tensor(torch.zeros(2, 3, dtype=torch.float64))
    x.sum().backward()  # ∂(Σ x)/∂x spreads the scalar g over every entry: an expand, stride 0
    x.grad[0, 0] += 1.0  # fails on an expand view, whose entries are one memory location
    assert torch.equal(x.grad, torch.tensor([[2.0, 1, 1], [1, 1, 1]], dtype=torch.float64))
