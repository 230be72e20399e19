"""The report's experiment, run: every round of every loss trained at once as one stacked network."""

from __future__ import annotations

import dataclasses
import itertools
import os
import time
from collections.abc import Iterable

import torch

from ..losses.base import one_hot
from ..models import report_net
from ..optim.sgd import SGD
from ..sequential import Sequential
from ..train import History
from .ensemble import LOSSES, StackedLoss, one_buffer, stack
from .protocol import Data, Protocol, round_data, round_model, training_sets
from .results import Results

#: Floats kept per model and data point during a run, beyond the data itself: the activations that the
#: stacked layers keep for ``backward`` when the whole test set goes through (2 + 3·25 inputs, 3·25
#: tanh outputs, 2 outputs, rounded up for the temporaries) and the epoch's step outputs.
FLOATS_PER_POINT = 200


def fit_stacked(
    net: Sequential,
    loss_fn: StackedLoss,
    train: Data | Iterable[Data],
    test: Data,
    epochs: int,
    lr: float,
    batch_size: int = 1,
) -> list[History]:
    """``minidl.fit`` for M stacked models at once: one ``History`` per model.

    ``test`` is ``(x, y)`` with ``x`` of shape ``(M, N, 2)`` (model m's own data) and ``y`` of shape
    ``(M, N)``; ``train`` is such a pair, visited every epoch, or an iterable that gives each epoch's
    pair. Each step is ``minidl.train_epoch``'s: zero the gradients, forward, loss, backward, SGD step;
    ``SGD`` updates the stacked parameters of all M models at once.

    The epoch's training loss is ``train_epoch``'s, the mean of the step losses, computed once per
    epoch from the outputs of the steps: the mean over B-row steps of the mean over their rows is the
    mean over all their rows, so ``Σ_steps ℓ = (full steps) · ℓ(rows of the full steps) + ℓ(last rows)``.
    """
    sets = itertools.repeat(train) if isinstance(train, tuple) else iter(train)
    classes = net[len(net) - 1].out_features
    optimizer = SGD([one_buffer(net.param())], lr=lr)  # the step and zero_grad: one operation each
    histories: list[History] = []

    def errors(output: torch.Tensor, y: torch.Tensor) -> list[float]:
        return (output.argmax(dim=2) != y).double().mean(dim=1).tolist()

    for _ in range(epochs):
        x, y = next(sets)
        t = one_hot(y, classes, x.dtype)
        loss_fn.check_targets(x.new_empty(*t.shape), t)  # once an epoch: each step's gradient skips it
        outputs = []
        for xb, tb in zip(x.split(batch_size, dim=1), t.split(batch_size, dim=1), strict=True):
            optimizer.zero_grad()
            outputs.append(net(xb))
            net.backward(loss_fn.gradient(outputs[-1], tb))
            optimizer.step()
        train_loss = step_mean(loss_fn, torch.cat(outputs, dim=1), t, batch_size, len(outputs))
        train_error = errors(net(x), y)  # History keeps the loss of the steps instead
        output = net(test[0])
        test_loss = loss_fn.values(output, one_hot(test[1], classes, x.dtype)).tolist()
        test_error = errors(output, test[1])
        histories = histories or [History() for _ in train_loss]
        for m, h in enumerate(histories):
            h.train_loss.append(train_loss[m])
            h.train_error.append(train_error[m])
            h.test_loss.append(test_loss[m])
            h.test_error.append(test_error[m])
    return histories


def step_mean(loss_fn: StackedLoss, outputs: torch.Tensor, t: torch.Tensor, batch_size: int, steps: int) -> list[float]:
    """Per model, the mean of the losses of the epoch's steps, from their outputs ``(M, N, C)``."""
    n = outputs.shape[1]
    full = n // batch_size * batch_size
    total = torch.zeros(outputs.shape[0], dtype=torch.float64)
    if full:
        total += loss_fn.values(outputs[:, :full], t[:, :full]).double() * (full // batch_size)
    if full < n:
        total += loss_fn.values(outputs[:, full:], t[:, full:]).double()
    return (total / steps).tolist()


def estimate_bytes(protocol: Protocol, losses: int = 2, dtype: torch.dtype = torch.float32) -> int:
    """About how much memory ``run`` needs: the data, their one-hot targets and the activations for
    each of the ``losses × rounds`` models and each of its ``n`` points, and the parameters."""
    size = torch.finfo(dtype).bits // 8
    per_point = 2 * (2 * size + 8 + 2 * size) + FLOATS_PER_POINT * size  # train and test: x, y, one-hot
    parameters = sum(p.value.numel() for p in report_net().param())
    return losses * protocol.rounds * (protocol.n * per_point + 4 * parameters * size)


def available_bytes() -> int | None:
    """The memory the system has available now (Linux: ``MemAvailable``), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        try:
            return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None


def check_memory(protocol: Protocol, losses: int = 2, dtype: torch.dtype = torch.float32) -> None:
    """Raise ``MemoryError`` with the estimate if the run cannot fit in the memory available."""
    need, have = estimate_bytes(protocol, losses, dtype), available_bytes()
    if have is not None and need > have:
        gib = 2**30
        raise MemoryError(
            f"a run of {losses} × {protocol.rounds} rounds of {protocol.n} points needs about {need / gib:,.1f} GiB, "
            f"and {have / gib:,.1f} GiB are available; use fewer rounds or fewer points"
        )


def run(
    protocol: Protocol | None = None,
    losses: tuple[str, ...] = ("mse", "ce"),
    dtype: torch.dtype = torch.float32,
    threads: int | None = 1,
) -> Results:
    """Run the protocol's rounds for every loss, all stacked into one network of
    ``len(losses) × rounds`` models (models ``[i·R, (i+1)·R)`` use ``losses[i]``).

    Round r of every loss has the same data and the same initial weights, those of
    ``python -m minidl --seed <seed + r>``. The time taken is in ``Results.seconds``.
    ``threads``: torch's thread count during the run (restored after; ``None`` leaves it alone).
    The tensors are small, and a second thread costs more in synchronisation than it saves.
    Refuses, before any work, a run that cannot fit in memory (``check_memory``).
    ``protocol``: the report's, ``Protocol()``, if not given.
    """
    return run_all([(Protocol() if protocol is None else protocol, losses)], dtype, threads)[0]


def run_all(
    arms: list[tuple[Protocol, tuple[str, ...]]], dtype: torch.dtype = torch.float32, threads: int | None = 1
) -> list[Results]:
    """Several runs at once, as ONE stacked network: each arm ``(protocol, losses)`` gets its ``Results``,
    equal to ``run(protocol, losses)``'s.

    The arms share the training loop, so they must agree on ``epochs``, ``n``, ``lr`` and
    ``batch_size``; each model owns its seed, initialisation, data reading and loss, so those may
    differ. The models are ordered by loss, so that a step calls each loss once (``StackedLoss``).
    ``Results.seconds`` is the time of the whole stacked run, the same for every arm.
    """
    if not isinstance(arms, list) or not arms:
        raise TypeError(f"run_all: arms must be a non-empty list of (Protocol, losses) pairs, got {arms!r:.80}")
    for protocol, losses in arms:
        if not isinstance(protocol, Protocol):
            raise TypeError(f"run: protocol must be a Protocol, got {type(protocol).__name__}")
        unknown = sorted(set(losses) - set(LOSSES))
        if not losses or unknown:
            raise ValueError(f"run: losses must be a non-empty tuple from {sorted(LOSSES)}, got {unknown}")
    loops = {(p.epochs, p.n, p.lr, p.batch_size) for p, _ in arms}
    if len(loops) != 1:
        raise ValueError(f"run_all: the arms must share epochs, n, lr and batch_size, got {sorted(loops)}")
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
        raise ValueError(f"run: threads must be an int ≥ 1 or None, got {threads!r}")
    models = sum(len(losses) * p.rounds for p, losses in arms)
    check_memory(dataclasses.replace(arms[0][0], rounds=models, seed=0), 1, dtype)  # the seed sizes nothing
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _run(arms, dtype)
    finally:
        torch.set_num_threads(previous)


def _stacked(sets: Iterable[tuple[Data, ...]]) -> tuple[torch.Tensor, ...]:
    """The models' data as ``(M, N, ·)`` tensors: ``x_train, y_train, ...``."""
    flat = [tuple(t for pair in data for t in pair) for data in sets]
    return tuple(torch.stack(column) for column in zip(*flat, strict=True))


def _run(arms: list[tuple[Protocol, tuple[str, ...]]], dtype: torch.dtype) -> list[Results]:
    start = time.perf_counter()
    order = list(LOSSES)
    # (arm, loss, round, seed) of every model, by loss: one group per loss in StackedLoss
    models = sorted([(a, loss, r, s) for a, (p, losses) in enumerate(arms) for loss in losses
                     for r, s in enumerate(p.seeds())], key=lambda m: order.index(m[1]))
    first = arms[0][0]
    data = {(s, arms[a][0].data) for a, _, _, s in models}
    tests = {s: round_data(s, first.n, dtype)[1] for s, _ in data}
    sets = {key: training_sets(key[0], first.n, key[1], dtype) for key in data}
    x_test, y_test = _stacked([(tests[s],) for *_, s in models])

    def epochs():
        while True:
            current = {key: next(it) for key, it in sets.items()}
            yield _stacked([(current[s, arms[a][0].data],) for a, _, _, s in models])

    net = stack([round_model(s, arms[a][0].init, dtype=dtype) for a, _, _, s in models], needs_input_grad=False)
    loss_fn = StackedLoss([loss for _, loss, _, _ in models])
    histories = fit_stacked(net, loss_fn, epochs(), (x_test, y_test), first.epochs, first.lr, first.batch_size)
    seconds = time.perf_counter() - start
    out = []
    for a, (protocol, losses) in enumerate(arms):
        index = {(loss, r): i for i, (b, loss, r, _) in enumerate(models) if b == a}
        by_loss = {loss: [histories[index[loss, r]] for r in range(protocol.rounds)] for loss in losses}
        out.append(Results(protocol, by_loss, net, seconds, {loss: index[loss, 0] for loss in losses}))
    return out
