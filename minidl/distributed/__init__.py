"""Data parallelism by hand on torch.distributed: the model wrapper, its gradient bucket, sharding and a launcher.

``launch(fn, nproc)`` runs ``fn(rank, world_size)`` in ``nproc`` processes that have joined one process
group; inside, ``DistributedDataParallel(model)`` broadcasts rank 0's parameters and averages every
gradient over the ranks after ``backward``, and ``shard`` gives each rank its rows of the data.
"""

from .bucket import GradBucket, broadcast_parameters
from .data_parallel import DistributedDataParallel
from .group import DEFAULT_TIMEOUT, backend_for, join, leave
from .launch import RankFailed, free_port, launch
from .shard import shard
from .train import Run, train_report_net

__all__ = ["DEFAULT_TIMEOUT", "DistributedDataParallel", "GradBucket", "RankFailed", "Run", "backend_for",
           "broadcast_parameters", "free_port", "join", "launch", "leave", "shard", "train_report_net"]
