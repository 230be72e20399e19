"""A trainable tensor: its ``value`` and the ``grad`` of the loss with respect to it (report, section 2)."""

from __future__ import annotations

import torch


class Parameter:
    """Holds ``value`` and ``grad``, a tensor of the same shape, dtype and device.

    ``grad`` starts at zero. Every ``backward`` *adds* into it, so the gradient of
    a sum of losses is the sum of their gradients; call ``zero_grad()`` between steps.
    """

    def __init__(self, value: torch.Tensor) -> None:
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            raise TypeError(f"Parameter: value must be a floating-point tensor, got {value!r:.80}")
        self.value = value.detach()
        self.grad = torch.zeros_like(self.value)

    @property
    def shape(self) -> torch.Size:
        return self.value.shape

    def zero_grad(self) -> None:
        self.grad.zero_()

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> Parameter:
        """Move ``value`` and ``grad`` to ``device`` and/or cast them to ``dtype``, in place."""
        self.value = self.value.to(device=device, dtype=dtype)
        self.grad = self.grad.to(device=device, dtype=dtype)
        return self

    def __repr__(self) -> str:
        shape = "×".join(map(str, self.value.shape)) or "scalar"
        return f"Parameter({shape}, dtype={self.value.dtype}, device={self.value.device})"
