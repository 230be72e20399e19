"""One training step, three ways: minidl, torch.nn + autograd + torch.optim, and the matmul floor.

Each builder returns a function of no arguments that runs one step on the next batch (the batches
are cycled, so that a step sees data as in training). Both frameworks start from the same weights.
Other cases (e.g. in ``bench/cases_<topic>.py``) can reuse these builders.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import torch
from torch import nn

import minidl

Batch = tuple[torch.Tensor, torch.Tensor]


def torch_twin(model: minidl.Sequential) -> nn.Sequential:
    """The same network in torch.nn, with a copy of ``model``'s weights (``nn.Linear`` stores ``Wᵀ``)."""
    layers: list[nn.Module] = []
    for m in model:
        if isinstance(m, minidl.Linear):
            w = m.weight.value
            layer = nn.Linear(m.in_features, m.out_features, dtype=w.dtype, device=w.device)
            with torch.no_grad():
                layer.weight.copy_(w.T)
                layer.bias.copy_(m.bias.value)
            layers.append(layer)
        elif isinstance(m, minidl.Tanh):
            layers.append(nn.Tanh())
        elif isinstance(m, minidl.ReLU):
            layers.append(nn.ReLU())
        else:
            raise TypeError(f"torch_twin: no torch.nn counterpart for {m!r}")
    return nn.Sequential(*layers)


def minidl_step(
    model: minidl.Module, loss_fn: minidl.Loss, optimizer: minidl.SGD, batches: Sequence[Batch]
) -> Callable[[], None]:
    """forward, loss, backward, SGD step, zero_grad: the loop of ``minidl.train_epoch`` minus ``.item()``."""
    cycle = itertools.cycle(batches)

    def step() -> None:
        x, t = next(cycle)
        loss_fn(model(x), t)
        model.backward(loss_fn.backward())
        optimizer.step()
        optimizer.zero_grad()

    return step


def torch_step(
    model: nn.Module, loss_fn: nn.Module, optimizer: torch.optim.Optimizer, batches: Sequence[Batch]
) -> Callable[[], None]:
    """The same step with autograd: forward, loss, ``loss.backward()``, ``optimizer.step()``, ``zero_grad()``."""
    cycle = itertools.cycle(batches)

    def step() -> None:
        x, t = next(cycle)
        loss_fn(model(x), t).backward()
        optimizer.step()
        optimizer.zero_grad()

    return step


def matmul_floor(model: minidl.Sequential, batch: int) -> Callable[[], None]:
    """Only the GEMMs that a training step of ``model`` needs, with the same shapes, into preallocated outputs.

    Per ``Linear`` (in → out): forward ``addmm`` (N, in)·(in, out); backward ``xᵀ g`` (in, N)·(N, out) for the
    weight, and ``g Wᵀ`` (N, out)·(out, in) for the input, except in the first layer (the data needs no gradient).
    """
    gemms: list[Callable[[], torch.Tensor]] = []
    for i, m in enumerate(m for m in model if isinstance(m, minidl.Linear)):
        w, b = m.weight.value, m.bias.value
        kw = dict(dtype=w.dtype, device=w.device)
        x, g = torch.randn(batch, m.in_features, **kw), torch.randn(batch, m.out_features, **kw)
        s, grad_w, grad_x = torch.empty_like(g), torch.empty_like(w), torch.empty_like(x)
        gemms.append(lambda b=b, x=x, w=w, s=s: torch.addmm(b, x, w, out=s))
        gemms.append(lambda x=x, g=g, grad_w=grad_w: torch.mm(x.T, g, out=grad_w))
        if i > 0:
            gemms.append(lambda g=g, w=w, grad_x=grad_x: torch.mm(g, w.T, out=grad_x))

    def step() -> None:
        for gemm in gemms:
            gemm()

    return step
