"""The training-settings explorer: retrain the report's network with another learning rate, momentum,
initialisation or batch size, and draw its loss curves and final decision boundary."""

from __future__ import annotations

import math
from dataclasses import replace

from .boundary import draw_boundary
from .player import Player
from .plotting import ACCENTS, check_choice, figure, log_y
from .run import INITS, LOSS_NAMES, TRAINING, Settings, train_run
from .widget import Explorer


def render_training(lr: float = 0.01, momentum: float = 0.0, init: str = "gaussian", batch_size: int = 10,
                    settings: Settings = TRAINING):
    """Train with these settings; draw the loss curves and the final decision boundary."""
    check_choice("render_training", "init", init, list(INITS))
    run = train_run(replace(settings, lr=float(lr), momentum=float(momentum), init=init, batch_size=int(batch_size)))
    h, last = run.history, run.settings.epochs
    fig = figure(7.2, 3.3, left=0.1)
    curve, ax = fig.subplots(1, 2, width_ratios=[1.2, 1])
    epochs = list(range(1, last + 1))
    train_loss = [v if math.isfinite(v) else float("nan") for v in h.train_loss]
    curve.plot(epochs, train_loss, color="black", linewidth=1.8, label="training loss")
    curve.plot(epochs, h.test_loss, color=ACCENTS[0], linewidth=1.2, linestyle="--", label="test loss")
    if any(v > 0 and math.isfinite(v) for v in train_loss + h.test_loss):
        log_y(curve)
    curve.set(xlim=(1, max(last, 2)), xlabel="epoch", ylabel=f"{LOSS_NAMES[run.settings.loss]} loss")
    curve.grid(alpha=0.3)
    curve.legend(fontsize=8, loc="upper right")
    curve.set_title(f"lr {lr:g}, momentum {momentum:g}, {init}, batch {batch_size}", fontsize=10)
    draw_boundary(ax, run, last)
    error = run.test_error[-1]
    ax.set_title(f"after {last} epochs: test error {100 * error:.1f}%", fontsize=10)
    summary = {"lr": float(lr), "momentum": float(momentum), "init": init, "batch_size": int(batch_size),
               "test_error": error, "train_loss": h.train_loss[-1] if h.train_loss else float("nan"),
               "diverged": run.diverged, "seconds": run.seconds}
    return fig, summary


def training_explorer(settings: Settings = TRAINING) -> Explorer:
    """Live: retrain with another learning rate, momentum, initialisation or batch size."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    controls = {
        "lr": w.FloatLogSlider(value=settings.lr, base=10, min=-4, max=0, step=0.25, description="learning rate",
                               continuous_update=False, style=style, readout_format=".4f"),
        "momentum": w.FloatSlider(value=settings.momentum, min=0, max=0.95, step=0.05, description="momentum",
                                  continuous_update=False),
        "init": w.Dropdown(options=list(INITS), value=settings.init, description="init"),
        "batch_size": w.Dropdown(options=sorted({1, 5, 10, 50, 100, settings.batch_size}),
                                 value=settings.batch_size, description="batch size",
                                 style=style),
    }
    return Explorer(lambda **v: render_training(**v, settings=settings), controls, "Training settings")


def training_player(settings: Settings = TRAINING) -> Player:
    """Static: the training-settings explorer over a grid of settings."""
    return Player(lambda **v: render_training(**v, settings=settings),
                  {"lr": [0.01, 0.1], "momentum": [0.0, 0.9], "init": list(INITS), "batch_size": [10, 50]},
                  title="Training settings", initial={"lr": 0.01, "momentum": 0.0, "init": "gaussian",
                                                       "batch_size": 10})
