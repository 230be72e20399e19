"""The optimiser explorer: the paths of plain SGD and of SGD with momentum, step by step, on a 2-D loss surface."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch

from ..optim.sgd import SGD
from ..parameter import Parameter
from .player import Player
from .plotting import ACCENTS, check_choice, figure, log_y
from .widget import Explorer


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface ``f(θ)``, its gradient, and the settings its explorer starts from."""

    name: str
    f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    grad: Callable[[torch.Tensor], torch.Tensor]
    start: tuple[float, float]
    minimum: tuple[float, float]
    extent: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax
    lr: float
    momentum: float
    steps: int


SURFACES = {
    # f = ½ (x² + 20 y²): curvature 1 along x, 20 along y, a ravine. At lr 0.09 plain SGD
    # overshoots across the ravine (y ← −0.8 y) and crawls along it (x ← 0.91 x).
    "ravine": Surface(
        "ravine  f = ½(x² + 20y²)",
        f=lambda x, y: 0.5 * (x * x + 20 * y * y),
        grad=lambda t: torch.stack([t[0], 20 * t[1]]),
        start=(-4.5, 1.0), minimum=(0.0, 0.0), extent=(-5.0, 1.5, -1.6, 1.6), lr=0.09, momentum=0.7, steps=30,
    ),
    # Rosenbrock's banana: a curved valley, minimum at (1, 1). Plain SGD zigzags across the valley;
    # momentum follows it.
    "banana": Surface(
        "banana  f = (1 − x)² + 10(y − x²)²",
        f=lambda x, y: (1 - x) ** 2 + 10 * (y - x * x) ** 2,
        grad=lambda t: torch.stack([-2 * (1 - t[0]) - 40 * t[0] * (t[1] - t[0] ** 2), 20 * (t[1] - t[0] ** 2)]),
        start=(-1.5, 2.0), minimum=(1.0, 1.0), extent=(-2.0, 2.0, -1.0, 3.0), lr=0.015, momentum=0.85, steps=30,
    ),
}


def trajectory(surface: str = "ravine", lr: float | None = None, momentum: float | None = None,
               steps: int | None = None) -> torch.Tensor:
    """The points ``θ_0 … θ_steps`` (shape ``(steps + 1, 2)``, float64) that ``minidl.SGD`` visits on
    ``surface``, from its start: ``v ← μ v − η ∇f(θ)``, ``θ ← θ + v`` (``μ = 0``: plain SGD)."""
    check_choice("trajectory", "surface", surface, list(SURFACES))
    surf = SURFACES[surface]
    lr = surf.lr if lr is None else lr
    momentum = surf.momentum if momentum is None else momentum
    steps = surf.steps if steps is None else steps
    theta = Parameter(torch.tensor(surf.start, dtype=torch.float64))
    optimizer = SGD([theta], lr=lr, momentum=momentum)
    path = [theta.value.clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        theta.grad.add_(surf.grad(theta.value))
        optimizer.step()
        path.append(theta.value.clone())
    return torch.stack(path)


@lru_cache(maxsize=8)
def surface_grid(surface: str, size: int = 121):
    """``f`` on a ``size × size`` lattice of the surface's extent: ``(xs, ys, f)`` as numpy arrays."""
    surf = SURFACES[surface]
    x0, x1, y0, y1 = surf.extent
    xs = torch.linspace(x0, x1, size, dtype=torch.float64)
    ys = torch.linspace(y0, y1, size, dtype=torch.float64)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return xs.numpy(), ys.numpy(), surf.f(gx, gy).numpy()


def render_trajectory(surface: str = "ravine", step: int | None = None, lr: float | None = None,
                      momentum: float | None = None):
    """Draw plain SGD and SGD with momentum after ``step`` steps: the paths on the contour map (left)
    and the loss at each step (right)."""
    check_choice("render_trajectory", "surface", surface, list(SURFACES))
    surf = SURFACES[surface]
    lr = surf.lr if lr is None else float(lr)
    momentum = surf.momentum if momentum is None else float(momentum)
    steps = surf.steps
    step = steps if step is None else int(step)
    if not 0 <= step <= steps:
        raise ValueError(f"render_trajectory: step must lie in [0, {steps}], got {step}")
    paths = {"SGD": trajectory(surface, lr, 0.0), f"momentum {momentum:g}": trajectory(surface, lr, momentum)}
    xs, ys, zs = surface_grid(surface)
    fig = figure(7.2, 3.3, left=0.09, wspace=0.34)
    ax, curve = fig.subplots(1, 2, width_ratios=[1.15, 1])
    levels = [float(v) for v in torch.logspace(-2, math.log10(float(zs.max())), 14)]
    ax.contour(xs, ys, zs, levels=levels, colors="0.55", linewidths=0.7)
    ax.plot(*surf.minimum, marker="*", color="black", markersize=12, linestyle="none")
    summary: dict[str, Any] = {"surface": surface, "step": step, "lr": lr, "momentum": momentum}
    x0, x1, y0, y1 = surf.extent
    for (label, path), colour, key in zip(paths.items(), ("black", ACCENTS[1]), ("sgd", "momentum"), strict=True):
        shown = path[: step + 1]
        ax.plot(shown[:, 0].clamp(x0, x1).numpy(), shown[:, 1].clamp(y0, y1).numpy(), "-o", color=colour,
                markersize=3, linewidth=1.4, label=label)
        losses = surf.f(path[:, 0], path[:, 1])
        curve.plot(range(step + 1), losses[: step + 1].numpy(), color=colour, linewidth=1.6, label=label)
        summary[f"{key}_loss"] = losses[step].item()
        summary[f"{key}_distance"] = (path[step] - torch.tensor(surf.minimum, dtype=torch.float64)).norm().item()
    ax.set(xlim=(x0, x1), ylim=(y0, y1), title=f"{surf.name}, lr {lr:g}", xlabel="x", ylabel="y")
    ax.legend(fontsize=8, loc="lower right")
    log_y(curve)
    curve.set(xlim=(0, steps), ylim=(1e-4, 10 ** math.ceil(math.log10(float(zs.max())))), xlabel="step",
              ylabel="f(θ)", title=f"step {step}")
    curve.grid(alpha=0.3)
    return fig, summary


def trajectory_explorer() -> Explorer:
    """Live: SGD against SGD with momentum, step by step, on a 2-D surface."""
    import ipywidgets as w

    first = SURFACES["ravine"]
    step = w.IntSlider(value=0, min=0, max=first.steps, description="step")
    play = w.Play(value=0, min=0, max=first.steps, interval=250, description="play")
    w.jslink((play, "value"), (step, "value"))
    controls = {
        "surface": w.Dropdown(options=list(SURFACES), value="ravine", description="surface"),
        "lr": w.FloatLogSlider(value=first.lr, base=10, min=-3, max=-0.5, step=0.05, description="lr",
                               readout_format=".3g"),
        "momentum": w.FloatSlider(value=first.momentum, min=0, max=0.95, step=0.05, description="momentum"),
        "step": step,
    }
    explorer = Explorer(render_trajectory, controls, "SGD against momentum", extras=[play])

    def new_surface(change: Any) -> None:  # each surface starts from its own lr and momentum
        surf = SURFACES[change["new"]]
        lr, momentum = explorer.controls["lr"], explorer.controls["momentum"]
        with lr.hold_trait_notifications(), momentum.hold_trait_notifications():
            lr.value, momentum.value = surf.lr, surf.momentum

    controls["surface"].observe(new_surface, names="value")
    return explorer


def trajectory_player() -> Player:
    """Static: SGD and momentum, step by step, on each surface."""
    steps = list(range(0, min(s.steps for s in SURFACES.values()) + 1, 2))  # every other step
    return Player(render_trajectory, {"surface": list(SURFACES), "step": steps},
                  title="SGD against momentum", animate="step", initial={"surface": "ravine", "step": steps[-1]})
