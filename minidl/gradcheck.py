"""``gradcheck``: compare a module's (or a loss's) backward with central finite differences, in float64."""

from __future__ import annotations

import copy
import math

import torch

from .losses.base import Loss
from .module import Module
from .sequential import input_backward


def relative_error(analytic: torch.Tensor, numeric: torch.Tensor) -> float:
    """``max|a − n| / max(max|a|, max|n|)``: the largest difference, relative to the gradient's scale."""
    scale = max(analytic.abs().max().item(), numeric.abs().max().item(), 1e-12) if analytic.numel() else 1.0
    return (analytic - numeric).abs().max().item() / scale if analytic.numel() else 0.0


def finite_difference(f, tensor: torch.Tensor, eps: float) -> torch.Tensor:
    """Central differences ``(f(T + ε e_j) − f(T − ε e_j)) / 2ε`` of the scalar ``f()``,
    for every entry j of ``tensor`` (changed in place, then restored)."""
    grad = torch.zeros_like(tensor)
    flat, out = tensor.view(-1), grad.view(-1)
    for j in range(flat.numel()):
        old = flat[j].item()
        flat[j] = old + eps
        plus = f()
        flat[j] = old - eps
        minus = f()
        flat[j] = old
        out[j] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(
    module: Module | Loss,
    x: torch.Tensor,
    target: torch.Tensor | None = None,
    eps: float = 1e-6,
    seed: int = 0,
) -> dict[str, float]:
    """The max relative error (see ``relative_error``) between backward and finite differences.

    For a ``Module``, the scalar checked is ``L = Σ forward(x) ⊙ R`` with a fixed random ``R``,
    so ``∂L/∂output = R`` is what ``backward`` receives. For a ``Loss``, it is the loss itself,
    ``L = loss(x, target)``. A float64 copy of the module is checked, so the original is untouched.

    Returns ``{"input": err, "<parameter name>": err, ...}``: near 1e-8 or below when backward is
    right, near 1 when it is wrong.
    """
    if isinstance(eps, bool) or not (isinstance(eps, (int, float)) and math.isfinite(eps) and 0 < eps < 1):
        raise ValueError(f"gradcheck: eps must be a finite step in (0, 1), e.g. 1e-6, got eps={eps!r}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"gradcheck: x must be a torch.Tensor, got {type(x).__name__}")
    x = x.detach().to(torch.float64).clone()
    if target is not None and target.is_floating_point():
        target = target.to(torch.float64)
    module = copy.deepcopy(module)
    if isinstance(module, Loss):
        if target is None:
            raise ValueError(f"gradcheck: a loss ({type(module).__name__}) needs a target")

        def scalar() -> float:
            return module.forward(x, target).item()

        module.forward(x, target)
        return {"input": relative_error(module.backward(), finite_difference(scalar, x, eps))}

    if not isinstance(module, Module):
        raise TypeError(f"gradcheck: expected a minidl Module or Loss, got {type(module).__name__}")
    module.to(dtype=torch.float64)
    module.zero_grad()
    out = module.forward(x)
    generator = torch.Generator().manual_seed(seed)
    weights = torch.randn(out.shape, generator=generator, dtype=torch.float64)

    def scalar() -> float:
        return (module.forward(x) * weights).sum().item()

    analytic = {"input": input_backward(module, weights)}  # a Sequential returns ∂ℓ/∂x only if asked
    analytic.update({name: p.grad.clone() for name, p in module.named_param()})
    tensors = {"input": x, **{name: p.value for name, p in module.named_param()}}
    return {name: relative_error(analytic[name], finite_difference(scalar, t, eps)) for name, t in tensors.items()}
