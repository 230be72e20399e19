"""The elementary operations of the tape and their vector–Jacobian products.

Each ``op(a, b)`` computes its value from the operands' values and records a ``Tensor`` with what its
``vjp`` needs. For ``y = f(a, b)`` and ``g = ∂ℓ/∂y``, the products are the chain rule, one line each:

* ``a + b``:  ``(g, g)``;   ``a − b``:  ``(g, −g)``;   ``a ⊙ b``:  ``(g ⊙ b, g ⊙ a)``;
  ``a / b``:  ``(g / b, −g ⊙ a / b²)``;   ``a^k``:  ``g ⊙ k a^(k−1)``;
* ``exp a``:  ``g ⊙ exp a``;   ``log a``:  ``g / a``;
* ``a @ b``:  ``(g bᵀ, aᵀ g)``, eq. (2) without its bias;
* ``Σ a`` and ``mean a``:  ``g`` spread over every entry (``/ n`` for the mean).

An operand broadcast up to the result's shape (a bias row added to every sample) receives ``g`` summed
over the broadcast dimensions: ``unbroadcast``, the ``Σ_n g_n`` of eq. (2).
"""

from __future__ import annotations

import numbers

import torch

from .tensor import Tensor, as_tensor


def unbroadcast(g: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """``g`` summed over the dimensions along which an operand of ``shape`` was broadcast."""
    extra = g.dim() - len(shape)
    dims = [*range(extra), *(extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)]
    return g.sum(dim=dims, keepdim=True).reshape(shape) if dims else g


def operands(op: str, a, b) -> tuple[Tensor, Tensor]:
    """Both operands as ``Tensor`` s (a number takes the other's dtype); raise unless they broadcast."""
    a = as_tensor(a, like=b if isinstance(b, Tensor) else None)
    b = as_tensor(b, like=a)
    if a.value.dtype != b.value.dtype or a.value.device != b.value.device:
        raise TypeError(f"{op}: operands are {a.value.dtype} on {a.value.device} and {b.value.dtype} on "
                        f"{b.value.device}; convert one so that both match")
    try:
        torch.broadcast_shapes(a.shape, b.shape)
    except RuntimeError:
        raise ValueError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} do not broadcast; a dimension "
                         "must be equal in both or 1 in one of them") from None
    return a, b


def add(a, b) -> Tensor:
    a, b = operands("add", a, b)
    return Tensor.record(a.value + b.value, "add", (a, b), (a.shape, b.shape), add_vjp)


def add_vjp(saved, g, needs):
    sa, sb = saved
    return (unbroadcast(g, sa) if needs[0] else None,  # ∂(a + b)/∂a = 1
            unbroadcast(g, sb) if needs[1] else None)  # ∂(a + b)/∂b = 1


def sub(a, b) -> Tensor:
    a, b = operands("sub", a, b)
    return Tensor.record(a.value - b.value, "sub", (a, b), (a.shape, b.shape), sub_vjp)


def sub_vjp(saved, g, needs):
    sa, sb = saved
    return (unbroadcast(g, sa) if needs[0] else None,  # ∂(a − b)/∂a = 1
            unbroadcast(-g, sb) if needs[1] else None)  # ∂(a − b)/∂b = −1


def mul(a, b) -> Tensor:
    a, b = operands("mul", a, b)
    return Tensor.record(a.value * b.value, "mul", (a, b), (a.value, b.value), mul_vjp)


def mul_vjp(saved, g, needs):
    a, b = saved
    return (unbroadcast(g * b, a.shape) if needs[0] else None,  # ∂(a b)/∂a = b
            unbroadcast(g * a, b.shape) if needs[1] else None)  # ∂(a b)/∂b = a


def div(a, b) -> Tensor:
    a, b = operands("div", a, b)
    return Tensor.record(a.value / b.value, "div", (a, b), (a.value, b.value), div_vjp)


def div_vjp(saved, g, needs):
    a, b = saved
    return (unbroadcast(g / b, a.shape) if needs[0] else None,  # ∂(a/b)/∂a = 1/b
            unbroadcast(-g * a / (b * b), b.shape) if needs[1] else None)  # ∂(a/b)/∂b = −a/b²


def power(a: Tensor, k: float) -> Tensor:
    """``a^k`` for a constant number ``k``."""
    if not isinstance(k, numbers.Real) or isinstance(k, bool):
        raise TypeError(f"power: the exponent must be a constant number, got {type(k).__name__}; "
                        "for a variable exponent write exp(k * log(a))")
    a = as_tensor(a)
    return Tensor.record(a.value**k, "power", (a,), (a.value, k), power_vjp)


def power_vjp(saved, g, needs):
    a, k = saved
    return (g * k * a ** (k - 1),)  # ∂(a^k)/∂a = k a^(k−1)


def exp(a: Tensor) -> Tensor:
    y = torch.exp(a.value)
    return Tensor.record(y, "exp", (a,), (y,), exp_vjp)


def exp_vjp(saved, g, needs):
    (y,) = saved
    return (g * y,)  # ∂(e^a)/∂a = e^a, the output: no second exp


def log(a: Tensor) -> Tensor:
    return Tensor.record(torch.log(a.value), "log", (a,), (a.value,), log_vjp)


def log_vjp(saved, g, needs):
    (a,) = saved
    return (g / a,)  # ∂(log a)/∂a = 1/a


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` for 2-D ``a`` ``(N, K)`` and ``b`` ``(K, M)``."""
    a, b = operands_2d(a, b)
    return Tensor.record(a.value @ b.value, "matmul", (a, b), (a.value, b.value), matmul_vjp)


def operands_2d(a, b) -> tuple[Tensor, Tensor]:
    a, b = as_tensor(a), as_tensor(b)
    if a.value.dim() != 2 or b.value.dim() != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul: needs (N, K) @ (K, M), got {tuple(a.shape)} @ {tuple(b.shape)}")
    if a.value.dtype != b.value.dtype:
        raise TypeError(f"matmul: operands are {a.value.dtype} and {b.value.dtype}; convert one so that both match")
    return a, b


def matmul_vjp(saved, g, needs):
    a, b = saved
    return (g @ b.T if needs[0] else None,  # ∂ℓ/∂a = g bᵀ   (2)
            a.T @ g if needs[1] else None)  # ∂ℓ/∂b = aᵀ g   (2)


def total(a: Tensor) -> Tensor:
    """``Σ a``, over every entry: a scalar."""
    return Tensor.record(a.value.sum(), "sum", (a,), (a.shape,), total_vjp)


def total_vjp(saved, g, needs):
    (shape,) = saved
    return (g.expand(shape),)  # ∂(Σ a)/∂a_j = 1


def mean(a: Tensor) -> Tensor:
    """``(1/n) Σ a``, over every entry: a scalar."""
    return Tensor.record(a.value.mean(), "mean", (a,), (a.shape,), mean_vjp)


def mean_vjp(saved, g, needs):
    (shape,) = saved
    return (g.expand(shape) / shape.numel(),)  # ∂(mean a)/∂a_j = 1/n
