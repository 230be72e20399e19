"""Train the report's network for one seed and record its decision margin on a lattice after every epoch.

The run for seed ``s`` (training and test data, initial weights) is the report's, set up by
``minidl.experiments.report``: a run here is the run of ``python -m minidl`` with the same flags.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

import torch

from ..experiments.report import round_data, round_model
from ..losses.cross_entropy import CrossEntropyLoss
from ..losses.mse import MSELoss
from ..optim.sgd import SGD
from ..train import History, evaluate, fit

LOSS_NAMES = {"mse": "MSE", "ce": "cross-entropy"}
INITS = ("gaussian", "xavier")


@dataclass(frozen=True)
class Settings:
    """One training run of the report's 2-25-25-25-2 Tanh network on the disk data set.

    ``loss`` is ``"mse"`` (MSELoss on the two raw outputs) or ``"ce"`` (Softmax then CrossEntropyLoss,
    eq. 3 and 5). SGD with ``lr`` and ``momentum`` visits the ``n`` training points in order, in steps
    of ``batch_size``, for ``epochs`` epochs. ``seed`` picks the report's run: its data and initial
    weights (``init``: ``"gaussian"`` or ``"xavier"``).
    """

    loss: str = "mse"
    lr: float = 0.01
    momentum: float = 0.0
    init: str = "gaussian"
    batch_size: int = 10
    epochs: int = 25
    n: int = 1000
    seed: int = 0

    def __post_init__(self) -> None:
        who = type(self).__name__
        if self.loss not in LOSS_NAMES:
            raise ValueError(f"{who}: loss must be one of {sorted(LOSS_NAMES)}, got {self.loss!r}")
        if self.init not in INITS:
            raise ValueError(f"{who}: init must be one of {list(INITS)}, got {self.init!r}")
        if self.epochs < 0 or self.n < 1 or self.batch_size < 1:
            raise ValueError(f"{who}: need epochs ≥ 0, n ≥ 1 and batch_size ≥ 1, got epochs={self.epochs}, "
                             f"n={self.n}, batch_size={self.batch_size}")


# The decision-boundary explorer. Mini-batches of 10 at lr 0.01 take one step where the report's
# per-sample SGD at lr 0.001 takes ten: to first order the same move per epoch (10 × 0.001 × the
# mean gradient), and about ten times faster.
BOUNDARY = Settings()
# The training-settings explorer: half the data and 20 epochs, so that a retraining takes seconds.
TRAINING = Settings(n=500, epochs=20)


@dataclass(frozen=True)
class Run:
    """What ``train_run`` records. ``margins[e]`` is ``output₁ − output₀`` on a ``grid × grid`` lattice
    of ``[0, 1]²`` after ``e`` epochs (``e = 0``: the initial weights). The predicted class is the
    larger output, so the decision boundary is where the margin is 0, for either loss."""

    settings: Settings
    axis: torch.Tensor  # (grid,) coordinates of the lattice along x and along y
    margins: torch.Tensor  # (epochs + 1, grid, grid); row i is y = axis[i]
    test_error: list[float]  # epochs + 1 values, from the initial weights on
    test_loss: list[float]  # epochs + 1 values
    history: History
    test: tuple[torch.Tensor, torch.Tensor]
    seconds: float

    @property
    def diverged(self) -> bool:
        """Whether some epoch's training loss is not finite."""
        return not all(math.isfinite(v) for v in self.history.train_loss)


def lattice(grid: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The lattice's axis ``(grid,)`` and its points ``(grid², 2)``, x varying fastest."""
    axis = torch.linspace(0.0, 1.0, grid)
    gy, gx = torch.meshgrid(axis, axis, indexing="ij")
    return axis, torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


@lru_cache(maxsize=64)
def train_run(settings: Settings = BOUNDARY, grid: int = 61) -> Run:
    """Train the report's network with ``settings`` and record its decision margin after every epoch.

    Cached: the same settings give back the same ``Run`` object, so treat it as read-only.
    """
    s = settings
    train, test = round_data(s.seed, s.n)
    model = round_model(s.seed, s.init, softmax=s.loss == "ce")
    loss_fn = CrossEntropyLoss() if s.loss == "ce" else MSELoss()
    optimizer = SGD(model.param(), lr=s.lr, momentum=s.momentum)
    axis, points = lattice(grid)

    def margin() -> torch.Tensor:
        out = model(points)
        return (out[:, 1] - out[:, 0]).reshape(grid, grid)

    margins = [margin()]
    test_loss, test_error = evaluate(model, loss_fn, *test)
    start = time.perf_counter()
    history = fit(model, loss_fn, optimizer, train, test, s.epochs, s.batch_size,
                  on_epoch=lambda epoch, h: margins.append(margin()), on_divergence="record")
    seconds = time.perf_counter() - start
    return Run(s, axis, torch.stack(margins), [test_error, *history.test_error], [test_loss, *history.test_loss],
               history, test, seconds)
