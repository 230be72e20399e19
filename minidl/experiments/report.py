"""The report's experiment (section 3), as a runner: ``python -m minidl reproduce``.

15 rounds × 25 epochs of the 2-25-25-25-2 Tanh network on the disk data, MSE against Softmax +
cross-entropy, lr 0.001; per epoch, the mean and std over the rounds. The rounds of one loss are
trained together as one stacked network (``minidl.ensemble``); round r computes what
``python -m minidl --seed <seed + r>`` computes alone.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..data import disk_dataset, seeded
from ..extras import require
from ..models import report_net
from ..nn.softmax import Softmax
from ..optim.sgd import SGD
from ..sequential import Sequential
from ..train import History
from .ensemble import LOSSES, StackedLoss, one_hot, stack, unstack

#: The report's final test errors after 25 epochs (section 3).
REPORT = {"mse": 0.050, "ce": 0.037}
NAMES = {"mse": "MSE", "ce": "CrossEntropy and Softmax"}
#: The report's captions of its figures 1-4: (loss, what is plotted) -> (number, caption).
CAPTIONS = {
    ("mse", "loss"): (1, "Evolution of loss over 25 epochs when trained with MSE"),
    ("mse", "error"): (2, "Error rate over 25 epochs when trained with MSE"),
    ("ce", "loss"): (3, "Evolution of loss over 25 epochs when trained with CrossEntropy and Softmax"),
    ("ce", "error"): (4, "Error rate over 25 epochs when trained with CrossEntropy and Softmax"),
}
INIT_SEED_OFFSET = 1_000_000  # the initial weights of round seed s come from seeded(s + 1_000_000)


@dataclass(frozen=True)
class Protocol:
    """The report's protocol, with the details it leaves out made explicit (see the results chapter).

    Round r uses seed ``seed + r``: its 1,000 training then 1,000 test points come from
    ``seeded(seed + r)``, its initial weights from ``seeded(seed + r + 1_000_000)``. Each epoch
    visits the training points in order, in steps of ``batch_size`` (1: per-sample SGD), and the
    losses average over the batch (``reduction="mean"``).
    """

    rounds: int = 15
    epochs: int = 25
    n: int = 1000
    lr: float = 1e-3
    batch_size: int = 1
    init: str = "gaussian"
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("rounds", "epochs", "n", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"Protocol: {name} must be ≥ 1, got {getattr(self, name)}")
        if self.init not in ("gaussian", "xavier"):
            raise ValueError(f"Protocol: init must be 'gaussian' or 'xavier', got {self.init!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"Protocol: lr must be a finite number > 0, got {self.lr}")


def round_data(seed: int, n: int = 1000, dtype: torch.dtype = torch.float32):
    """One round's ``(train, test)``: two disk data sets of ``n`` points, both drawn from ``seeded(seed)``."""
    gen = seeded(seed)
    return disk_dataset(n, gen, dtype=dtype), disk_dataset(n, gen, dtype=dtype)


def round_model(seed: int, init: str = "gaussian", softmax: bool = False, dtype: torch.dtype = torch.float32):
    """One round's freshly initialised ``report_net``, its weights drawn from ``seeded(seed + 1_000_000)``."""
    return report_net(softmax=softmax, init=init, generator=seeded(seed + INIT_SEED_OFFSET), dtype=dtype)


def fit_stacked(
    net: Sequential,
    loss_fn: StackedLoss,
    train: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    epochs: int,
    lr: float,
    batch_size: int = 1,
) -> list[History]:
    """``minidl.fit`` for M stacked models at once: one ``History`` per model.

    ``train`` and ``test`` are ``(x, y)`` with ``x`` of shape ``(M, N, 2)`` (model m's own data) and
    ``y`` of shape ``(M, N)``. Each step is ``minidl.train_epoch``'s: zero the gradients, forward,
    loss, backward, SGD step; ``SGD`` updates the stacked parameters of all M models at once.
    """
    dtype, models = train[0].dtype, train[0].shape[0]
    classes = net[len(net) - 1].out_features
    x_steps = train[0].split(batch_size, dim=1)
    t_steps = one_hot(train[1], classes, dtype).split(batch_size, dim=1)
    optimizer = SGD(net.param(), lr=lr)
    histories = [History() for _ in range(models)]

    def evaluate(x: torch.Tensor, y: torch.Tensor, with_loss: bool = True) -> tuple[list[float], list[float]]:
        output = net(x)
        losses = loss_fn(output, one_hot(y, classes, dtype))[0].tolist() if with_loss else []
        return losses, (output.argmax(dim=2) != y).double().mean(dim=1).tolist()

    for _ in range(epochs):
        total = torch.zeros(models, dtype=dtype)
        for xb, tb in zip(x_steps, t_steps, strict=True):
            optimizer.zero_grad()
            losses, grad = loss_fn(net(xb), tb)
            net.backward(grad)
            optimizer.step()
            total += losses
        _, train_error = evaluate(*train, with_loss=False)  # History keeps the loss of the steps instead
        test_loss, test_error = evaluate(*test)
        for m, h in enumerate(histories):
            h.train_loss.append(total[m].item() / len(x_steps))
            h.train_error.append(train_error[m])
            h.test_loss.append(test_loss[m])
            h.test_error.append(test_error[m])
    return histories


@dataclass
class Results:
    """Every round's history for each loss, the trained stacked network, and the time taken."""

    protocol: Protocol
    histories: dict[str, list[History]]
    net: Sequential = field(repr=False)
    seconds: float

    def curve(self, loss: str, key: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Per epoch, the mean and the std (over the rounds, with Bessel's correction) of ``key``
        (``"train_loss"``, ``"train_error"``, ``"test_loss"`` or ``"test_error"``)."""
        values = torch.tensor([getattr(h, key) for h in self.histories[loss]], dtype=torch.float64)
        std = values.std(dim=0) if values.shape[0] > 1 else torch.zeros(values.shape[1], dtype=torch.float64)
        return values.mean(dim=0), std

    def final_test_error(self, loss: str) -> tuple[float, float]:
        """Mean and std over the rounds of the test error after the last epoch."""
        mean, std = self.curve(loss, "test_error")
        return mean[-1].item(), std[-1].item()

    def model(self, loss: str, r: int = 0) -> Sequential:
        """Round r's trained network as a plain minidl ``Sequential`` (with its ``Softmax`` for ``"ce"``)."""
        model = unstack(self.net, list(self.histories).index(loss) * self.protocol.rounds + r)
        return Sequential(*model, Softmax()) if loss == "ce" else model

    def table(self) -> str:
        """The report's final test errors against this run's, mean ± std over the rounds."""
        head = f"{'final test error':<26}{'report':>8}   this book (mean ± std over {self.protocol.rounds} rounds)"
        rows = [head, "-" * len(head)]
        for loss in self.histories:
            mean, std = self.final_test_error(loss)
            rows.append(f"{NAMES[loss]:<26}{100 * REPORT[loss]:>7.1f}%   {100 * mean:.1f} ± {100 * std:.1f}%")
        return "\n".join(rows)

    def as_dict(self) -> dict:
        out: dict = {"protocol": asdict(self.protocol), "seconds": self.seconds, "report": REPORT, "losses": {}}
        for loss, histories in self.histories.items():
            mean, std = self.final_test_error(loss)
            out["losses"][loss] = {
                "name": NAMES[loss],
                "final_test_error": {"mean": mean, "std": std},
                "rounds": [h.as_dict() for h in histories],
            }
        return out


def run(
    protocol: Protocol = Protocol(),
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
    """
    unknown = sorted(set(losses) - set(LOSSES))
    if not losses or unknown:
        raise ValueError(f"run: losses must be a non-empty tuple from {sorted(LOSSES)}, got {unknown}")
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _run(protocol, losses, dtype)
    finally:
        torch.set_num_threads(previous)


def _run(protocol: Protocol, losses: tuple[str, ...], dtype: torch.dtype) -> Results:
    start = time.perf_counter()
    seeds = [protocol.seed + r for r in range(protocol.rounds)]
    rounds = [round_data(s, protocol.n, dtype) for s in seeds] * len(losses)
    train = (torch.stack([tr[0] for tr, _ in rounds]), torch.stack([tr[1] for tr, _ in rounds]))
    test = (torch.stack([te[0] for _, te in rounds]), torch.stack([te[1] for _, te in rounds]))
    net = stack([round_model(s, protocol.init, dtype=dtype) for s in seeds] * len(losses), needs_input_grad=False)
    loss_fn = StackedLoss([loss for loss in losses for _ in seeds])
    histories = fit_stacked(net, loss_fn, train, test, protocol.epochs, protocol.lr, protocol.batch_size)
    by_loss = {loss: histories[i * protocol.rounds : (i + 1) * protocol.rounds] for i, loss in enumerate(losses)}
    return Results(protocol, by_loss, net, time.perf_counter() - start)


# -- figures (matplotlib is imported only here) -----------------------------------------------------

def figure(results: Results, loss: str, what: str, title: bool = True):
    """The report's figure for ``loss`` and ``what`` (``"loss"`` or ``"error"``): per epoch, the mean
    over the rounds as a line and the band mean ± std filled, for the training and the test set.
    ``title``: the report's caption as the title (leave it out where the page gives the caption)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6), facecolor="white")
    epochs = range(1, results.protocol.epochs + 1)
    names = {"train": "training set" if what == "error" else "training (average over the epoch's steps)",
             "test": "test set"}
    for split, color in (("train", "tab:blue"), ("test", "tab:orange")):
        mean, std = results.curve(loss, f"{split}_{what}")
        scale = 100 if what == "error" else 1
        ax.plot(epochs, scale * mean, color=color, label=f"{names[split]}: mean")
        ax.fill_between(epochs, scale * (mean - std), scale * (mean + std), color=color, alpha=0.25,
                        label="mean ± std")
    ax.set_xlabel("epoch")
    ax.set_ylabel("error rate (%)" if what == "error" else f"loss ({NAMES[loss]})")
    if title:
        ax.set_title(CAPTIONS[loss, what][1], fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def boundary_figure(results: Results, r: int = 0, data: tuple[torch.Tensor, torch.Tensor] | None = None):
    """Round r's trained network for each loss: its predicted class over ``[0, 1]²``, the true disk,
    and (if given) test points ``data`` coloured by their label."""
    import matplotlib.pyplot as plt

    from ..data import CENTRE, RADIUS

    losses = list(results.histories)
    fig, axes = plt.subplots(1, len(losses), figsize=(4.2 * len(losses), 4.2), facecolor="white", squeeze=False)
    dtype = results.net.param()[0].value.dtype
    u = torch.linspace(0, 1, 201, dtype=dtype)
    grid = torch.cartesian_prod(u, u)
    for ax, loss in zip(axes[0], losses, strict=True):
        label = results.model(loss, r)(grid).argmax(dim=1).reshape(201, 201)
        ax.contourf(u, u, label.T, levels=[-0.5, 0.5, 1.5], colors=["#dbe9f6", "#fde0c5"])
        ax.add_patch(plt.Circle(CENTRE, RADIUS, fill=False, color="black", lw=1.5, ls="--"))
        if data is not None:
            x, y = data
            ax.scatter(x[:, 0], x[:, 1], c=["tab:orange" if c else "tab:blue" for c in y.tolist()], s=4)
        ax.set_title(f"{NAMES[loss]}, round {r}", fontsize=10)
        ax.set_aspect("equal")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    fig.tight_layout()
    return fig


def save(results: Results, out: Path, figures: bool = False) -> list[Path]:
    """Write ``results.json`` into ``out`` and, with ``figures``, the report's figures as PNG files."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "results.json"]
    written[0].write_text(json.dumps(results.as_dict(), indent=1))
    if figures:
        import matplotlib.pyplot as plt

        for (loss, what), (number, _) in CAPTIONS.items():
            if loss in results.histories:
                fig = figure(results, loss, what)
                written.append(out / f"figure{number}_{loss}_{what}.png")
                fig.savefig(written[-1], dpi=120)
                plt.close(fig)
        fig = boundary_figure(results, data=round_data(results.protocol.seed, results.protocol.n)[1])
        written.append(out / "decision_boundaries.png")
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    return written


# -- command line ---------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    d = Protocol()
    p = argparse.ArgumentParser(
        prog="python -m minidl reproduce",
        description="The report's experiment (section 3): the 2-25-25-25-2 Tanh network trained with MSE and "
        "with Softmax + cross-entropy, SGD at lr 0.001, for several rounds, each with its own seed, data "
        "and initial weights. Prints the final test errors (mean ± std over the rounds) beside the report's.",
    )
    p.add_argument("--rounds", type=int, default=d.rounds, help=f"rounds per loss (default: {d.rounds})")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"epochs per round (default: {d.epochs})")
    p.add_argument("--n", type=int, default=d.n, help=f"training points, and test points, per round (default: {d.n})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"SGD learning rate (default: {d.lr}, the report's)")
    p.add_argument("--batch-size", type=int, default=d.batch_size,
                   help="samples per SGD step; the loss is their mean; 1 is per-sample SGD (default: 1)")
    p.add_argument("--init", choices=["gaussian", "xavier"], default=d.init,
                   help="initial weights: N(0, 1) as in the report, or Xavier's N(0, 2/(fan_in + fan_out)) "
                   "(default: gaussian)")
    p.add_argument("--seed", type=int, default=d.seed,
                   help="round r uses seed SEED + r for its data and SEED + r + 1000000 for its weights (default: 0)")
    p.add_argument("--threads", type=int, default=1, help="torch threads; 1 is fastest here (default: 1)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write results.json (every round's per-epoch history) into DIR")
    p.add_argument("--figures", action="store_true",
                   help="with --out: also write the report's figures 1-4 and the decision boundaries as PNG files")
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.figures and args.out is None:
        p.error("--figures needs --out DIR")
    if args.figures:  # before the training, not after it
        require("matplotlib", extra="notebooks", feature="python -m minidl reproduce --figures")
    try:
        protocol = Protocol(args.rounds, args.epochs, args.n, args.lr, args.batch_size, args.init, args.seed)
    except ValueError as e:
        p.error(str(e))
    results = run(protocol, threads=args.threads)
    print(results.table())
    print(f"\n{protocol.rounds} rounds × {protocol.epochs} epochs × 2 losses in {results.seconds:.1f} s")
    if args.out is not None:
        for path in save(results, args.out, args.figures):
            print(f"wrote {path}")
    return 0
