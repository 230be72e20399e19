"""The book's verification cell, shared by every chapter and by the tests.

It checks a minidl module's backward against two oracles, in float64:

1. central finite differences (``minidl.gradcheck``), which know nothing of calculus;
2. ``torch.autograd`` run on a reference written with plain torch operations.

minidl itself never uses autograd; this file, like the tests, uses it only as a reference.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F

import minidl
from minidl import relative_error
from minidl.module import Module
from minidl.sequential import input_backward

Reference = Callable[[torch.Tensor, dict[str, torch.Tensor]], torch.Tensor]


def reference_for(module: Module) -> Reference:
    """The same function as ``module``, in torch operations that autograd can differentiate.

    It takes the input and a dict of the parameters by the names of ``module.named_param()``.
    """
    if isinstance(module, minidl.Sequential):
        parts = [(f"{i}.", reference_for(m)) for i, m in enumerate(module.modules)]

        def sequential(x: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
            for prefix, ref in parts:
                x = ref(x, {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)})
            return x

        return sequential
    simple = {
        minidl.Linear: lambda x, p: x @ p["weight"] + p["bias"],
        minidl.Tanh: lambda x, p: torch.tanh(x),
        # autograd's relu has θ(0) = 0, minidl's θ(0) = 1; random inputs are never exactly 0
        minidl.ReLU: lambda x, p: torch.relu(x),
        minidl.Softmax: lambda x, p: torch.softmax(x, dim=1),
        # beyond the report; these read the module's configuration (and Dropout its last mask)
        minidl.PReLU: lambda x, p: F.prelu(x, p["weight"]),
        minidl.Dropout: lambda x, p: x * module.mask / (1 - module.p) if module.dropping else x,
        minidl.Conv2d: lambda x, p: F.conv2d(x, p["weight"], p["bias"], module.stride, module.padding),
        minidl.MaxPool2d: lambda x, p: F.max_pool2d(x, module.kernel_size, module.stride),
        minidl.AvgPool2d: lambda x, p: F.avg_pool2d(x, module.kernel_size, module.stride),
        minidl.Flatten: lambda x, p: torch.flatten(x, 1),
    }
    for cls, ref in simple.items():
        if type(module) is cls:
            return ref
    if hasattr(module, "reference"):
        return module.reference
    raise TypeError(f"reference_for: no autograd reference for {type(module).__name__}")


def loss_reference(loss: minidl.Loss) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """A torch-operations version of a minidl loss; ``t`` is given as ``(N, C)`` rows."""
    k = (lambda n, numel: 1 / numel) if loss.reduction == "mean" else (lambda n, numel: 1.0)
    kb = (lambda n: 1 / n) if loss.reduction == "mean" else (lambda n: 1.0)
    table = {
        minidl.MSELoss: lambda p, t: ((p - t) ** 2).sum() * k(p.shape[0], p.numel()),
        minidl.CrossEntropyLoss: lambda p, t: -(t * torch.log(p)).sum() * kb(p.shape[0]),
        minidl.SoftmaxCrossEntropyLoss: lambda s, t: -(t * torch.log_softmax(s, dim=1)).sum() * kb(s.shape[0]),
        minidl.L1Loss: lambda p, t: (p - t).abs().sum() * k(p.shape[0], p.numel()),
        minidl.HingeLoss: lambda s, t: ((1 - t) * (s - (s * t).sum(1, keepdim=True) + loss.margin).clamp_min(0)).sum()
        * kb(s.shape[0]),
    }
    for cls, ref in table.items():
        if type(loss) is cls:
            return ref
    if hasattr(loss, "reference"):
        return loss.reference
    raise TypeError(f"loss_reference: no autograd reference for {type(loss).__name__}")


def autograd_errors(module: Module | minidl.Loss, x: torch.Tensor, target: torch.Tensor | None = None,
                    seed: int = 0) -> dict[str, float]:
    """Max relative error of minidl's forward output and backward gradients against autograd, in float64."""
    x = x.detach().to(torch.float64)
    module = copy.deepcopy(module)
    if isinstance(module, minidl.Loss):
        target = target.to(torch.float64) if target.is_floating_point() else target
        t = module.target_rows(x, target)
        value = module.forward(x, target)
        grad = module.backward()
        xr = x.clone().requires_grad_(True)
        ref = loss_reference(module)(xr, t)
        ref.backward()
        return {"output": relative_error(value.reshape(1), ref.detach().reshape(1)),
                "input": relative_error(grad, xr.grad)}
    module.to(dtype=torch.float64)
    module.zero_grad()
    out = module.forward(x)
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    grads = {"input": input_backward(module, weights), **{n: p.grad for n, p in module.named_param()}}
    leaves = {"input": x.clone().requires_grad_(True),
              **{n: p.value.clone().requires_grad_(True) for n, p in module.named_param()}}
    ref_out = reference_for(module)(leaves["input"], {n: v for n, v in leaves.items() if n != "input"})
    (ref_out * weights).sum().backward()
    errors = {"output": relative_error(out, ref_out.detach())}
    errors.update({n: relative_error(grads[n], leaves[n].grad) for n in grads})
    return errors


def verify(module: Module | minidl.Loss, x: torch.Tensor, target: torch.Tensor | None = None,
           tol: float = 1e-6, show: bool = True) -> dict[str, tuple[float, float]]:
    """Check ``module``'s backward against finite differences and autograd; print a table; assert ``< tol``.

    Returns ``{tensor name: (error vs finite differences, error vs autograd)}``. The "output" row
    compares the forward pass with the reference's.
    """
    fd = minidl.gradcheck(module, x, target)
    ag = autograd_errors(module, x, target)
    rows = {"output": (float("nan"), ag["output"])}
    rows.update({name: (fd[name], ag[name]) for name in fd})
    if show:
        name = type(module).__name__
        print(f"{name}: max relative error, float64 (tolerance {tol:.0e})")
        print(f"  {'tensor':<12}{'vs finite differences':>24}{'vs autograd':>14}")
        for tensor, (e_fd, e_ag) in rows.items():
            fd_text = "—" if e_fd != e_fd else f"{e_fd:.1e}"
            print(f"  {tensor:<12}{fd_text:>24}{e_ag:>14.1e}")
    bad = {k: v for k, v in rows.items() if max(e for e in v if e == e) >= tol}
    assert not bad, f"{type(module).__name__}: errors above {tol:.0e}: {bad}"
    return rows
