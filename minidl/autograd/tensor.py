"""``Tensor``: a value on the tape, with the record of the operation that made it.

Reverse mode in three lines (Griewank & Walther, *Evaluating Derivatives*, 2008): every operation
``y = f(a, b, ...)`` keeps its inputs (``parents``), what its backward pass needs (``saved``) and its
vector–Jacobian product ``vjp``, which maps ``ḡ = ∂ℓ/∂y`` to ``∂ℓ/∂a = ḡ ∂y/∂a``, ... ;
``backward()`` visits the operations from the output back to the leaves, each once, after every
operation that uses its result (reverse topological order), and *adds* what each one sends back,
so a value used twice receives the sum of both contributions (the multivariate chain rule).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import torch

#: ``vjp(saved, g, needs) -> one gradient per parent`` (``None`` where ``needs`` is False)
VJP = Callable[[tuple, torch.Tensor, tuple[bool, ...]], tuple]


class Tensor:
    """A ``value`` (a torch tensor), its ``grad`` after ``backward()``, and how it was computed.

    A leaf is made by the user: ``Tensor(w)``. ``constant=True`` marks a leaf that needs no gradient
    (the data, a target); a Python number becomes a float64 constant. An operation's result has the
    operation's ``op`` name, its ``parents``, its ``saved`` tensors and its ``vjp``; it needs a
    gradient when one of its parents does (``needs_grad``).
    """

    def __init__(self, value: torch.Tensor | float, constant: bool = False) -> None:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            value = torch.tensor(float(value), dtype=torch.float64)
        if isinstance(value, Tensor):
            raise TypeError("Tensor: value is already a Tensor; use it directly, or pass its .value")
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            raise TypeError(f"Tensor: value must be a float or a floating-point torch.Tensor, got {value!r:.80}")
        self.value = value.detach()
        self.grad: torch.Tensor | None = None
        self.needs_grad = not constant
        self.op = "leaf" if not constant else "constant"
        self.parents: tuple[Tensor, ...] = ()
        self.saved: tuple = ()
        self.vjp: VJP | None = None

    @classmethod
    def record(cls, value: torch.Tensor, op: str, parents: tuple[Tensor, ...], saved: tuple, vjp: VJP) -> Tensor:
        """The result of operation ``op`` on ``parents``: a new node of the tape."""
        out = cls(value, constant=True)
        out.op, out.parents, out.saved, out.vjp = op, parents, saved, vjp
        out.needs_grad = any(p.needs_grad for p in parents)
        return out

    @property
    def shape(self) -> torch.Size:
        return self.value.shape

    def item(self) -> float:
        return self.value.item()

    def zero_grad(self) -> None:
        self.grad = None

    def backward(self, seed: torch.Tensor | None = None) -> None:
        """Fill ``.grad`` of every node that needs one, from ``∂ℓ/∂self = seed`` (1 for a scalar).

        Gradients *add* into ``.grad``, as into a ``Parameter``: call ``zero_grad()`` between steps.
        Each node's ``.grad`` is its own tensor, shared with no other node nor with ``seed``.
        """
        who = f"{type(self).__name__}.backward"
        if seed is None:
            if self.value.numel() != 1:
                raise ValueError(f"{who}: the output has shape {tuple(self.shape)}, not a scalar, so there is no "
                                 "implicit seed 1; pass seed=, the gradient ∂ℓ/∂output of that shape")
            seed = torch.ones_like(self.value)
        elif not isinstance(seed, torch.Tensor) or seed.shape != self.shape or seed.dtype != self.value.dtype:
            got = (f"{tuple(seed.shape)}, {seed.dtype}" if isinstance(seed, torch.Tensor)
                   else type(seed).__name__)
            raise ValueError(f"{who}: seed must be a tensor of the output's shape and dtype "
                             f"({tuple(self.shape)}, {self.value.dtype}), got {got}")
        if not self.needs_grad:
            raise RuntimeError(f"{who}: nothing on the tape needs a gradient (every leaf is a constant); "
                               "make the leaves to differentiate with Tensor(value)")
        grads = {id(self): seed}
        for node in reversed(topological_order(self)):
            g = grads.pop(id(node), None)
            if g is None:  # no operation sent a gradient back to it
                continue
            # a copy on the first store: g may be the seed, or the very tensor an add passed to each operand
            node.grad = g.clone() if node.grad is None else node.grad + g
            if node.vjp is None:
                continue
            needs = tuple(p.needs_grad for p in node.parents)
            for parent, gp in zip(node.parents, node.vjp(node.saved, g, needs), strict=True):
                if gp is None or not parent.needs_grad:
                    continue
                grads[id(parent)] = gp if id(parent) not in grads else grads[id(parent)] + gp  # used twice: add

    # the operators, so that a formula reads as one: defined in ops.py
    def __add__(self, other): return _ops().add(self, other)
    def __radd__(self, other): return _ops().add(other, self)
    def __sub__(self, other): return _ops().sub(self, other)
    def __rsub__(self, other): return _ops().sub(other, self)
    def __mul__(self, other): return _ops().mul(self, other)
    def __rmul__(self, other): return _ops().mul(other, self)
    def __truediv__(self, other): return _ops().div(self, other)
    def __rtruediv__(self, other): return _ops().div(other, self)
    def __neg__(self): return _ops().mul(self, -1.0)
    def __pow__(self, k): return _ops().power(self, k)
    def __matmul__(self, other): return _ops().matmul(self, other)

    def sum(self): return _ops().total(self)
    def mean(self): return _ops().mean(self)
    def tanh(self): return _layers().tanh(self)
    def relu(self): return _layers().relu(self)

    def __repr__(self) -> str:
        if self.value.numel() == 1:
            return f"Tensor({self.value.item():.4g}, op={self.op!r})"
        return f"Tensor(shape={tuple(self.shape)}, dtype={self.value.dtype}, op={self.op!r})"


def topological_order(root: Tensor) -> list[Tensor]:
    """Every node that ``root`` depends on and that needs a gradient, each after all of its parents.

    A depth-first search with an explicit stack (a deep tape would overflow Python's recursion),
    appending a node once all its parents are in: reversed, each node comes after every node that uses it.
    """
    order: list[Tensor] = []
    done: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if id(node) in done:
            continue
        if parents_done:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if p.needs_grad and id(p) not in done)
    return order


def as_tensor(x: Tensor | float | torch.Tensor, like: Tensor | None = None) -> Tensor:
    """``x`` itself if a ``Tensor``; otherwise a constant (a number takes ``like``'s dtype and device)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool) and like is not None:
        return Tensor(torch.tensor(float(x), dtype=like.value.dtype, device=like.value.device), constant=True)
    return Tensor(x, constant=True)


def _ops():
    from . import ops  # ops imports this file: the import is deferred to the call
    return ops


def _layers():
    from . import layers
    return layers
