"""The abstract ``Module``: every layer, activation and network overrides ``forward``,
``backward`` and ``param`` (report, section 2)."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .parameter import Parameter


class Module:
    """A differentiable function with an explicit backward pass.

    The contract, for a module computing ``y = f(x)`` inside a loss ``ℓ``:

    * ``forward(x)`` returns ``y`` and caches what ``backward`` needs;
    * ``backward(grad_output)`` takes ``∂ℓ/∂y`` and returns ``∂ℓ/∂x``
      (the chain rule), and **adds** ``∂ℓ/∂θ`` into ``θ.grad`` for each parameter θ;
    * ``param()`` returns the list of the module's ``Parameter`` objects.
    """

    training: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement backward()")

    def param(self) -> list[Parameter]:
        return [p for _, p in self.named_param()]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)

    # -- everything below is bookkeeping, built on named_param() --------------------

    def named_param(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` for the parameters and sub-modules held as attributes."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
            elif isinstance(value, Module):
                yield from value.named_param(f"{prefix}{name}.")

    def children(self) -> list[Module]:
        return [v for v in vars(self).values() if isinstance(v, Module)]

    def zero_grad(self) -> None:
        for p in self.param():
            p.grad.zero_()

    def train(self, mode: bool = True) -> Module:
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> Module:
        """Move every parameter to ``device`` and/or cast it to ``dtype``, in place."""
        for p in self.param():
            p.to(device=device, dtype=dtype)
        return self

    def state_dict(self) -> dict[str, torch.Tensor]:
        """A copy of every parameter's value, by name (e.g. ``"0.weight"``)."""
        return {name: p.value.clone() for name, p in self.named_param()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Copy ``state`` into the parameters; every name must be present with the same shape."""
        own = dict(self.named_param())
        who = type(self).__name__
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected:
            raise KeyError(f"{who}.load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        for name, p in own.items():
            value = state[name]
            if not isinstance(value, torch.Tensor) or value.shape != p.value.shape:
                got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
                raise ValueError(
                    f"{who}.load_state_dict: '{name}' has shape {got}, expected {tuple(p.value.shape)}"
                )
        for name, p in own.items():
            p.value.copy_(state[name])

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"
