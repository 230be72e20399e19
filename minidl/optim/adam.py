"""``Adam``: adaptive moment estimation (Kingma & Ba 2015), an optimizer the report's conclusion proposes."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from ..parameter import Parameter
from .base import Optimizer


class Adam(Optimizer):
    r"""Kingma & Ba (2015), Algorithm 1. For each parameter θ with gradient g = ∂ℓ/∂θ, at step t = 1, 2, …:

        m ← β₁ m + (1 − β₁) g                 first moment: a running mean of g
        v ← β₂ v + (1 − β₂) g²                second moment: a running mean of g², elementwise
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)    bias corrections (m and v start at 0)
        θ ← θ − η m̂ / (√v̂ + ε)

    Each coordinate moves by about η, whatever the scale of its gradient: ``m̂/√v̂`` is near ±1
    for a steady gradient. The defaults are the paper's and ``torch.optim.Adam``'s: η = 0.001,
    β = (0.9, 0.999), ε = 1e-8. ``weight_decay`` λ adds λθ to g first (L2, as ``torch.optim.Adam``,
    not AdamW). The operations follow torch's order, so the two agree step for step up to rounding.
    """

    buffers = ("m", "v")
    scalars = ("lr", "betas", "eps", "weight_decay", "t")

    def __init__(self, params: Iterable[Parameter], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2
                and all(isinstance(b, (int, float)) and not isinstance(b, bool) and 0 <= b < 1 for b in betas)):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got betas={betas!r}")
        if isinstance(eps, bool) or not (isinstance(eps, (int, float)) and eps >= 0):
            raise ValueError(f"Adam: eps must be a number ≥ 0, got eps={eps!r}")
        self.eps = float(eps)
        if isinstance(weight_decay, bool) or not (isinstance(weight_decay, (int, float)) and weight_decay >= 0):
            raise ValueError(f"Adam: weight_decay must be a number ≥ 0, got weight_decay={weight_decay!r}")
        self.betas, self.weight_decay = (float(betas[0]), float(betas[1])), float(weight_decay)
        self.t = 0
        self.m = [torch.zeros_like(p.value) for p in self.params]
        self.v = [torch.zeros_like(p.value) for p in self.params]

    def step(self) -> None:
        self.t += 1
        (b1, b2), t = self.betas, self.t
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = p.grad if not self.weight_decay else p.grad + self.weight_decay * p.value
            m.mul_(b1).add_(g, alpha=1 - b1)  #                                    m ← β₁ m + (1 − β₁) g
            v.mul_(b2).addcmul_(g, g, value=1 - b2)  #                              v ← β₂ v + (1 − β₂) g²
            denominator = (v.sqrt() / math.sqrt(1 - b2**t)).add_(self.eps)  #      √v̂ + ε
            p.value.addcdiv_(m, denominator, value=-self.lr / (1 - b1**t))  #     θ ← θ − η m̂ / (√v̂ + ε)
