"""The report's figures 1-4 (mean ± std per epoch) and the decision boundaries, with matplotlib
(imported only when a figure is drawn)."""

from __future__ import annotations

from pathlib import Path

import torch

from .protocol import round_data
from .results import NAMES, Results

#: The report's captions of its figures 1-4: (loss, what is plotted) -> (number, caption).
CAPTIONS = {
    ("mse", "loss"): (1, "Evolution of loss over 25 epochs when trained with MSE"),
    ("mse", "error"): (2, "Error rate over 25 epochs when trained with MSE"),
    ("ce", "loss"): (3, "Evolution of loss over 25 epochs when trained with CrossEntropy and Softmax"),
    ("ce", "error"): (4, "Error rate over 25 epochs when trained with CrossEntropy and Softmax"),
}


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


def save_figures(results: Results, out: Path) -> list[Path]:
    """Write the report's figures of ``results`` and round 0's decision boundaries as PNG files into ``out``."""
    import matplotlib.pyplot as plt

    written = []
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
