"""``Sequential``: modules applied one after the other, and the chain rule run backwards."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .module import Module
from .parameter import Parameter


class Sequential(Module):
    """``x^L = f_L(... f_2(f_1(x^0)))``.

    ``forward`` applies the modules in order. ``backward`` applies the chain rule
    in reverse: each module turns ``∂ℓ/∂x^l`` into ``∂ℓ/∂x^{l-1}``.
    """

    def __init__(self, *modules: Module) -> None:
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(
                    f"Sequential: argument {i} is {type(m).__name__} ({m!r:.60}), not a minidl Module"
                )
        self.modules = list(modules)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for module in self.modules:
            x = module.forward(x)
        return x

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor:
        for module in reversed(self.modules):
            grad_output = module.backward(grad_output)
        return grad_output

    def named_param(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        for i, module in enumerate(self.modules):
            yield from module.named_param(f"{prefix}{i}.")

    def children(self) -> list[Module]:
        return list(self.modules)

    def __getitem__(self, i: int) -> Module:
        return self.modules[i]

    def __len__(self) -> int:
        return len(self.modules)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {m!r}".replace("\n", "\n  ") for i, m in enumerate(self.modules)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"
