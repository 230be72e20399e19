"""``verify``: a module's (or a loss's) backward against two oracles, in float64, as every chapter shows it.

1. Central finite differences (``minidl.gradcheck``), which know nothing of calculus: error below ``FD_TOL``.
2. ``torch.autograd`` run on a reference written with torch operations (``torch.nn.functional`` for the
   layers beyond the report, the same weights): the same formulas up to float64 rounding, so below ``AG_TOL``.

This file is the framework's *oracle*, not part of the framework: it is the one file of ``minidl`` that
uses autograd and ``torch.nn.functional``, and only as the reference a backward is compared with. Nothing
in ``minidl`` imports it (``import minidl`` does not load it), and the no-autograd scan excludes it by name
(``tests/autograd_guard.py``, ``NOT_FRAMEWORK``). A reference never reads what the module computed:
targets become rows through torch's own ``one_hot``, and a dropout mask is drawn again from a copy of the
module's random generator, as the ``Dropout`` docstring specifies it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from .gradcheck import gradcheck
from .losses import CrossEntropyLoss, HingeLoss, L1Loss, Loss, MSELoss, SoftmaxCrossEntropyLoss
from .module import Module
from .nn import AvgPool2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, PReLU, ReLU, Softmax, Tanh
from .sequential import Sequential, input_backward

FD_TOL = 1e-6  # central differences in float64 (ε = 1e-6) are good to ~1e-8 on the book's sizes
AG_TOL = 1e-10  # the same formulas as autograd's, in float64: agreement to ~1e-15

Reference = Callable[[torch.Tensor, dict[str, torch.Tensor]], torch.Tensor]


def failures(errors: dict[str, float], tol: float) -> dict[str, float]:
    """The errors that are not finite and below ``tol``. A NaN fails (``max`` would skip it, ``e < tol`` does not)."""
    return {name: e for name, e in errors.items() if not (math.isfinite(e) and e < tol)}


def error(analytic: torch.Tensor, reference: torch.Tensor) -> float:
    """``max|a − r| / max(max|a|, max|r|)``; infinite for tensors of different shapes (no broadcasting)."""
    if not isinstance(analytic, torch.Tensor) or analytic.shape != reference.shape:
        return math.inf
    if not analytic.numel():
        return 0.0
    scale = max(analytic.abs().max().item(), reference.abs().max().item(), 1e-12)
    return (analytic - reference).abs().max().item() / scale


class DropoutMasks:
    """The masks a module's ``Dropout`` layers will draw in their next forward, drawn again independently.

    Made before that forward: a frozen mask is the one the layer holds; otherwise a copy of the layer's
    generator (the global one when it has none) draws ``m = [u ≥ p]``, ``u`` uniform, as documented.
    """

    def __init__(self, module: Module) -> None:
        self.copies: dict[int, torch.Generator] = {}
        self.frozen: dict[int, torch.Tensor] = {}
        for layer in _layers(module):
            if isinstance(layer, Dropout):
                if layer.freeze_mask and layer.mask is not None:
                    self.frozen[id(layer)] = layer.mask.clone()
                key = id(layer.generator)
                if key not in self.copies:
                    source = layer.generator if layer.generator is not None else torch.default_generator
                    self.copies[key] = torch.Generator(device=source.device)
                    self.copies[key].set_state(source.get_state())

    def mask(self, layer: Dropout, shape: torch.Size) -> torch.Tensor:
        frozen = self.frozen.get(id(layer))
        if frozen is not None and frozen.shape == shape:
            return frozen
        g = self.copies[id(layer.generator)]
        mask = torch.rand(shape, generator=g, device=g.device) >= layer.p
        if layer.freeze_mask:
            self.frozen[id(layer)] = mask
        return mask


def _layers(module: Module) -> list[Module]:
    if isinstance(module, Sequential):
        return [leaf for m in module.modules for leaf in _layers(m)]
    return [module]


def _forward_owner(obj: Module | Loss) -> type:
    """The class whose ``forward`` ``obj`` runs: a subclass that changes only ``backward`` (a planted bug)
    computes the same function, so it is checked against the same reference."""
    return next(cls for cls in type(obj).__mro__ if "forward" in vars(cls))


def reference_for(module: Module, masks: DropoutMasks | None = None) -> Reference:
    """The same function as ``module``, in torch operations that autograd can differentiate.

    It takes the input and a dict of the parameters by the names of ``module.named_param()``. A module
    with a ``reference(x, params)`` method gives its own. ``masks`` (made before the module's forward)
    gives the dropout masks; without it, none may be drawn.
    """
    if isinstance(module, Sequential):
        parts = [(f"{i}.", reference_for(m, masks)) for i, m in enumerate(module.modules)]

        def sequential(x: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
            for prefix, ref in parts:
                x = ref(x, {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)})
            return x

        return sequential

    def dropout(x: torch.Tensor, p: dict) -> torch.Tensor:
        if not (module.training and module.p > 0):
            return x
        if masks is None:
            raise ValueError("reference_for: a training Dropout needs the masks, DropoutMasks(module)")
        return x * masks.mask(module, x.shape).to(x.dtype) / (1 - module.p)

    simple = {
        Linear: lambda x, p: F.linear(x, p["weight"].T, p["bias"]),  # torch.nn stores W transposed
        Tanh: lambda x, p: torch.tanh(x),
        # autograd's relu has θ(0) = 0, minidl's θ(0) = 1; random inputs are never exactly 0
        ReLU: lambda x, p: torch.relu(x),
        Softmax: lambda x, p: torch.softmax(x, dim=1),
        PReLU: lambda x, p: F.prelu(x, p["weight"]),
        Dropout: dropout,
        Conv2d: lambda x, p: F.conv2d(x, p["weight"], p["bias"], module.stride, module.padding),
        MaxPool2d: lambda x, p: F.max_pool2d(x, module.kernel_size, module.stride),
        AvgPool2d: lambda x, p: F.avg_pool2d(x, module.kernel_size, module.stride),
        Flatten: lambda x, p: torch.flatten(x, 1),
    }
    if hasattr(module, "reference"):
        return module.reference
    if _forward_owner(module) in simple:
        return simple[_forward_owner(module)]
    raise TypeError(f"reference_for: no autograd reference for {type(module).__name__}; "
                    "give it a reference(x, params) method")


def loss_reference(loss: Loss) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """A torch-operations version of a minidl loss; class indices become rows by torch's ``one_hot``."""
    def per_element(total: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return total / p.numel() if loss.reduction == "mean" else total

    def per_row(total: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return total / p.shape[0] if loss.reduction == "mean" else total

    def hinge(s: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        true_score = (s * t).sum(1, keepdim=True)
        return per_row(((1 - t) * (s - true_score + loss.margin).clamp_min(0)).sum(), s)

    table = {
        MSELoss: lambda p, t: per_element(((p - t) ** 2).sum(), p),
        CrossEntropyLoss: lambda p, t: per_row(-(t * torch.log(p)).sum(), p),
        SoftmaxCrossEntropyLoss: lambda s, t: per_row(-(t * torch.log_softmax(s, dim=1)).sum(), s),
        L1Loss: lambda p, t: per_element((p - t).abs().sum(), p),
        HingeLoss: hinge,
    }
    if hasattr(loss, "reference"):
        return loss.reference
    if _forward_owner(loss) in table:
        ref = table[_forward_owner(loss)]

        def with_rows(p: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            rows = target if target.is_floating_point() else F.one_hot(target, p.shape[1]).to(p.dtype)
            return ref(p, rows)

        return with_rows
    raise TypeError(f"loss_reference: no autograd reference for {type(loss).__name__}")


def autograd_errors(module: Module | Loss, x: torch.Tensor, target: torch.Tensor | None = None,
                    seed: int = 0) -> dict[str, float]:
    """Relative error (``error``) of minidl's forward output and backward gradients against autograd, float64."""
    x = x.detach().to(torch.float64)
    module = copy.deepcopy(module)
    if isinstance(module, Loss):
        target = target.to(torch.float64) if target.is_floating_point() else target
        value = module.forward(x, target)
        grad = module.backward()
        xr = x.clone().requires_grad_(True)
        ref = loss_reference(module)(xr, target)
        ref.backward()
        return {"output": error(value.reshape(1), ref.detach().reshape(1)), "input": error(grad, xr.grad)}
    module.to(dtype=torch.float64)
    module.zero_grad()
    masks = DropoutMasks(module)
    out = module.forward(x)
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    grads = {"input": input_backward(module, weights), **{n: p.grad for n, p in module.named_param()}}
    leaves = {"input": x.clone().requires_grad_(True),
              **{n: p.value.clone().requires_grad_(True) for n, p in module.named_param()}}
    ref_out = reference_for(module, masks)(leaves["input"], {n: v for n, v in leaves.items() if n != "input"})
    (ref_out * weights).sum().backward()
    errors = {"output": error(out, ref_out.detach())}
    errors.update({n: error(grads[n], leaves[n].grad) for n in grads})
    return errors


def verify(module: Module | Loss, x: torch.Tensor, target: torch.Tensor | None = None,
           tol: float = FD_TOL, ag_tol: float = AG_TOL, show: bool = True) -> dict[str, tuple[float, float]]:
    """Check ``module``'s backward against finite differences and autograd; print a table; assert each error
    is finite and below its oracle's tolerance (``tol`` for finite differences, ``ag_tol`` for autograd).

    Returns ``{tensor name: (error vs finite differences, error vs autograd)}``. The "output" row
    compares the forward pass with the reference's (finite differences have nothing to say there: NaN).
    """
    fd = gradcheck(module, x, target)
    ag = autograd_errors(module, x, target)
    rows = {"output": (math.nan, ag["output"])}
    rows.update({name: (fd[name], ag[name]) for name in fd})
    if show:
        print(f"{type(module).__name__}: max relative error, float64 "
              f"(tolerance {tol:.0e} vs finite differences, {ag_tol:.0e} vs autograd)")
        print(f"  {'tensor':<12}{'vs finite differences':>24}{'vs autograd':>14}")
        for tensor, (e_fd, e_ag) in rows.items():
            fd_text = "—" if tensor == "output" else f"{e_fd:.1e}"
            print(f"  {tensor:<12}{fd_text:>24}{e_ag:>14.1e}")
    bad = {f"{name} vs finite differences": e for name, e in failures(fd, tol).items()}
    bad.update({f"{name} vs autograd": e for name, e in failures(ag, ag_tol).items()})
    missing = set(fd) ^ (set(ag) - {"output"})
    assert not missing, f"{type(module).__name__}: the oracles checked different tensors: {sorted(missing)}"
    assert not bad, f"{type(module).__name__}: errors not below tolerance ({tol:.0e} / {ag_tol:.0e}): {bad}"
    return rows
