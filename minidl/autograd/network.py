"""A ``Sequential`` of the framework's modules, run on the tape instead of by its own ``backward``.

``TapeNet(net)`` makes one leaf ``Tensor`` per ``Parameter`` (sharing its storage, so an optimizer's
in-place step moves both); ``forward(x)`` records each layer's operation; after ``loss.backward()``,
``to_params()`` adds the leaves' gradients into the ``Parameter`` s, where ``minidl.SGD`` reads them.
The explicit ``net.backward`` and the tape then give the same step, which is what the tests check.
"""

from __future__ import annotations

import torch

from ..nn.linear import Linear
from ..nn.relu import ReLU
from ..nn.softmax import Softmax
from ..nn.tanh import Tanh
from ..sequential import Sequential
from .layers import linear, relu, softmax, tanh
from .tensor import Tensor

ELEMENTWISE = {Tanh: tanh, ReLU: relu, Softmax: softmax}


class TapeNet:
    """The layers of ``net`` (``Linear``, ``Tanh``, ``ReLU``, ``Softmax``) as operations on the tape."""

    def __init__(self, net: Sequential) -> None:
        if not isinstance(net, Sequential):
            raise TypeError(f"{type(self).__name__}: net must be a minidl.Sequential, got {type(net).__name__}")
        for i, m in enumerate(net.modules):
            if not isinstance(m, Linear) and type(m) not in ELEMENTWISE:
                known = ", ".join(c.__name__ for c in (Linear, *ELEMENTWISE))
                raise TypeError(f"{type(self).__name__}: layer {i} is a {type(m).__name__}; the tape knows {known}")
        self.net = net
        self.leaves = {id(p): Tensor(p.value) for m in net.modules for p in m.param()}

    def forward(self, x: torch.Tensor) -> Tensor:
        h = Tensor(x, constant=True)  # the data: no gradient, so the first layer skips ∂ℓ/∂x
        for m in self.net.modules:
            if isinstance(m, Linear):
                h = linear(h, self.leaves[id(m.weight)], self.leaves[id(m.bias)])
            else:
                h = ELEMENTWISE[type(m)](h)
        return h

    __call__ = forward

    def zero_grad(self) -> None:
        for leaf in self.leaves.values():
            leaf.zero_grad()

    def to_params(self) -> None:
        """Add each leaf's ``grad`` into its ``Parameter.grad``."""
        for m in self.net.modules:
            for p in m.param():
                g = self.leaves[id(p)].grad
                if g is not None:
                    p.grad.add_(g)
