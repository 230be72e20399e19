"""``launch``: run a function in N processes on this machine, one rank each, and collect what each returns.

Each process joins the process group (127.0.0.1, a free port, a timeout), calls ``fn(rank, world_size,
*args)``, and sends back its return value or its traceback. The first rank that fails stops the run:
the parent ends the other processes and raises ``RankFailed`` naming the rank, so that no rank waits
in a collective for a partner that is gone.
"""

from __future__ import annotations

import datetime
import multiprocessing
import pickle
import queue
import socket
import sys
import time
import traceback
from collections.abc import Callable

from ..checks import check_int
from .group import DEFAULT_TIMEOUT, MASTER_ADDR, as_timedelta, backend_for, join, leave


class RankFailed(RuntimeError):
    """A rank raised (its traceback is in the message), died, or the run passed its deadline."""

    def __init__(self, message: str, rank: int | None) -> None:
        super().__init__(message)
        self.rank = rank


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((MASTER_ADDR, 0))
        return s.getsockname()[1]


def _worker(fn, rank, world_size, port, device, timeout, threads, results, args) -> None:
    try:
        import torch

        torch.set_num_threads(threads)
        join(rank, world_size, port, device, timeout)
        value = fn(rank, world_size, *args)
    except BaseException as e:  # noqa: B036 - every failure, KeyboardInterrupt included, goes to the parent
        results.put((rank, False, f"{type(e).__name__}: {e}\n\n{traceback.format_exc()}"))
        results.close()
        results.join_thread()  # the report is in the pipe before this rank's connections close at exit, so it
        return  # arrives before the errors of the ranks that then lose their partner
    results.put((rank, True, pickle.dumps(value)))  # plain pickle: no shared memory that dies with this process
    leave()


def _dead(procs, done) -> tuple[int, int] | None:
    """The first rank that exited with an error code without reporting, and its code."""
    for rank, p in enumerate(procs):
        if rank not in done and p.exitcode not in (None, 0):
            return rank, p.exitcode
    return None


def launch(fn: Callable, nproc: int, args: tuple = (), *, device: str = "cpu",
           timeout: float | datetime.timedelta = DEFAULT_TIMEOUT, deadline: float | None = None,
           threads: int = 1, start_method: str | None = None) -> list:
    """``[fn(0, nproc, *args), ..., fn(nproc - 1, nproc, *args)]``, each run in its own process.

    * ``start_method``: by default ``"fork"`` on Linux with a CPU device, ``"spawn"`` elsewhere. A forked
      child is a copy of this process, torch already imported (seconds saved per process) and a function
      defined in a notebook runs; CUDA cannot start again in a forked child, and macOS's system libraries
      are not fork-safe, so there each child starts a fresh interpreter, and ``fn`` must be importable
      by name (a module's top-level function).
    * ``timeout`` bounds each collective: a rank stuck waiting for another raises after it.
    * ``deadline`` (seconds, optional) bounds the whole run.
    * ``threads``: torch threads per process (1: the ranks share the cores without contention).

    Raises ``RankFailed`` (with ``.rank``) when a rank raises or dies: the other ranks are terminated.
    """
    check_int("launch", "nproc", nproc)
    check_int("launch", "threads", threads)
    as_timedelta(timeout)  # a bad timeout is refused here, not in every child
    if not callable(fn):
        raise TypeError(f"launch: fn must be a function fn(rank, world_size, *args), got {type(fn).__name__}")
    if start_method is None:
        start_method = "fork" if sys.platform == "linux" and backend_for(device) == "gloo" else "spawn"
    ctx = multiprocessing.get_context(start_method)
    results = ctx.Queue()
    port = free_port()
    procs = [ctx.Process(target=_worker, args=(fn, rank, nproc, port, device, timeout, threads, results, args),
                         name=f"minidl-rank-{rank}", daemon=True) for rank in range(nproc)]
    for p in procs:
        p.start()
    values: dict[int, object] = {}
    end = None if deadline is None else time.monotonic() + deadline
    try:
        while len(values) < nproc:
            try:
                rank, ok, value = results.get(timeout=0.05)
            except queue.Empty:
                rank, ok, value = None, True, None
            dead = _dead(procs, values) if not ok or rank is None else None
            if dead:
                raise RankFailed(f"launch: rank {dead[0]} died with exit code {dead[1]} before returning", dead[0])
            if not ok:
                raise RankFailed(f"launch: rank {rank} of {nproc} failed: {value}", rank)
            if rank is not None:
                values[rank] = pickle.loads(value)
            elif end is not None and time.monotonic() > end:
                raise RankFailed(f"launch: the {nproc} ranks did not finish within the deadline of {deadline} s", None)
    finally:
        for p in procs:
            if p.is_alive() and len(values) < nproc:
                p.terminate()  # a failure elsewhere: do not wait for this rank's timeout
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
        results.close()
    return [values[r] for r in range(nproc)]
