"""One flat buffer for every gradient: the step's all-reduce is one call, not one per tensor.

A collective has a fixed cost per call (a round trip between the ranks) on top of its bytes, so the
gradients are packed into one contiguous buffer, reduced once, and copied back, as DDP's buckets do
(Li et al. 2020). With a single bucket the whole model is one message.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import torch
import torch.distributed as dist

from ..checks import check_one_kind
from ..parameter import Parameter


def flat_buffer(who: str, params: Sequence[Parameter]) -> torch.Tensor:
    """A zero buffer of the parameters' total size, dtype and device (all must share the last two)."""
    check_one_kind(who, list(params))
    first = params[0].value
    return torch.zeros(sum(p.value.numel() for p in params), dtype=first.dtype, device=first.device)


def broadcast_parameters(params: Sequence[Parameter], src: int = 0) -> None:
    """Overwrite every rank's parameter values with rank ``src``'s, in one ``broadcast`` of a flat buffer."""
    buffer = flat_buffer("broadcast_parameters", params)
    torch.cat([p.value.reshape(-1) for p in params], out=buffer)
    dist.broadcast(buffer, src=src)
    offset = 0
    for p in params:
        n = p.value.numel()
        p.value.copy_(buffer[offset : offset + n].view_as(p.value))
        offset += n


class GradBucket:
    """Averages the parameters' gradients over the ranks: ``g ← (1/p) Σ_r g_r``, one ``all_reduce`` a call.

    ``average()`` packs every ``grad`` into the flat buffer, sums it over the ``p`` ranks, divides it by
    ``p`` and copies each slice back into its ``grad``. Sum then divide, because gloo's ``ReduceOp.AVG``
    (the same sum and division) only came in 2025 and minidl supports older torch, whose gloo has none.
    ``calls`` and ``seconds`` count the reductions and their elapsed time, waiting for the slowest rank included.
    """

    def __init__(self, params: Sequence[Parameter]) -> None:
        self.params = list(params)
        self.buffer = flat_buffer(type(self).__name__, self.params)
        self.calls, self.seconds = 0, 0.0

    def average(self) -> None:
        start = time.perf_counter()
        world_size = dist.get_world_size()
        torch.cat([p.grad.reshape(-1) for p in self.params], out=self.buffer)  # pack
        dist.all_reduce(self.buffer, op=dist.ReduceOp.SUM)  # Σ_r g_r, on every rank
        self.buffer.div_(world_size)  # the mean over the ranks
        offset = 0
        for p in self.params:  # unpack
            n = p.value.numel()
            p.grad.copy_(self.buffer[offset : offset + n].view_as(p.value))
            offset += n
        self.calls += 1
        self.seconds += time.perf_counter() - start

    @property
    def nbytes(self) -> int:
        """The bytes one reduction sends into the all-reduce: the model's size."""
        return self.buffer.numel() * self.buffer.element_size()
