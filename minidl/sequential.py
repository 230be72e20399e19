"""``Sequential``: modules applied one after the other, and the chain rule run backwards."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .module import Module


def check_used_once(root: Module) -> None:
    """Raise if one module instance appears twice in the tree under ``root`` (nested ones included).

    A module caches its forward's input (or output) for its backward, so a second use would
    overwrite the first one's cache and the chain rule would silently use the wrong values.
    Two instances can still share weights: assign the same ``Parameter`` to both.
    """
    seen: dict[int, str] = {}

    def walk(module: Module, path: str) -> None:
        for name, child in module.named_children():
            where = f"{path}{name}"
            if id(child) in seen:
                raise ValueError(
                    f"{type(root).__name__}: module {where} ({child!r:.60}) is the same instance as module "
                    f"{seen[id(child)]}; a module caches its forward pass for backward, so it can be used only "
                    f"once. Create a new instance (e.g. Tanh()); to tie weights, share the Parameter: "
                    f"l2.weight = l1.weight"
                )
            seen[id(child)] = where
            walk(child, where + ".")

    walk(root, "")


class Sequential(Module):
    """``x^L = f_L(... f_2(f_1(x^0)))``.

    ``forward`` applies the modules in order. ``backward`` applies the chain rule
    in reverse: each module turns ``∂ℓ/∂x^l`` into ``∂ℓ/∂x^{l-1}``, down to the first module
    with parameters; ``∂ℓ/∂x^0`` itself only on request (``input_grad=True``), since the input
    is usually data.

    Each module instance may appear only once, here or in a nested ``Sequential``: its cache
    from forward would be overwritten by a second use (``ValueError`` at construction).
    """

    def __init__(self, *modules: Module) -> None:
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(
                    f"Sequential: argument {i} is {type(m).__name__} ({m!r:.60}), not a minidl Module"
                )
        self.modules = list(modules)
        check_used_once(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for module in self.modules:
            x = module.forward(x)
        return x

    def backward(self, grad_output: torch.Tensor, input_grad: bool = False) -> torch.Tensor | None:
        """Run the chain rule from ``∂ℓ/∂x^L`` back to the first module with parameters.

        By default (``input_grad=False``) the network's input is taken to be data, whose gradient
        training never uses: the first module with parameters adds its ``∂ℓ/∂θ`` but skips
        ``∂ℓ/∂x`` (for ``Linear``, the matmul ``g Wᵀ`` of eq. 2; for ``Conv2d``, col2im), the
        parameter-free modules before it are not run backwards at all, and ``None`` is returned.
        Autograd skips the same work, because the data does not require a gradient.

        ``input_grad=True`` runs the whole chain and returns ``∂ℓ/∂x^0``: for ``gradcheck``, for a
        ``Sequential`` nested inside another (the outer one asks for it), or to look at the input's
        gradient. A module built with ``needs_input_grad=False`` still returns ``None`` then.
        """
        first = 0 if input_grad else self.first_with_param()
        for i in range(len(self.modules) - 1, first - 1, -1):
            module = self.modules[i]
            if i == first and not input_grad:
                params_only_backward(module, grad_output)
                return None
            grad_output = input_backward(module, grad_output)  # a nested Sequential's input is ours, not data
        return grad_output if input_grad else None

    def first_with_param(self) -> int:
        """The index of the first module that has parameters (``len(self)`` if none has)."""
        return next((i for i, m in enumerate(self.modules) if m.param()), len(self.modules))

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, module in enumerate(self.modules):
            yield str(i), module

    def __getitem__(self, i: int) -> Module:
        return self.modules[i]

    def __len__(self) -> int:
        return len(self.modules)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {m!r}".replace("\n", "\n  ") for i, m in enumerate(self.modules)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def input_backward(module: Module, grad_output: torch.Tensor) -> torch.Tensor | None:
    """``module.backward(grad_output)``, returning ``∂ℓ/∂x`` for a ``Sequential`` too (``input_grad=True``)."""
    if isinstance(module, Sequential):
        return module.backward(grad_output, input_grad=True)
    return module.backward(grad_output)


def params_only_backward(module: Module, grad_output: torch.Tensor) -> None:
    """``module.backward(grad_output)`` for the parameters' gradients only: ``∂ℓ/∂x`` is not wanted.

    A module with a ``needs_input_grad`` switch (``Linear``, ``Conv2d``) has it turned off for this
    one call, so that it skips that work; any other module runs its full backward.
    """
    if isinstance(module, Sequential):
        module.backward(grad_output)
    elif getattr(module, "needs_input_grad", None) is True:
        module.needs_input_grad = False
        try:
            module.backward(grad_output)
        finally:
            module.needs_input_grad = True
    else:
        module.backward(grad_output)
