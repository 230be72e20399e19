"""The report's protocol (section 3) and the set-up of one round: its data, its network, its seeds."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from ..data import disk_dataset, seeded
from ..models import report_net
from ..sequential import Sequential

#: Round seed s draws its data from ``seeded(s)`` and its initial weights from ``seeded(s + INIT_SEED_OFFSET)``.
INIT_SEED_OFFSET = 1_000_000
#: The largest seed ``torch.Generator.manual_seed`` takes once the offset is added.
MAX_SEED = 2**64 - 1 - INIT_SEED_OFFSET
DATA = ("fixed", "per-epoch")

Data = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class Protocol:
    """The report's protocol, with the details it leaves out made explicit (see the results chapter).

    Round r uses seed ``s = seed + r``: its 1,000 training then 1,000 test points come from
    ``seeded(s)``, its initial weights from ``seeded(s + INIT_SEED_OFFSET)``. Each epoch visits the
    training points in order, in steps of ``batch_size`` (1: per-sample SGD), and the losses average
    over the batch (``reduction="mean"``).

    ``data``: the report says "For each epoch, 1,000 points are sampled in [0,1]²", which reads two ways.
    ``"fixed"``: one training set of ``n`` points, visited every epoch. ``"per-epoch"``: epoch 1 trains
    on that same set, and each later epoch on a fresh sample of ``n`` points, drawn from the round's
    generator after its test set. The default is ``"fixed"``: it is what ``python -m minidl`` and
    ``minidl.fit`` do, so round r stays the single run with seed r. Measured over the 15 rounds
    (2026-12-02, one thread), neither reading is closer to the report: both land within 1.5 points of
    its 5.0 % (MSE) and 3.7 % (cross-entropy), "fixed" at 4.9 ± 2.2 % and 3.1 ± 1.3 %, "per-epoch" at
    4.1 ± 1.6 % and 3.6 ± 1.4 %. ``python -m minidl reproduce --data per-epoch`` prints the other one.
    """

    rounds: int = 15
    epochs: int = 25
    n: int = 1000
    lr: float = 1e-3
    batch_size: int = 1
    init: str = "gaussian"
    seed: int = 0
    data: str = "fixed"

    def __post_init__(self) -> None:
        who = type(self).__name__
        for name in ("rounds", "epochs", "n", "batch_size", "seed"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{who}: {name} must be an int, got {value!r} ({type(value).__name__})")
            if name != "seed" and value < 1:
                raise ValueError(f"{who}: {name} must be ≥ 1, got {value}")
        if not 0 <= self.seed <= MAX_SEED - (self.rounds - 1):
            raise ValueError(f"{who}: seed must lie in [0, {MAX_SEED - (self.rounds - 1)}] for {self.rounds} "
                             f"rounds (seed + round + {INIT_SEED_OFFSET} must fit in 64 bits), got {self.seed}")
        if self.init not in ("gaussian", "xavier"):
            raise ValueError(f"{who}: init must be 'gaussian' or 'xavier', got {self.init!r}")
        if self.data not in DATA:
            raise ValueError(f"{who}: data must be 'fixed' or 'per-epoch', got {self.data!r}")
        if not isinstance(self.lr, (int, float)) or isinstance(self.lr, bool):
            raise TypeError(f"{who}: lr must be a number, got {self.lr!r} ({type(self.lr).__name__})")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"{who}: lr must be a finite number > 0, got {self.lr}")

    def seeds(self) -> list[int]:
        """The rounds' seeds: ``seed + r``."""
        return [self.seed + r for r in range(self.rounds)]


def round_data(seed: int, n: int = 1000, dtype: torch.dtype = torch.float32) -> tuple[Data, Data]:
    """One round's ``(train, test)``: two disk data sets of ``n`` points, both drawn from ``seeded(seed)``."""
    gen = seeded(seed)
    return disk_dataset(n, gen, dtype=dtype), disk_dataset(n, gen, dtype=dtype)


def round_model(seed: int, init: str = "gaussian", softmax: bool = False, dtype: torch.dtype = torch.float32):
    """One round's freshly initialised ``report_net``, its weights drawn from ``seeded(seed + INIT_SEED_OFFSET)``."""
    return report_net(softmax=softmax, init=init, generator=seeded(seed + INIT_SEED_OFFSET), dtype=dtype)


def setup(
    seed: int, n: int = 1000, init: str = "gaussian", softmax: bool = False, dtype: torch.dtype = torch.float32
) -> tuple[Data, Data, Sequential]:
    """The report's run for seed s, set up: ``(train, test, network)``, as ``round_data`` and ``round_model``."""
    train, test = round_data(seed, n, dtype)
    return train, test, round_model(seed, init, softmax, dtype)


def training_sets(seed: int, n: int = 1000, data: str = "fixed", dtype: torch.dtype = torch.float32) -> Iterator[Data]:
    """Round seed's training set for each epoch, endlessly (see ``Protocol.data``): always the round's
    training set for ``"fixed"``; for ``"per-epoch"``, that set first, then fresh samples of ``n``
    points drawn from ``seeded(seed)`` after the test set."""
    if data not in DATA:
        raise ValueError(f"training_sets: data must be 'fixed' or 'per-epoch', got {data!r}")
    gen = seeded(seed)
    train = disk_dataset(n, gen, dtype=dtype)
    disk_dataset(n, gen, dtype=dtype)  # the test set: later samples are new points
    while True:
        yield train
        if data == "per-epoch":
            train = disk_dataset(n, gen, dtype=dtype)
