"""Each rank's share of the data: every p-th row, starting at its rank."""

from __future__ import annotations

import torch

from ..checks import check_int
from ..train import check_set


def shard(x: torch.Tensor, y: torch.Tensor, rank: int, world_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows ``rank, rank + p, rank + 2p, ...`` of ``(x, y)`` for ``p = world_size``, ``⌊n/p⌋`` of them.

    Strided, as ``torch.utils.data.DistributedSampler`` without shuffling: rank r's local batch k of
    ``b`` rows and the other ranks' local batches k together are exactly the rows of batch k of ``p·b``
    rows in one process, so p ranks at batch ``b`` take the same steps as one process at batch ``p·b``.
    Every rank gets the same number of rows (the last ``n mod p`` rows are dropped): a rank with one
    step more would wait in its extra all-reduce for ranks that never come.
    """
    check_int("shard", "world_size", world_size)
    check_int("shard", "rank", rank, least=0)
    if rank >= world_size:
        raise ValueError(f"shard: rank must lie in [0, {world_size}), got {rank}")
    check_set("shard", x, y)
    n = x.shape[0] // world_size
    if n == 0:
        raise ValueError(f"shard: {x.shape[0]} rows cannot give each of {world_size} ranks a row; "
                         "use fewer processes or more data")
    rows = slice(rank, n * world_size, world_size)
    return x[rows], y[rows]
