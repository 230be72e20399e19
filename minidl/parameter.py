"""A trainable tensor: its ``value`` and the ``grad`` of the loss with respect to it (report, section 2)."""

from __future__ import annotations

import torch


class Parameter:
    """Holds ``value`` and ``grad``, a tensor of the same shape, dtype and device.

    ``grad`` starts at zero. Every ``backward`` *adds* into it, so the gradient of
    a sum of losses is the sum of their gradients; call ``zero_grad()`` between steps.

    ``p.grad = None`` clears the gradient, as in torch: it reads as zeros afterwards (a fresh
    tensor), so ``backward``, ``zero_grad()`` and an optimizer's ``step()`` keep working. Any
    other value must be a tensor of the value's shape, dtype and device. Neither ``value`` nor
    ``grad`` ever carries an autograd graph: tensors that require grad are detached.
    """

    def __init__(self, value: torch.Tensor) -> None:
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            raise TypeError(f"Parameter: value must be a floating-point tensor, got {value!r:.80}")
        self.value = value.detach()
        self._grad: torch.Tensor | None = torch.zeros_like(self.value)

    @property
    def grad(self) -> torch.Tensor:
        if self._grad is None:  # cleared with p.grad = None: no gradient yet, i.e. zero
            self._grad = torch.zeros_like(self.value)
        return self._grad

    @grad.setter
    def grad(self, g: torch.Tensor | None) -> None:
        if g is not None:
            v = self.value
            if not isinstance(g, torch.Tensor):
                raise TypeError(f"Parameter: grad must be a torch.Tensor or None, got {type(g).__name__}")
            if g.shape != v.shape or g.dtype != v.dtype or g.device != v.device:
                raise ValueError(
                    f"Parameter: grad must match the value ({tuple(v.shape)}, {v.dtype}, {v.device}), "
                    f"got {tuple(g.shape)}, {g.dtype}, {g.device}"
                )
            g = g.detach()
        self._grad = g

    @property
    def shape(self) -> torch.Size:
        return self.value.shape

    def zero_grad(self) -> None:
        self.grad.zero_()

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> Parameter:
        """Move ``value`` and ``grad`` to ``device`` and/or cast them to ``dtype``, in place.
        Only floating-point dtypes: a gradient step needs real, fractional values."""
        if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
            raise TypeError(f"Parameter.to: dtype must be a floating-point torch.dtype, got {dtype!r}")
        self.value = self.value.to(device=device, dtype=dtype)
        self._grad = self.grad.to(device=device, dtype=dtype)
        return self

    def __repr__(self) -> str:
        shape = "×".join(map(str, self.value.shape)) or "scalar"
        return f"Parameter({shape}, dtype={self.value.dtype}, device={self.value.device})"
