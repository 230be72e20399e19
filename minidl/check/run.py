"""Run one exercise's checks: forward and backward against ``torch.autograd`` (the oracle) and against
central finite differences, on several shapes, in float64; or SGD's steps against ``torch.optim.SGD``."""

from __future__ import annotations

import torch

from ..gradcheck import finite_difference, relative_error
from ..parameter import Parameter
from .diagnose import Mistake, compare, explain_error
from .exercises import ORACLES, Exercise

INPUT = {"linear": "∂ℓ/∂x", "mse": "∂ℓ/∂p", "cross_entropy": "∂ℓ/∂p"}  # the others take scores s
PARAMS = {"linear": ["∂ℓ/∂W", "∂ℓ/∂b"]}
HINTS = {
    "∂ℓ/∂x": {"where": "chapter 2, eq. (2)"},
    "∂ℓ/∂W": {"where": "chapter 2, eq. (2)", "transpose": "did you compute g xᵀ instead of xᵀ g?",
              "factor": "∂ℓ/∂W = xᵀ g, which sums over the batch by itself"},
    "∂ℓ/∂b": {"where": "chapter 2, eq. (2)", "sum": "the bias gradient is not summed over the batch: ∂ℓ/∂b = Σ_n g_n",
              "factor": "the bias gradient is summed over the batch, ∂ℓ/∂b = Σ_n g_n, not averaged"},
    "softmax": {"sign": "the report's eq. (4) has a stray minus: ∂p_i/∂s_k = p_i (δ_ik − p_k)"},
    "mse": {"factor": "with reduction='mean', MSELoss averages over all N·C entries"},
    "cross_entropy": {"factor": "with reduction='mean', the cross-entropy averages over the N samples"},
    "softmax_cross_entropy": {"factor": "with reduction='mean', the cross-entropy averages over the N samples"},
}


def away_from_zero(x: torch.Tensor) -> torch.Tensor:
    """Keep |x| ≥ 0.05, so that ReLU's kink and finite differences never meet."""
    return x.sign() * (x.abs() + 0.05)


def hints_for(ex: Exercise, name: str) -> dict:
    return {"where": ex.where, **HINTS.get(name, {}), **HINTS.get(ex.name, {})}


def run_module(ex: Exercise, cls: type, shape: tuple, gen: torch.Generator) -> None:
    t = ex.title
    n = shape[0]
    m = cls(shape[1], shape[2]) if ex.name == "linear" else cls()
    params = list(m.param()) if hasattr(m, "param") else []
    for p in params:
        p.value = torch.randn(p.value.shape, generator=gen, dtype=torch.float64)
    prior = [torch.randn(p.value.shape, generator=gen, dtype=torch.float64) for p in params]
    for p, r in zip(params, prior, strict=True):
        p.grad = r.clone()  # backward must add into grad, so start from something that is not 0
    x = away_from_zero(torch.randn(n, shape[1], generator=gen, dtype=torch.float64))
    xs = x.clone()
    sizes = {"N": n}

    xr = x.clone().requires_grad_(True)
    pr = [p.value.clone().requires_grad_(True) for p in params]
    with torch.enable_grad():
        out = ORACLES[ex.name](xr, *pr)
        g = torch.randn(out.shape, generator=gen, dtype=torch.float64)
        out.backward(g)
    y = m.forward(x)
    if not torch.equal(x, xs):
        raise Mistake(f"{t}.forward changed its input in place: the cache (or the caller's tensor) was "
                      "overwritten; compute the output into a new tensor", named=True)
    compare(f"{t}.forward", "the output", y, out.detach(), sizes, {"where": ex.where})

    names = PARAMS.get(ex.name, [f"∂ℓ/∂param[{i}]" for i in range(len(params))])
    expected = {INPUT.get(ex.name, "∂ℓ/∂s"): xr.grad, **{nm: q.grad for nm, q in zip(names, pr, strict=True)}}
    hints = {nm: hints_for(ex, nm) for nm in expected}
    try:
        dx = m.backward(g.clone())
    except Mistake:
        raise
    except Exception as exc:  # a torch shape error in an in-place update is read as a wrong shape
        raise explain_error(f"{t}.backward", exc, expected, sizes, hints) from exc
    name_x = next(iter(expected))
    analytic = {name_x: dx}
    for (nm, exp), p, r in zip(list(expected.items())[1:], params, prior, strict=True):
        got = p.grad
        if isinstance(got, torch.Tensor) and got.shape == r.shape:
            if close_to(got, exp) and not close_to(r, torch.zeros_like(r)):
                raise Mistake(f"{t}.backward: {nm} was overwritten instead of accumulated: add into "
                              f"Parameter.grad (+=), as every backward does ({hints[nm]['where']})", named=True)
            got = got - r
        compare(f"{t}.backward", nm, got, exp, sizes, hints[nm])
        analytic[nm] = got
    compare(f"{t}.backward", name_x, dx, expected[name_x], sizes, hints[name_x])
    again = m.backward(g.clone())
    if not (isinstance(again, torch.Tensor) and again.shape == dx.shape and torch.allclose(again, dx)):
        raise Mistake(f"{t}.backward changed its own cache in place: a second backward read the overwritten "
                      "cache and returned another gradient; never modify what forward cached", named=True)

    def scalar() -> float:
        return float((m.forward(x) * g).sum())

    tensors = {name_x: x, **{nm: p.value for nm, p in zip(names, params, strict=True)}}
    for nm, tensor in tensors.items():  # backward against its own forward, too
        err = relative_error(analytic[nm], finite_difference(scalar, tensor, 1e-6))
        if err > 1e-6:
            raise Mistake(f"{t}.backward: {nm} disagrees with finite differences of forward "
                          f"(relative error {err:.2g}) ({ex.where})")


def close_to(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-6, atol=1e-9)


def run_loss(ex: Exercise, cls: type, shape: tuple, gen: torch.Generator) -> None:
    t = ex.title
    n, c = shape
    s = torch.randn(n, c, generator=gen, dtype=torch.float64)
    x = torch.softmax(s, dim=1) if ex.name == "cross_entropy" else s
    target = torch.randint(0, c, (n,), generator=gen)
    rows = torch.zeros(n, c, dtype=torch.float64).scatter_(1, target.unsqueeze(1), 1.0)
    xs = x.clone()
    sizes = {"N": n, "C": c, "N·C": n * c}
    loss = cls()
    xr = x.clone().requires_grad_(True)
    with torch.enable_grad():
        out = ORACLES[ex.name](xr, rows)
        out.backward()
    value = loss.forward(x, target)
    if not torch.equal(x, xs):
        raise Mistake(f"{t}.forward changed its input in place: the cache (or the caller's tensor) was "
                      "overwritten; compute into a new tensor", named=True)
    value = torch.as_tensor(value, dtype=torch.float64).reshape(())
    compare(f"{t}.forward", "the loss", value, out.detach(), sizes, hints_for(ex, "loss"))
    name = INPUT.get(ex.name, "∂ℓ/∂s")
    try:
        d = loss.backward()
    except Exception as exc:
        raise explain_error(f"{t}.backward", exc, {name: xr.grad}, sizes, {name: hints_for(ex, name)}) from exc
    compare(f"{t}.backward", name, d, xr.grad, sizes, hints_for(ex, name))
    again = loss.backward()
    if not (isinstance(again, torch.Tensor) and again.shape == d.shape and torch.allclose(again, d)):
        raise Mistake(f"{t}.backward changed its own cache in place: a second backward read the overwritten "
                      "cache and returned another gradient; never modify what forward cached", named=True)
    err = relative_error(d, finite_difference(lambda: float(loss.forward(x, target)), x, 1e-6))
    if err > 1e-6:
        raise Mistake(f"{t}.backward: {name} disagrees with finite differences of forward "
                      f"(relative error {err:.2g}) ({ex.where})")


def run_optimizer(ex: Exercise, cls: type, momentum: float, gen: torch.Generator) -> None:
    import torch.optim  # the oracle only: minidl's SGD never uses torch.optim

    t, lr = ex.title, 0.1
    shapes = [(3, 4), (4,), (2, 2)]
    values = [torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes]
    grads = [[torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes] for _ in range(3)]
    params = [Parameter(v.clone()) for v in values]
    opt = cls(params, lr=lr, momentum=momentum)
    leaves = [v.clone().requires_grad_(True) for v in values]
    oracle = torch.optim.SGD(leaves, lr=lr, momentum=momentum)
    where = f"{ex.where}: v ← μ v − η g, θ ← θ + v"
    for k, step_grads in enumerate(grads, start=1):
        before = [p.value.clone() for p in params]
        for p, g in zip(params, step_grads, strict=True):
            p.grad = g.clone()
        opt.step()
        for q, g in zip(leaves, step_grads, strict=True):
            q.grad = g.clone()
        oracle.step()
        for i, (p, q, b, g) in enumerate(zip(params, leaves, before, step_grads, strict=True)):
            moved, expected = p.value - b, q.detach() - b
            if close_to(moved, expected):
                continue
            who = f"{t}.step (momentum {momentum}, step {k})"
            if momentum and close_to(moved, -lr * g):
                hint = ("the momentum is missing" if k > 1 else "the step") + ": the velocity v must be kept "
                raise Mistake(f"{who}: θ[{i}] moved by −η g; {hint}between steps ({where})", named=True)
            compare(who, f"the move of θ[{i}]", moved, expected, {}, {
                "where": where, "sign": "a step goes down the gradient, θ ← θ − η g"})
