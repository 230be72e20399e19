"""The report's network (section 3)."""

from __future__ import annotations

import torch

from .nn.linear import Linear
from .nn.softmax import Softmax
from .nn.tanh import Tanh
from .sequential import Sequential


def report_net(
    softmax: bool = False,
    init: str = "gaussian",
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
    hidden: int = 25,
) -> Sequential:
    """2 inputs, three hidden ``Linear`` layers of 25 units each followed by ``Tanh``, 2 outputs;
    with ``softmax=True`` a ``Softmax`` after the output layer (for ``CrossEntropyLoss``)."""
    kw = dict(init=init, generator=generator, dtype=dtype, device=device)
    layers = [Linear(2, hidden, **kw), Tanh(), Linear(hidden, hidden, **kw), Tanh(),
              Linear(hidden, hidden, **kw), Tanh(), Linear(hidden, 2, **kw)]
    if softmax:
        layers.append(Softmax())
    return Sequential(*layers)
