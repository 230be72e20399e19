"""The abstract ``Module``: every layer, activation and network overrides ``forward``,
``backward`` and ``param`` (report, section 2)."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .checks import check_loadable
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

    # -- everything below is bookkeeping, built on named_children() -----------------

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for the sub-modules held as attributes (``Sequential``: by position)."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def named_param(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` for the parameters held as attributes, then those of the sub-modules.

        A ``Parameter`` shared by two layers (tied weights, ``l2.weight = l1.weight``) is listed once,
        under its first name, as torch's ``named_parameters()``: an optimizer steps it once, with the
        gradients of both uses added in its ``grad``. ``remove_duplicate=False`` lists every name
        (``state_dict`` does, as torch's).
        """
        seen: set[int] = set()
        for name, p in self._all_param(prefix):
            if remove_duplicate:
                if id(p) in seen:
                    continue
                seen.add(id(p))
            yield name, p

    def _all_param(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child._all_param(f"{prefix}{name}.")

    def children(self) -> list[Module]:
        return [m for _, m in self.named_children()]

    def zero_grad(self) -> None:
        for p in self.param():
            p.zero_grad()

    def train(self, mode: bool = True) -> Module:
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> Module:
        """Move every parameter to ``device`` and/or cast it to ``dtype`` (floating point only), in place."""
        if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
            raise TypeError(
                f"{type(self).__name__}.to: dtype must be a floating-point torch.dtype (e.g. torch.float64), "
                f"got {dtype!r}; parameters are trained by fractional steps"
            )
        for p in self.param():
            p.to(device=device, dtype=dtype)
        return self

    def state_dict(self) -> dict[str, torch.Tensor]:
        """A copy of every parameter's value, by name (e.g. ``"0.weight"``); a tied one under each name."""
        return {name: p.value.clone() for name, p in self.named_param(remove_duplicate=False)}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Copy ``state`` into the parameters, all or nothing: every name must be present, with a dense real
        tensor of the same shape on a device with data; each is checked before any is copied. Values are
        cast to the parameter's dtype and device, and never carry an autograd graph."""
        own = dict(self.named_param(remove_duplicate=False))
        who = type(self).__name__
        if not isinstance(state, dict):
            raise TypeError(f"{who}.load_state_dict: state must be a dict of tensors, got {type(state).__name__}")
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected:
            raise KeyError(f"{who}.load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        for name, p in own.items():
            check_loadable(f"{who}.load_state_dict: '{name}'", state[name], p.value)
        for name, p in own.items():
            p.value.copy_(state[name].detach())

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"
