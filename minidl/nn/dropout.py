"""``Dropout``: inverted dropout, which zeroes a random share ``p`` of the units while training."""

from __future__ import annotations

import torch

from ..checks import check_float, check_grad
from ..module import Module


class Dropout(Module):
    """In training, ``x = s ⊙ m / (1 − p)`` with a fresh mask ``m`` of independent Bernoulli(1 − p)
    draws at each ``forward``: each unit is dropped with probability ``p``, and the survivors are
    scaled by ``1/(1 − p)`` so that ``E[x] = s``. In ``eval()`` mode, and for ``p = 0``, ``x = s``:
    nothing is rescaled at test time (that is what "inverted" means).

    Backward: the mask is a constant, so ``∂ℓ/∂s = ∂ℓ/∂x ⊙ m / (1 − p)``, with the mask of the last
    forward.

    ``generator`` makes the masks reproducible: ``m_j = [u_j ≥ p]`` with ``u`` uniform in [0, 1),
    drawn from it. ``freeze_mask=True`` keeps the first mask for every later forward (of the same
    shape), which turns dropout into a fixed function that a gradient check can differentiate.
    """

    def __init__(self, p: float = 0.5, generator: torch.Generator | None = None, freeze_mask: bool = False) -> None:
        if not (isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p < 1):
            raise ValueError(f"{type(self).__name__}: p must be a probability in [0, 1), got p={p!r}")
        self.p, self.generator, self.freeze_mask = float(p), generator, freeze_mask
        self.mask: torch.Tensor | None = None  # m, the last mask drawn (bool: True = kept)
        self.dropping = False  # whether the last forward applied the mask
        self.output_shape: tuple[int, ...] | None = None  # for backward's check
        self.like: torch.Tensor | None = None  # an empty tensor of the input's dtype and device

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        s = check_float(type(self).__name__, s)
        self.dropping = self.training and self.p > 0
        self.output_shape, self.like = tuple(s.shape), s.new_empty(0)
        if not self.dropping:
            return s
        if not (self.freeze_mask and self.mask is not None and self.mask.shape == s.shape):
            device = s.device if self.generator is None else self.generator.device
            u = torch.rand(s.shape, generator=self.generator, device=device)
            self.mask = (u >= self.p).to(s.device)  # m_j = [u_j ≥ p], 1 with probability 1 − p
        return s * self.mask / (1 - self.p)  # x = s ⊙ m / (1 − p)

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        grad_output = check_grad(type(self).__name__, self.output_shape, grad_output, like=self.like)
        if not self.dropping:
            return grad_output
        return grad_output * self.mask / (1 - self.p)  # ∂ℓ/∂s = g ⊙ m / (1 − p)

    def extra_repr(self) -> str:
        return f"p={self.p}"
