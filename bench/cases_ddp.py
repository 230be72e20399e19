"""Data parallelism (issue 16): the 1024-wide MLP's step with 1 process and with 2, and the all-reduce's share.

The global batch is the MLP case's 512 rows: one process steps on all of them; two processes (one thread each,
``minidl.distributed.launch``) take 256 rows each and average their gradients in one all-reduce of the whole
model (3 × 1024 × 1025 floats, about 12.6 MB). A step's time is the elapsed time of the fastest of the
``settings.repeats`` timed steps, measured inside rank 0 by ``minidl.distributed.timing.step_times`` (the ranks
are in step); the all-reduce's time is that step's. Each case run prints the steps per second it measured.
"""

from __future__ import annotations

from harness import Ratio, case

from minidl.distributed import launch
from minidl.distributed.timing import step_times

WIDTH, BATCH = 1024, 512


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
    sizes = (WIDTH,) * 4
    one = launch(step_times, 1, (sizes, BATCH, settings.repeats))[0]
    two = launch(step_times, 2, (sizes, BATCH, settings.repeats))[0]
    print(f"    data parallel, MLP {WIDTH}: 1 process {1 / one['step']:.2f} steps/s, 2 processes "
          f"{1 / two['step']:.2f} steps/s; all-reduce {100 * two['all-reduce'] / two['step']:.0f}% of a "
          "2-process step", flush=True)
    return {"1 process": one["step"], "2 processes": two["step"], "all-reduce": two["all-reduce"]}
