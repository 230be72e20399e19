"""The report's network trained data-parallel: what each rank of ``python -m minidl ddp`` runs."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ..experiments.protocol import setup as protocol_setup
from ..losses.mse import MSELoss
from ..optim.sgd import SGD
from ..train import evaluate, train_epoch
from .data_parallel import DistributedDataParallel
from .shard import shard

#: The report's learning rate for one sample per step; a batch of B samples gets ``B ×`` it by default.
BASE_LR = 1e-3
DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass(frozen=True)
class Run:
    """One data-parallel run of the report's 2-25-25-25-2 Tanh net with MSE (its protocol's seed ``seed``).

    ``batch_size`` is the global batch, the samples of one step over all ranks; each of the ``p`` ranks
    takes ``batch_size / p`` of them. ``lr`` defaults to ``BASE_LR × batch_size``, the linear scaling rule
    (Goyal et al. 2017) from the report's per-sample rate.
    """

    epochs: int = 25
    batch_size: int = 20
    seed: int = 0
    n: int = 1000
    lr: float | None = None
    dtype: str = "float32"
    verbose: bool = False

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "n"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Run: {name} must be an int ≥ 1, got {value!r}")
        if self.lr is not None and (isinstance(self.lr, bool) or not isinstance(self.lr, (int, float))
                                    or not math.isfinite(self.lr) or self.lr <= 0):
            raise ValueError(f"Run: lr must be a finite number > 0 or None (BASE_LR × batch_size), got {self.lr!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"Run: dtype must be one of {sorted(DTYPES)}, got {self.dtype!r}")

    @property
    def step_lr(self) -> float:
        return BASE_LR * self.batch_size if self.lr is None else self.lr

    def local_batch(self, world_size: int) -> int:
        if self.batch_size % world_size:
            raise ValueError(f"Run: the batch of {self.batch_size} samples does not split evenly over {world_size} "
                             f"processes; pick a multiple of {world_size}")
        return self.batch_size // world_size


def setup(run: Run):
    """``(train, test, network)`` for the run: the report's data and initial weights of seed ``run.seed``."""
    return protocol_setup(run.seed, run.n, dtype=DTYPES[run.dtype])


def mean_over_ranks(value: float, dtype: torch.dtype) -> float:
    t = torch.tensor([value], dtype=dtype)
    dist.all_reduce(t)
    return t.item() / dist.get_world_size()


def train_report_net(rank: int, world_size: int, run: Run, wrap: type = DistributedDataParallel) -> dict:
    """Train on this rank's shard; return the history (the same on every rank), timings and final parameters.

    Every rank evaluates the whole training and test sets after each epoch: the models are identical,
    so the errors are too, and the ranks stay in step. ``wrap`` is the data-parallel wrapper (a subclass
    of ``DistributedDataParallel``, say one with a planted bug).
    """
    train, test, net = setup(run)
    model = wrap(net)
    x, y = shard(*train, rank, world_size)
    local_batch = run.local_batch(world_size)
    loss_fn, optimizer = MSELoss(), SGD(model.param(), lr=run.step_lr)
    history: dict[str, list[float]] = {"train_loss": [], "train_error": [], "test_error": []}
    seconds = 0.0
    for epoch in range(run.epochs):
        start = time.perf_counter()
        local_loss = train_epoch(model, loss_fn, optimizer, x, y, local_batch)
        seconds += time.perf_counter() - start
        history["train_loss"].append(mean_over_ranks(local_loss, torch.float64))
        history["train_error"].append(evaluate(model, loss_fn, *train)[1])
        history["test_error"].append(evaluate(model, loss_fn, *test)[1])
        if run.verbose and rank == 0:
            print(f"epoch {epoch + 1:3d}/{run.epochs}  train loss {history['train_loss'][-1]:.4f}  "
                  f"train error {100 * history['train_error'][-1]:5.1f}%  "
                  f"test error {100 * history['test_error'][-1]:5.1f}%", flush=True)
    return dict(rank=rank, history=history, steps=model.bucket.calls, seconds=seconds,
                reduce_seconds=model.bucket.seconds, reduce_bytes=model.bucket.nbytes,
                backend=dist.get_backend(), state=net.state_dict())


def summary(results: list[dict], run: Run) -> dict:
    """What the ranks' results say together: rank 0's history, the step rate and the all-reduce's share."""
    first = results[0]
    seconds = max(r["seconds"] for r in results)  # the slowest rank sets the pace
    return dict(
        nproc=len(results), backend=first["backend"], epochs=run.epochs, batch_size=run.batch_size,
        local_batch=run.local_batch(len(results)), lr=run.step_lr, seed=run.seed, n=run.n,
        history=first["history"], final_train_error=first["history"]["train_error"][-1],
        final_test_error=first["history"]["test_error"][-1], steps=first["steps"],
        steps_per_second=first["steps"] / seconds if seconds > 0 else float("inf"),
        allreduce_share=sum(r["reduce_seconds"] / r["seconds"] for r in results if r["seconds"] > 0) / len(results),
        allreduce_bytes=first["reduce_bytes"],
    )
