"""The decision-boundary explorer: the report's network's boundary epoch by epoch, for MSE and cross-entropy."""

from __future__ import annotations

from dataclasses import replace

from ..data import CENTRE, RADIUS
from .player import Player
from .plotting import ACCENTS, MARGIN_CMAP, check_choice, figure
from .run import BOUNDARY, LOSS_NAMES, Run, Settings, train_run
from .widget import Explorer


def draw_boundary(ax, run: Run, epoch: int, points: int = 250) -> None:
    """Draw the margin as a colour map, its zero level (the boundary) in black, the true circle dashed,
    and the first ``points`` test points."""
    from matplotlib.patches import Circle

    m = run.margins[epoch]
    finite = m.isfinite().all().item()
    shown = m.nan_to_num(0.0).clamp(-1, 1)
    ax.imshow(shown.numpy(), origin="lower", extent=(0, 1, 0, 1), cmap=MARGIN_CMAP, vmin=-1.6, vmax=1.6,
              interpolation="bilinear")
    if finite and m.min() < 0 < m.max():
        ax.contour(run.axis.numpy(), run.axis.numpy(), m.numpy(), levels=[0.0], colors="black", linewidths=1.6)
    ax.add_patch(Circle(CENTRE, RADIUS, fill=False, linestyle="--", linewidth=1.2, color="0.15"))
    x, y = run.test[0][:points], run.test[1][:points]
    for k, face in ((0, "white"), (1, "black")):  # class 0 hollow, class 1 filled: visible on either colour
        mine = y == k
        ax.scatter(x[mine, 0].numpy(), x[mine, 1].numpy(), s=8, c=face, edgecolors="black", linewidths=0.5)
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", xticks=[0, 0.5, 1], yticks=[0, 0.5, 1])
    if not finite:
        ax.text(0.5, 0.5, "diverged\n(NaN outputs)", ha="center", va="center", fontsize=12,
                bbox=dict(facecolor="white", edgecolor="0.3"))


def render_boundary(loss: str = "mse", epoch: int | None = None, settings: Settings = BOUNDARY):
    """Draw the decision boundary after ``epoch`` epochs (default: the last), and the test error so far."""
    check_choice("render_boundary", "loss", loss, list(LOSS_NAMES))
    run = train_run(replace(settings, loss=loss))
    last = run.settings.epochs
    epoch = last if epoch is None else int(epoch)
    if not 0 <= epoch <= last:
        raise ValueError(f"render_boundary: epoch must lie in [0, {last}], got {epoch}")
    fig = figure(7.2, 3.3)
    ax, curve = fig.subplots(1, 2, width_ratios=[1, 1.2])
    draw_boundary(ax, run, epoch)
    error = run.test_error[epoch]
    ax.set_title(f"{LOSS_NAMES[loss]}, epoch {epoch}: test error {100 * error:.1f}%", fontsize=10)
    epochs = list(range(last + 1))
    curve.plot(epochs, [100 * e for e in run.test_error], color="0.6", linewidth=1)
    curve.plot(epochs[: epoch + 1], [100 * e for e in run.test_error[: epoch + 1]], color="black", linewidth=1.8)
    curve.plot([epoch], [100 * error], "o", color=ACCENTS[1], markersize=7, clip_on=False)
    curve.set(xlim=(0, last), ylim=(0, max(60.0, 100 * max(run.test_error[1:], default=0) + 5)),
              xlabel="epoch", ylabel="test error (%)")
    curve.grid(alpha=0.3)
    summary = {"loss": loss, "epoch": epoch, "test_error": error,
               "predicted_inside": (run.margins[epoch] > 0).double().mean().item()}
    return fig, summary


def boundary_explorer(settings: Settings = BOUNDARY) -> Explorer:
    """Live: the decision boundary epoch by epoch, for MSE and for cross-entropy."""
    import ipywidgets as w

    epoch = w.IntSlider(value=settings.epochs, min=0, max=settings.epochs, description="epoch")
    play = w.Play(value=settings.epochs, min=0, max=settings.epochs, interval=300, description="play")
    w.jslink((play, "value"), (epoch, "value"))
    controls = {"loss": w.ToggleButtons(options=[(v, k) for k, v in LOSS_NAMES.items()], value="mse",
                                        description="loss"),
                "epoch": epoch}
    return Explorer(lambda loss, epoch: render_boundary(loss, epoch, settings), controls,
                    "Decision boundary", extras=[play])


def boundary_player(settings: Settings = BOUNDARY) -> Player:
    """Static: the decision boundary over the epochs, for each loss."""
    epochs = sorted({*range(min(6, settings.epochs + 1)), *range(settings.epochs, 5, -3)})  # 0-5, then every 3rd
    return Player(lambda loss, epoch: render_boundary(loss, epoch, settings),
                  {"loss": list(LOSS_NAMES), "epoch": epochs},
                  title="Decision boundary", formats={"loss": LOSS_NAMES.get}, animate="epoch",
                  initial={"loss": "mse", "epoch": settings.epochs})
