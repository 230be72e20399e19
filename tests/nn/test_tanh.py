"""Tanh: the derivative from the cached output, and the claims chapter 3 makes about it."""

from __future__ import annotations

import math

import torch

import minidl


def test_backward_is_one_minus_output_squared(gen):
    s = 3 * torch.randn(4, 5, generator=gen, dtype=torch.float64)
    tanh = minidl.Tanh()
    y = tanh(s)
    g = torch.randn(4, 5, generator=gen, dtype=torch.float64)
    assert torch.allclose(tanh.backward(g), g / torch.cosh(s) ** 2, rtol=0, atol=1e-14)
    assert torch.equal(tanh.backward(g), g * (1 - y * y))


def test_derivative_tail():
    # tanh' s = 4 / (e^s + e^-s)^2, which is 4 e^(-2s) up to a relative 2 e^(-2s) for large s
    for s0 in (3.0, 5.0, 8.0):
        exact = 1 - math.tanh(s0) ** 2
        assert math.isclose(exact, 4 / (math.exp(s0) + math.exp(-s0)) ** 2, rel_tol=1e-6)
        assert abs(exact / (4 * math.exp(-2 * s0)) - 1) < 3 * math.exp(-2 * s0)


def test_float32_floor():
    # past about s = 9 float32 rounds tanh to 1, and the backward pass passes on nothing
    s = torch.tensor([[9.5, 20.0]], dtype=torch.float32)
    tanh = minidl.Tanh()
    assert (tanh(s) == 1).all()
    assert (tanh.backward(torch.ones_like(s)) == 0).all()
