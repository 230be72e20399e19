"""How long one data-parallel step takes, and how much of it is the all-reduce: for ``make bench`` and the book."""

from __future__ import annotations

import time
from collections.abc import Sequence

import torch

from ..data import seeded
from ..losses.mse import MSELoss
from ..nn.linear import Linear
from ..nn.tanh import Tanh
from ..optim.sgd import SGD
from ..sequential import Sequential
from .data_parallel import DistributedDataParallel
from .shard import shard


def tanh_mlp(sizes: Sequence[int], seed: int = 0) -> Sequential:
    """``Linear`` layers of the given sizes with ``Tanh`` between them, Xavier init from ``seeded(seed)``:
    ``(2, 25, 25, 25, 2)`` is the report's net, ``(1024,) * 4`` the benchmark's wide MLP."""
    g = seeded(seed)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers += [Tanh()] if i else []
        layers.append(Linear(fan_in, fan_out, init="xavier", generator=g))
    return Sequential(*layers)


def step_times(rank: int, world_size: int, sizes: Sequence[int], batch: int, repeats: int = 5) -> dict[str, float]:
    """The fastest of ``repeats`` SGD steps (MSE, random data) of ``tanh_mlp(sizes)`` on a global batch of
    ``batch`` rows, this rank's share of them, and that step's all-reduce, in seconds of elapsed time.

    One rank trains the plain model (no all-reduce); several wrap it in ``DistributedDataParallel``.
    """
    g = seeded(1)
    x, t = shard(torch.randn(batch, sizes[0], generator=g), torch.randn(batch, sizes[-1], generator=g),
                 rank, world_size)
    net = tanh_mlp(sizes)
    model = net if world_size == 1 else DistributedDataParallel(net)
    loss_fn, optimizer = MSELoss(), SGD(model.param(), lr=0.01, momentum=0.9)
    best = (float("inf"), 0.0)
    for i in range(repeats + 1):  # the first step warms up
        reduced = model.bucket.seconds if world_size > 1 else 0.0
        start = time.perf_counter()
        loss_fn(model(x), t)
        model.backward(loss_fn.backward())
        optimizer.step()
        optimizer.zero_grad()
        step = time.perf_counter() - start
        if i > 0 and step < best[0]:
            best = (step, (model.bucket.seconds if world_size > 1 else 0.0) - reduced)
    return {"step": best[0], "all-reduce": best[1], "rows": x.shape[0]}
