"""The report's experiment (issue 4): the stacked reproduction against the same protocol run round by round.

Three ways to run the protocol (15 rounds × 2 losses, per-sample SGD at lr 0.001, evaluation on the training
and test sets after every epoch):

* ``stacked``: ``minidl.reproduce``, the 30 networks as one stacked network (what ``python -m minidl reproduce``
  runs);
* ``sequential minidl``: the plain loop, ``minidl.fit`` on one network at a time;
* ``torch.nn``: the same loop in torch.nn + autograd + torch.optim.SGD (``nn.CrossEntropyLoss`` on the logits is
  Softmax followed by cross-entropy).

To keep ``make bench`` short, each variant times one epoch on 100 points instead of 1,000, and the sequential
ones time one MSE round and one cross-entropy round; each time is then scaled to one epoch of the whole protocol
(×10, and ×15 rounds for the sequential ones). The ratios are those of the protocol's epochs.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from harness import Ratio, case, interleaved
from steps import torch_twin
from torch import nn

import minidl
from minidl.experiments import report as reproduce
from minidl.experiments.ensemble import StackedLoss, stack

N = 100  # points per round in the timed epoch; the protocol has 1,000
SCALE = 1000 / N
PROTOCOL = reproduce.Protocol()


def stacked_epoch() -> Callable[[], object]:
    """One epoch of all 30 networks at once, as ``reproduce.run`` trains them."""
    seeds = range(PROTOCOL.rounds)
    rounds = [reproduce.round_data(s, N) for s in seeds] * 2
    train = (torch.stack([tr[0] for tr, _ in rounds]), torch.stack([tr[1] for tr, _ in rounds]))
    test = (torch.stack([te[0] for _, te in rounds]), torch.stack([te[1] for _, te in rounds]))
    net = stack([reproduce.round_model(s) for s in seeds] * 2, needs_input_grad=False)
    loss_fn = StackedLoss(["mse"] * PROTOCOL.rounds + ["ce"] * PROTOCOL.rounds)
    return lambda: reproduce.fit_stacked(net, loss_fn, train, test, 1, PROTOCOL.lr, 1)


def sequential_epoch() -> Callable[[], object]:
    """One epoch of one MSE round and of one cross-entropy round, with ``minidl.fit``."""
    train, test = reproduce.round_data(0, N)
    runs = []
    for loss in ("mse", "ce"):
        model = reproduce.round_model(0, softmax=loss == "ce")
        loss_fn = minidl.CrossEntropyLoss() if loss == "ce" else minidl.MSELoss()
        runs.append((model, loss_fn, minidl.SGD(model.param(), lr=PROTOCOL.lr)))
    return lambda: [minidl.fit(model, loss_fn, opt, train, test, 1) for model, loss_fn, opt in runs]


def torch_epoch() -> Callable[[], object]:
    """The same two round-epochs in torch.nn + autograd + torch.optim.SGD, from the same initial weights."""
    (x, y), (x_test, y_test) = reproduce.round_data(0, N)

    def one_hot(labels: torch.Tensor) -> torch.Tensor:
        return torch.zeros(len(labels), 2).scatter_(1, labels.unsqueeze(1), 1.0)

    runs = []
    for loss in ("mse", "ce"):
        model = torch_twin(reproduce.round_model(0))
        loss_fn = nn.CrossEntropyLoss() if loss == "ce" else nn.MSELoss()
        targets = (y, y_test) if loss == "ce" else (one_hot(y), one_hot(y_test))
        runs.append((model, loss_fn, torch.optim.SGD(model.parameters(), lr=PROTOCOL.lr), targets))

    def evaluate(model: nn.Module, loss_fn: nn.Module, x: torch.Tensor, y: torch.Tensor, t: torch.Tensor):
        with torch.no_grad():
            output = model(x)
            return loss_fn(output, t).item(), (output.argmax(1) != y).double().mean().item()

    def epoch() -> None:
        for model, loss_fn, optimizer, (t, t_test) in runs:
            total = 0.0
            for i in range(N):
                optimizer.zero_grad()
                loss = loss_fn(model(x[i : i + 1]), t[i : i + 1])
                loss.backward()
                optimizer.step()
                total += loss.item()
            evaluate(model, loss_fn, x, y, t)
            evaluate(model, loss_fn, x_test, y_test, t_test)

    return epoch


@case(
    "report protocol: 15 rounds × 2 losses, per-sample SGD",
    [
        Ratio("stacked speed-up vs sequential minidl", "sequential minidl", "stacked", at_least=10),
        Ratio("stacked speed-up vs torch.nn", "torch.nn", "stacked", at_least=10),
        Ratio("sequential minidl speed-up vs torch.nn", "torch.nn", "sequential minidl"),
    ],
    threads=(1,),
    note="one epoch of 100 points timed per variant, scaled to a protocol epoch of 1,000 points (×10); "
    "the sequential variants time one MSE and one cross-entropy round, scaled ×15 rounds",
)
def report_protocol(settings) -> dict[str, float]:
    times = interleaved(
        {"stacked": stacked_epoch(), "sequential minidl": sequential_epoch(), "torch.nn": torch_epoch()}, settings
    )
    rounds = {"stacked": 1, "sequential minidl": PROTOCOL.rounds, "torch.nn": PROTOCOL.rounds}
    return {name: t * SCALE * rounds[name] for name, t in times.items()}
