"""ReLU: the report's θ(0) = 1, and the claims chapter 4 makes about it."""

from __future__ import annotations

import torch

import minidl


def test_theta_at_zero_is_one():
    s = torch.tensor([[-1.0, 0.0, 2.0]])
    relu = minidl.ReLU()
    assert relu(s).tolist() == [[0.0, 0.0, 2.0]]
    assert relu.backward(torch.ones_like(s)).tolist() == [[0.0, 1.0, 1.0]]


def test_output_cannot_give_theta_one_at_zero():
    # s = 0 and s < 0 give the same output: a mask computed from the output is θ(0) = 0
    s = torch.tensor([-0.5, 0.0])
    out = minidl.ReLU()(s)
    assert out[0] == out[1] == 0
    assert (out > 0).tolist() == [False, False]


def test_dead_unit_gets_no_gradient(gen):
    net = minidl.Sequential(minidl.Linear(2, 3, generator=gen), minidl.ReLU(), minidl.Linear(3, 1, generator=gen))
    net.modules[0].bias.value[1] = -100.0  # unit 1: negative score on every input below
    x = torch.rand(20, 2, generator=gen)
    net.zero_grad()
    net(x)
    net.backward(torch.ones(20, 1))
    assert (net.modules[0].weight.grad[:, 1] == 0).all()
    assert net.modules[0].bias.grad[1] == 0
