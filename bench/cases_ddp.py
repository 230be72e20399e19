"""Data parallelism (issue 16): the 1024-wide MLP's step with 1 process and with 2, and the all-reduce's share.

The global batch is the MLP case's 512 rows: one process steps on all of them; two processes (one thread each,
``minidl.distributed.launch``) take 256 rows each and average their gradients in one all-reduce of the whole
model (3 × 1024 × 1025 floats, about 12.6 MB). A step's time is the elapsed time of the fastest of the
``settings.repeats`` timed steps, measured inside the ranks (rank 0; the ranks are in step); the all-reduce's
time is that step's. Each case run prints the steps per second it measured.
"""

from __future__ import annotations

import time

import torch
from harness import Ratio, case

import minidl
from minidl.distributed import DistributedDataParallel, launch, shard

WIDTH, BATCH = 1024, 512


def mlp() -> minidl.Sequential:
    """The 1024-1024-1024-1024 Tanh MLP of ``bench.py``'s case, Xavier init from seed 0, and the same data."""
    g = minidl.seeded(0)
    kw = dict(init="xavier", generator=g)
    return minidl.Sequential(minidl.Linear(WIDTH, WIDTH, **kw), minidl.Tanh(), minidl.Linear(WIDTH, WIDTH, **kw),
                             minidl.Tanh(), minidl.Linear(WIDTH, WIDTH, **kw))


def timed_steps(rank: int, world_size: int, repeats: int) -> dict[str, float]:
    """The fastest of ``repeats`` steps on this rank's share of the batch, and that step's all-reduce."""
    g = minidl.seeded(1)
    x, t = shard(torch.randn(BATCH, WIDTH, generator=g), torch.randn(BATCH, WIDTH, generator=g), rank, world_size)
    model = mlp() if world_size == 1 else DistributedDataParallel(mlp())
    loss_fn, optimizer = minidl.MSELoss(), minidl.SGD(model.param(), lr=0.01, momentum=0.9)
    best = (float("inf"), 0.0)
    for i in range(repeats + 1):  # the first step warms up
        reduce_before = model.bucket.seconds if world_size > 1 else 0.0
        start = time.perf_counter()
        loss_fn(model(x), t)
        model.backward(loss_fn.backward())
        optimizer.step()
        optimizer.zero_grad()
        step = time.perf_counter() - start
        reduce = (model.bucket.seconds if world_size > 1 else 0.0) - reduce_before
        if i > 0 and step < best[0]:
            best = (step, reduce)
    return {"step": best[0], "all-reduce": best[1]}


@case(
    f"data parallel: MLP {WIDTH}-{WIDTH}-{WIDTH}-{WIDTH} Tanh, global batch {BATCH}",
    [
        Ratio("2-process speed-up vs 1 process", "1 process", "2 processes"),
        Ratio("all-reduce share of a 2-process step", "all-reduce", "2 processes"),
    ],
    threads=(1,),
    note="one thread per process; 2 processes take 256 rows each and all-reduce the whole model's gradient "
    "(gloo, 127.0.0.1) once per step; elapsed time, the fastest step per variant",
)
def data_parallel_mlp(settings) -> dict[str, float]:
    one = launch(timed_steps, 1, (settings.repeats,))[0]
    two = launch(timed_steps, 2, (settings.repeats,))[0]
    print(f"    data parallel, MLP {WIDTH}: 1 process {1 / one['step']:.2f} steps/s, 2 processes "
          f"{1 / two['step']:.2f} steps/s; all-reduce {100 * two['all-reduce'] / two['step']:.0f}% of a "
          "2-process step", flush=True)
    return {"1 process": one["step"], "2 processes": two["step"], "all-reduce": two["all-reduce"]}
