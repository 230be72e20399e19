"""``SGD``: stochastic gradient descent, with momentum as in Sutskever et al. (2013)."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from ..parameter import Parameter
from .base import Optimizer


class SGD(Optimizer):
    r"""For each parameter θ with gradient g = ∂ℓ/∂θ, learning rate η and momentum μ:

        v ← μ v − η g
        θ ← θ + v            (classical momentum, Sutskever et al. 2013, eq. 1–2; v starts at 0)

    With μ = 0 this is plain SGD, θ ← θ − η g.

    ``torch.optim.SGD`` writes the same method with a buffer b of *gradients*:
    b ← μ b + g, θ ← θ − η b (and b = g on the first step, which is μ·0 + g).
    With a constant η, v = −η b holds after every step (by induction: −η(μ b + g) = μ(−η b) − η g),
    so both produce the same parameters step for step, up to rounding.
    They would differ only if η changed during training.
    """

    buffers = ("velocity",)
    scalars = ("lr", "momentum")

    def __init__(self, params: Iterable[Parameter], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        if isinstance(momentum, bool) or not (isinstance(momentum, (int, float)) and 0 <= momentum < 1):
            raise ValueError(f"SGD: momentum must lie in [0, 1), got momentum={momentum!r}")
        self.momentum = float(momentum)
        self.velocity = [torch.zeros_like(p.value) for p in self.params]

    def step(self) -> None:
        ### BEGIN SOLUTION  v ← μ v − η g, θ ← θ + v (chapter 7)
        if not self.momentum:
            for p in self.params:
                p.value.add_(p.grad, alpha=-self.lr)  # θ ← θ − η g
            return
        for p, v in zip(self.params, self.velocity, strict=True):
            v.mul_(self.momentum).add_(p.grad, alpha=-self.lr)  # v ← μ v − η g
            p.value.add_(v)  # θ ← θ + v
        ### END SOLUTION
