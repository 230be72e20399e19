"""Every file of the framework uses plain tensor operations only: no torch.nn (functional included), no autograd.

A second, simpler scan than test_no_autograd's (names, not aliases), over the same files
(``autograd_guard.package_files``)."""

from __future__ import annotations

import ast
import inspect

import pytest
import torch
from autograd_guard import PACKAGE, package_files

import minidl
from minidl import verify

BANNED_PREFIXES = ("torch.nn", "torch.autograd", "torch.func", "torch._functorch", "functorch",
                   "torch._C._ImperativeEngine")
BANNED_NAMES = {"requires_grad", "requires_grad_", "grad_fn", "autograd", "nn", "functional", "set_grad_enabled",
                "enable_grad", "_functorch", "_ImperativeEngine", "_execution_engine", "retain_grad", "register_hook",
                "Tensor.backward"}


def used_names(source: str) -> set[str]:
    """Dotted names the code uses (``torch.nn.functional``, ``x.requires_grad_``, ...), modules it imports,
    and the short strings it looks names up by (``getattr(torch, "autograd")``); docstrings and comments,
    which may mention torch.nn as the reference, are not code."""
    names = set()
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Attribute):
            if node.attr == "requires_grad" and isinstance(node.ctx, ast.Load):
                continue  # reading the flag (to detach what requires grad) is no use of autograd; setting it is
            parts, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                parts.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name):
                names.add(".".join([value.id, *reversed(parts)]))
            names.add(node.attr)
            names.add(".".join(reversed(parts[:2])))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if node.value.replace(".", "").replace("_", "").isalnum():  # a name, not a sentence
                names.add(node.value)
    return names


def banned(source: str) -> set[str]:
    names = used_names(source)
    return {n for n in names if n.startswith(BANNED_PREFIXES)} | (names & BANNED_NAMES)


@pytest.mark.parametrize("path", package_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_torch_nn_and_no_autograd(path):
    found = banned(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(PACKAGE)} uses {sorted(found)}"


def test_the_check_sees_torch_nn():
    # minidl/verify.py, the oracle, uses torch.nn.functional as the reference: the check must notice
    assert "torch.nn.functional" in used_names(inspect.getsource(verify))
    assert "F.conv2d" in used_names(inspect.getsource(verify))


@pytest.mark.parametrize("snippet", [
    "import torch\ntorch.set_grad_enabled(True)",
    "x.requires_grad = True",
    'setattr(x, "requires_grad", True)',
    "import torch\ntorch.Tensor.backward(y)",
    'import torch\ngetattr(torch, "autograd")',
    "import torch\ntorch._functorch.apis.grad(f)",
    "import torch\ntorch._C._ImperativeEngine()",
])
def test_the_check_sees_each_way_in(snippet):
    assert banned(snippet), snippet


def test_reading_the_flag_is_allowed():
    assert not banned("y = x.detach() if x.requires_grad else x")


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
