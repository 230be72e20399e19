"""The modules beyond the report use plain tensor operations only: no torch.nn (functional included),
no autograd."""

from __future__ import annotations

import ast
import inspect

import pytest
import torch

import minidl
from minidl.experiments import digits
from minidl.losses import hinge, l1
from minidl.nn import conv, dropout, flatten, im2col, pool, prelu
from minidl.optim import adam, gd

FILES = [adam, conv, digits, dropout, flatten, gd, hinge, im2col, l1, pool, prelu]


def used_names(module) -> set[str]:
    """Dotted names the code uses (``torch.nn.functional``, ``x.requires_grad_``, ...) and modules it imports;
    docstrings and comments, which may mention torch.nn as the reference, are not code."""
    names = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Attribute):
            parts, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                parts.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name):
                names.add(".".join([value.id, *reversed(parts)]))
            names.add(node.attr)
    return names


@pytest.mark.parametrize("module", FILES, ids=lambda m: m.__name__)
def test_no_torch_nn_and_no_autograd(module):
    names = used_names(module)
    banned = {n for n in names if n.startswith(("torch.nn", "torch.autograd", "torch.func"))}
    banned |= names & {"requires_grad", "requires_grad_", "grad_fn", "autograd", "nn", "functional"}
    assert not banned, f"{module.__name__} uses {sorted(banned)}"


def test_the_check_sees_torch_nn():
    import verify  # book/verify.py uses torch.nn.functional as the reference: the check must notice

    assert "torch.nn.functional" in used_names(verify) and "F.conv2d" in used_names(verify)


def test_a_cnn_trains_without_autograd(gen):
    """Forward and backward through every new layer with grad mode off: nothing relies on autograd."""
    net = minidl.Sequential(
        minidl.Conv2d(1, 4, 3, padding=1, generator=gen), minidl.PReLU(4), minidl.MaxPool2d(2),
        minidl.Conv2d(4, 4, 3, padding=1, generator=gen), minidl.ReLU(), minidl.AvgPool2d(2),
        minidl.Flatten(), minidl.Dropout(0.2, generator=gen), minidl.Linear(16, 3, init="xavier", generator=gen),
    )
    x, y = torch.randn(6, 1, 8, 8, generator=gen), torch.randint(0, 3, (6,), generator=gen)
    loss_fn, opt = minidl.HingeLoss(), minidl.Adam(net.param(), lr=0.01)
    with torch.no_grad():
        first = None
        for _ in range(30):
            opt.zero_grad()
            loss = loss_fn(net(x), y).item()
            first = loss if first is None else first
            net.backward(loss_fn.backward())
            opt.step()
    assert loss < first / 2
