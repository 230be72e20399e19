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
    in reverse: each module turns ``∂ℓ/∂x^l`` into ``∂ℓ/∂x^{l-1}``.

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

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        for module in reversed(self.modules):
            grad_output = module.backward(grad_output)
        return grad_output

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
