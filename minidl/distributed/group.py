"""The process group: every rank joins it once, over TCP on 127.0.0.1, with a timeout so that nothing hangs.

``torch.distributed`` is the engine (the framework's rule excludes torch.nn and autograd, not the
collectives). The backend follows the parameters' device: gloo for CPU tensors, nccl for CUDA ones.
"""

from __future__ import annotations

import datetime
import os
import sys

import torch
import torch.distributed as dist

#: How long a collective (or the rendezvous) waits for the other ranks before it raises.
DEFAULT_TIMEOUT = datetime.timedelta(seconds=60)
MASTER_ADDR = "127.0.0.1"
LOOPBACK = {"linux": "lo", "darwin": "lo0"}


def backend_for(device: torch.device | str) -> str:
    """``"nccl"`` for a CUDA device, ``"gloo"`` otherwise: the backend that can all-reduce its tensors."""
    return "nccl" if torch.device(device).type == "cuda" else "gloo"


def as_timedelta(timeout: float | datetime.timedelta) -> datetime.timedelta:
    """Seconds (a number > 0) or a ``timedelta``, as the ``timedelta`` that ``torch.distributed`` takes."""
    if isinstance(timeout, datetime.timedelta):
        seconds = timeout.total_seconds()
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        seconds = float(timeout)
    else:
        raise TypeError(f"timeout must be a number of seconds or a datetime.timedelta, got {type(timeout).__name__}")
    if not seconds > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {seconds}; it bounds how long a rank waits for the others")
    return datetime.timedelta(seconds=seconds)


def join(rank: int, world_size: int, port: int, device: torch.device | str = "cpu",
         timeout: float | datetime.timedelta = DEFAULT_TIMEOUT) -> str:
    """Join the default process group as ``rank`` of ``world_size``; return the backend.

    The rendezvous is ``MASTER_ADDR=127.0.0.1`` and ``MASTER_PORT=port`` (the ``env://`` method). Every
    collective of the group then raises after ``timeout`` instead of waiting forever for a rank that died.
    On CUDA, rank r uses GPU ``r mod device_count``.
    """
    if dist.is_initialized():
        raise RuntimeError(f"join: this process is already rank {dist.get_rank()} of a process group; "
                           "call leave() first")
    if not 0 <= rank < world_size:
        raise ValueError(f"join: rank must lie in [0, {world_size}), got {rank}")
    backend = backend_for(device)
    if backend == "nccl":
        torch.cuda.set_device(rank % torch.cuda.device_count())
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = MASTER_ADDR, str(port)
    if backend == "gloo" and sys.platform in LOOPBACK:  # this machine only: gloo's traffic stays on the loopback,
        os.environ.setdefault("GLOO_SOCKET_IFNAME", LOOPBACK[sys.platform])  # whatever the hostname resolves to
    dist.init_process_group(backend, init_method="env://", rank=rank, world_size=world_size,
                            timeout=as_timedelta(timeout))
    return backend


def leave() -> None:
    """Leave the process group (a no-op outside one)."""
    if dist.is_initialized():
        dist.destroy_process_group()
