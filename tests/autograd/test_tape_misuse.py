"""Misuse of the tape gets a clear error: what is wrong, the shapes, and the fix."""

from __future__ import annotations

import pytest
import torch

from minidl import Dropout, Linear, Sequential, Tanh
from minidl import autograd as ag


def test_backward_on_a_non_scalar_needs_a_seed():
    y = ag.Tensor(torch.ones(2, 3)) * 2.0
    with pytest.raises(ValueError, match=r"Tensor.backward: the output has shape \(2, 3\), not a scalar.*seed="):
        y.backward()


def test_a_seed_of_the_wrong_shape():
    y = ag.Tensor(torch.ones(2, 3)) * 2.0
    with pytest.raises(ValueError, match=r"seed must be a tensor of the output's shape and dtype \(\(2, 3\)"):
        y.backward(seed=torch.ones(3, 2))


def test_backward_with_nothing_to_differentiate():
    y = ag.Tensor(torch.ones(2), constant=True).sum()
    with pytest.raises(RuntimeError, match="nothing on the tape needs a gradient"):
        y.backward()


def test_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"add: shapes \(5, 3\) and \(5,\) do not broadcast"):
        ag.Tensor(torch.ones(5, 3)) + ag.Tensor(torch.ones(5))


def test_matmul_shapes_and_dtypes():
    with pytest.raises(ValueError, match=r"matmul: needs \(N, K\) @ \(K, M\), got \(5, 3\) @ \(4, 2\)"):
        ag.Tensor(torch.ones(5, 3)) @ ag.Tensor(torch.ones(4, 2))
    with pytest.raises(TypeError, match="mul: operands are torch.float32 on cpu and torch.float64"):
        ag.Tensor(torch.ones(2)) * ag.Tensor(torch.ones(2, dtype=torch.float64))


def test_values_and_exponents():
    with pytest.raises(TypeError, match="Tensor: value must be a float or a floating-point torch.Tensor"):
        ag.Tensor(torch.ones(2, dtype=torch.int64))
    with pytest.raises(TypeError, match="already a Tensor"):
        ag.Tensor(ag.Tensor(1.0))
    with pytest.raises(TypeError, match="power: the exponent must be a constant number.*exp"):
        ag.Tensor(2.0) ** ag.Tensor(3.0)


def test_a_module_op_keeps_the_modules_checks():
    with pytest.raises(ValueError, match="Linear"):
        ag.linear(ag.Tensor(torch.ones(4, 3)), ag.Tensor(torch.ones(2, 5)), ag.Tensor(torch.ones(5)))


def test_a_network_with_a_layer_the_tape_does_not_know():
    with pytest.raises(TypeError, match="TapeNet: layer 1 is a Dropout; the tape knows Linear, Tanh"):
        ag.TapeNet(Sequential(Linear(2, 3), Dropout(0.5), Tanh()))
    with pytest.raises(TypeError, match="TapeNet: net must be a minidl.Sequential"):
        ag.TapeNet(Linear(2, 3))
