"""The book's interactive explorers (book/explorers.ipynb): the logic, so that the notebook only calls it.

Each of the five explorers comes in three layers:

* a computation in plain torch and minidl, with no plotting: ``train_run`` (the report's network
  trained with snapshots of its decision boundary), ``activation_curves``, ``softmax_temperature``
  and ``trajectory``;
* a ``render_*`` function that draws one state of the explorer as a matplotlib ``Figure`` and
  returns it with a ``summary`` dict, the numbers the figure shows (what a test checks);
* two front ends over the same ``render_*``: ``*_explorer()``, live ipywidgets for Jupyter, and
  ``*_player()``, a self-contained HTML figure over precomputed frames (plain HTML and JS, images
  inlined as base64) for the static book, where no Python runs and no network is needed.

matplotlib, ipywidgets and IPython are imported inside the functions that use them: ``import minidl``
does not import this module, and ``import minidl.viz`` imports only torch and minidl.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import torch

from ..data import CENTRE, RADIUS, disk_dataset, seeded
from ..losses.cross_entropy import CrossEntropyLoss
from ..losses.mse import MSELoss
from ..models import report_net
from ..nn.prelu import PReLU
from ..nn.relu import ReLU
from ..nn.softmax import Softmax
from ..nn.tanh import Tanh
from ..optim.sgd import SGD
from ..parameter import Parameter
from ..train import History, evaluate, fit

LOSS_NAMES = {"mse": "MSE", "ce": "cross-entropy"}
ACCENTS = ("#3b6fb6", "#d9742b")  # blue and orange: legible on the white figure face
MARGIN_CMAP = "RdBu_r"  # blue for class 0, red for class 1, white on the boundary


# ---------------------------------------------------------------------------------------------
# 1-2. Decision boundary and training settings: the report's network, trained with snapshots
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """One training run of the report's 2-25-25-25-2 Tanh network on the disk data set.

    ``loss`` is ``"mse"`` (MSELoss on the two raw outputs) or ``"ce"`` (Softmax then
    CrossEntropyLoss, eq. 3 and 5). Data and initial weights are seeded as in ``python -m minidl``,
    so a run here is the same as ``python -m minidl --batch-size 10 --lr 0.01 ...``.
    """

    loss: str = "mse"
    lr: float = 0.01
    momentum: float = 0.0
    init: str = "gaussian"
    batch_size: int = 10
    epochs: int = 25
    n: int = 1000
    seed: int = 0


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
    if s.loss not in LOSS_NAMES:
        raise ValueError(f"train_run: loss must be one of {sorted(LOSS_NAMES)}, got {s.loss!r}")
    if s.epochs < 0 or s.n < 1 or s.batch_size < 1:
        raise ValueError(f"train_run: need epochs ≥ 0, n ≥ 1 and batch_size ≥ 1, got {s}")
    data_gen, init_gen = seeded(s.seed), seeded(s.seed + 1_000_000)
    train, test = disk_dataset(s.n, data_gen), disk_dataset(s.n, data_gen)
    model = report_net(softmax=s.loss == "ce", init=s.init, generator=init_gen)
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


def _check_choice(who: str, name: str, value: Any, choices: Sequence) -> None:
    if value not in choices:
        raise ValueError(f"{who}: {name} must be one of {list(choices)}, got {value!r}")


def _draw_boundary(ax, run: Run, epoch: int, points: int = 250) -> None:
    """The margin as a colour map, its zero level (the boundary) in black, the true circle dashed."""
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


def _figure(width: float, height: float, **margins: float):
    """A matplotlib Figure with a white face, legible on a light and on a dark page.

    Built without pyplot, so nothing is shown by the notebook backend and nothing needs closing.
    Fixed margins rather than a layout engine: drawing a frame then takes half the time."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), facecolor="white")
    fig.subplots_adjust(**{"left": 0.08, "right": 0.98, "bottom": 0.15, "top": 0.9, "wspace": 0.28, **margins})
    return fig


def _log_y(ax) -> None:
    """A log y axis with plain tick labels and no minor ticks (mathtext labels and hundreds of minor
    tick lines would triple the time to draw a frame)."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.minorticks_off()


def render_boundary(loss: str = "mse", epoch: int | None = None, settings: Settings = BOUNDARY):
    """The decision boundary after ``epoch`` epochs (default: the last), and the test error so far."""
    _check_choice("render_boundary", "loss", loss, list(LOSS_NAMES))
    run = train_run(replace(settings, loss=loss))
    last = run.settings.epochs
    epoch = last if epoch is None else int(epoch)
    if not 0 <= epoch <= last:
        raise ValueError(f"render_boundary: epoch must lie in [0, {last}], got {epoch}")
    fig = _figure(7.2, 3.3)
    ax, curve = fig.subplots(1, 2, width_ratios=[1, 1.2])
    _draw_boundary(ax, run, epoch)
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


def render_training(lr: float = 0.01, momentum: float = 0.0, init: str = "gaussian", batch_size: int = 10,
                    settings: Settings = TRAINING):
    """Train with these settings; the loss curves and the final decision boundary."""
    _check_choice("render_training", "init", init, ["gaussian", "xavier"])
    run = train_run(replace(settings, lr=float(lr), momentum=float(momentum), init=init, batch_size=int(batch_size)))
    h, last = run.history, run.settings.epochs
    fig = _figure(7.2, 3.3, left=0.1)
    curve, ax = fig.subplots(1, 2, width_ratios=[1.2, 1])
    epochs = list(range(1, last + 1))
    train_loss = [v if math.isfinite(v) else float("nan") for v in h.train_loss]
    curve.plot(epochs, train_loss, color="black", linewidth=1.8, label="training loss")
    curve.plot(epochs, h.test_loss, color=ACCENTS[0], linewidth=1.2, linestyle="--", label="test loss")
    if any(v > 0 and math.isfinite(v) for v in train_loss + h.test_loss):
        _log_y(curve)
    curve.set(xlim=(1, max(last, 2)), xlabel="epoch", ylabel=f"{LOSS_NAMES[run.settings.loss]} loss")
    curve.grid(alpha=0.3)
    curve.legend(fontsize=8, loc="upper right")
    curve.set_title(f"lr {lr:g}, momentum {momentum:g}, {init}, batch {batch_size}", fontsize=10)
    _draw_boundary(ax, run, last)
    error = run.test_error[-1]
    ax.set_title(f"after {last} epochs: test error {100 * error:.1f}%", fontsize=10)
    summary = {"lr": float(lr), "momentum": float(momentum), "init": init, "batch_size": int(batch_size),
               "test_error": error, "train_loss": h.train_loss[-1] if h.train_loss else float("nan"),
               "diverged": run.diverged, "seconds": run.seconds}
    return fig, summary


# ---------------------------------------------------------------------------------------------
# 3. Activations: each one and its derivative, computed by the module's own backward
# ---------------------------------------------------------------------------------------------


def activations() -> dict[str, Callable[[], Any]]:
    """The element-wise activation modules of minidl, by display name (a factory for each)."""
    return {"Tanh": Tanh, "ReLU": ReLU, "PReLU (a = 0.25)": PReLU}


def activation_curves(name: str = "Tanh", lo: float = -4.0, hi: float = 4.0, points: int = 401):
    """``s``, ``f(s)`` and ``f′(s)`` on ``points`` inputs in ``[lo, hi]``, in float64.

    ``f′`` is what the module's ``backward`` returns for ``grad_output = 1``: the chain rule's
    ``∂ℓ/∂s = ∂ℓ/∂x ⊙ f′(s)`` with ``∂ℓ/∂x = 1`` leaves exactly the derivative."""
    factories = activations()
    _check_choice("activation_curves", "name", name, list(factories))
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"activation_curves: need a finite range lo < hi, got [{lo}, {hi}]")
    module = factories[name]().to(dtype=torch.float64)  # PReLU's slope in the dtype of s
    s = torch.linspace(float(lo), float(hi), points, dtype=torch.float64)
    y = module.forward(s)
    dy = module.backward(torch.ones_like(y))
    return s, y.to(torch.float64), dy.to(torch.float64)


def render_activation(name: str = "Tanh", lo: float = -4.0, hi: float = 4.0):
    """The activation on ``[lo, hi]`` (left) and its derivative from ``backward`` (right)."""
    s, y, dy = activation_curves(name, lo, hi)
    fig = _figure(7.2, 3.0)
    left, right = fig.subplots(1, 2)
    for ax, values, title, colour in ((left, y, f"{name}: f(s)", "black"), (right, dy, "f′(s), from backward", "C3")):
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.axvline(0, color="0.6", linewidth=0.8)
        ax.plot(s.numpy(), values.numpy(), color=colour, linewidth=2)
        ax.set(xlim=(lo, hi), xlabel="s", title=title)
        ax.grid(alpha=0.3)
    right.set_ylim(min(-0.1, dy.min().item() - 0.1), max(1.1, dy.max().item() + 0.1))
    summary = {"name": name, "lo": float(lo), "hi": float(hi), "min": y.min().item(), "max": y.max().item(),
               "max_derivative": dy.max().item(), "min_derivative": dy.min().item()}
    return fig, summary


# ---------------------------------------------------------------------------------------------
# 4. Softmax with a temperature, and its Jacobian
# ---------------------------------------------------------------------------------------------

SCORES = (2.0, 1.0, 0.2, -1.0)


def softmax_temperature(scores: Sequence[float] = SCORES, temperature: float = 1.0):
    """``p = softmax(s / T)`` (eq. 3) and its Jacobian ``∂p_i/∂s_k = p_i (δ_ik − p_k) / T`` (eq. 4 and
    the chain rule through ``s / T``), in float64, computed with ``minidl.Softmax``."""
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"softmax_temperature: temperature must be a finite number > 0, got {temperature!r}")
    s = torch.tensor([list(scores)], dtype=torch.float64)
    if s.shape[1] < 2 or not s.isfinite().all():
        raise ValueError(f"softmax_temperature: need at least two finite scores, got {list(scores)}")
    p = Softmax().forward(s / temperature)
    return p[0], Softmax.jacobian(p)[0] / temperature


def render_softmax(temperature: float = 1.0, scores: Sequence[float] = SCORES):
    """Bars of ``p = softmax(s / T)`` (hollow: ``T = 1``) and the Jacobian as an annotated heat map."""
    p, jac = softmax_temperature(scores, temperature)
    p1, _ = softmax_temperature(scores, 1.0)
    c = p.numel()
    entropy = -(p * p.clamp_min(1e-300).log()).sum().item()
    fig = _figure(7.2, 3.2)
    bars, heat = fig.subplots(1, 2, width_ratios=[1.1, 1])
    idx = list(range(c))
    bars.bar(idx, p.numpy(), color=ACCENTS[1], label=f"T = {temperature:.3g}")
    bars.bar(idx, p1.numpy(), fill=False, edgecolor="black", linewidth=1.2,
             label="T = 1" if temperature != 1 else None)
    for i, v in enumerate(scores):
        bars.annotate(f"s={v:g}", (i, 0), xytext=(0, -24), textcoords="offset points", ha="center", fontsize=8)
    bars.set(ylim=(0, 1), xticks=idx, xticklabels=[f"p{i + 1}" for i in idx], ylabel="probability",
             title=f"softmax(s / T): entropy {entropy:.2f} nats")
    bars.legend(fontsize=8, loc="upper right")
    vmax = max(jac.abs().max().item(), 1e-3)
    heat.imshow(jac.numpy(), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    for i, k in itertools.product(idx, idx):
        v = jac[i, k].item()
        heat.text(k, i, f"{v:.2f}".replace("-0.00", "0.00"), ha="center", va="center", fontsize=8,
                  color="white" if abs(v) > 0.6 * vmax else "black")
    heat.set(xticks=idx, yticks=idx, xticklabels=[f"s{k + 1}" for k in idx], yticklabels=[f"p{i + 1}" for i in idx],
             title=r"Jacobian $\partial p_i / \partial s_k$")
    summary = {"temperature": float(temperature), "p": [round(v, 6) for v in p.tolist()], "entropy": entropy,
               "max_abs_jacobian": jac.abs().max().item(), "row_sums": jac.sum(dim=1).abs().max().item()}
    return fig, summary


def parse_scores(text: str) -> tuple[float, ...]:
    """``"2, 1, 0.2"`` → ``(2.0, 1.0, 0.2)``: the scores typed into the softmax explorer."""
    try:
        scores = tuple(float(v) for v in text.replace(";", ",").split(",") if v.strip())
    except ValueError:
        raise ValueError(f"scores must be numbers separated by commas, got {text!r}") from None
    if len(scores) < 2 or len(scores) > 8:
        raise ValueError(f"give between 2 and 8 scores, got {len(scores)}")
    return scores


# ---------------------------------------------------------------------------------------------
# 5. SGD and momentum on a 2-D loss surface
# ---------------------------------------------------------------------------------------------


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
    _check_choice("trajectory", "surface", surface, list(SURFACES))
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
def _surface_grid(surface: str, size: int = 121):
    surf = SURFACES[surface]
    x0, x1, y0, y1 = surf.extent
    xs = torch.linspace(x0, x1, size, dtype=torch.float64)
    ys = torch.linspace(y0, y1, size, dtype=torch.float64)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return xs.numpy(), ys.numpy(), surf.f(gx, gy).numpy()


def render_trajectory(surface: str = "ravine", step: int | None = None, lr: float | None = None,
                      momentum: float | None = None):
    """Plain SGD and SGD with momentum after ``step`` steps: the paths on the contour map (left)
    and the loss at each step (right)."""
    _check_choice("render_trajectory", "surface", surface, list(SURFACES))
    surf = SURFACES[surface]
    lr = surf.lr if lr is None else float(lr)
    momentum = surf.momentum if momentum is None else float(momentum)
    steps = surf.steps
    step = steps if step is None else int(step)
    if not 0 <= step <= steps:
        raise ValueError(f"render_trajectory: step must lie in [0, {steps}], got {step}")
    paths = {"SGD": trajectory(surface, lr, 0.0), f"momentum {momentum:g}": trajectory(surface, lr, momentum)}
    xs, ys, zs = _surface_grid(surface)
    fig = _figure(7.2, 3.3, left=0.09, wspace=0.34)
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
    _log_y(curve)
    curve.set(xlim=(0, steps), ylim=(1e-4, 10 ** math.ceil(math.log10(float(zs.max())))), xlabel="step",
              ylabel="f(θ)", title=f"step {step}")
    curve.grid(alpha=0.3)
    return fig, summary


# ---------------------------------------------------------------------------------------------
# Front ends: live ipywidgets, and static HTML players over precomputed frames
# ---------------------------------------------------------------------------------------------


def png_bytes(fig, dpi: int = 90, colours: int | None = None) -> bytes:
    """The figure as PNG. ``colours``: quantise to that many colours (frames for the static book:
    a third of the size, with no visible loss on plots)."""
    if colours is None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
        return buf.getvalue()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").quantize(colors=colours).save(buf, format="png")
    return buf.getvalue()


def _summary_text(summary: dict) -> str:
    def fmt(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    return " · ".join(f"{k.replace('_', ' ')}: {fmt(v)}" for k, v in summary.items())


class Explorer:
    """A live explorer: ``render(**values)`` is redrawn whenever one of the ``controls`` changes.

    ``controls`` maps each keyword of ``render`` to an ipywidget whose ``value`` feeds it. The figure
    is shown as a PNG in an ``ipywidgets.Image``, so the explorer works with any matplotlib backend.
    ``figure``, ``summary`` and ``image.value`` always hold the current state (tests read them).
    """

    def __init__(self, render: Callable, controls: dict[str, Any], title: str, extras: Sequence = ()) -> None:
        import ipywidgets as w

        self.render, self.controls, self.title = render, dict(controls), title
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.status = w.HTML()
        self.renders = 0
        self.figure, self.summary = None, {}
        row = w.HBox([*self.controls.values(), *extras], layout=w.Layout(flex_flow="row wrap"))
        self.widget = w.VBox([row, self.image, self.status])
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.update()

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def update(self, change: Any = None) -> None:
        try:
            self.figure, self.summary = self.render(**self.values())
        except ValueError as err:  # e.g. scores typed wrong: say so, keep the last figure
            self.status.value = f"<span style='color:#c0392b'>{html.escape(str(err))}</span>"
            return
        self.image.value = png_bytes(self.figure)
        self.status.value = f"<small>{html.escape(_summary_text(self.summary))}</small>"
        self.renders += 1

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # A fixed text, not the widget repr with its image bytes: the same on every machine (nbval).
        bundle["text/plain"] = f"{self.title} (a live explorer: run the notebook in Jupyter to use it)"
        return bundle


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


def training_explorer(settings: Settings = TRAINING) -> Explorer:
    """Live: retrain with another learning rate, momentum, initialisation or batch size."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    controls = {
        "lr": w.FloatLogSlider(value=settings.lr, base=10, min=-4, max=0, step=0.25, description="learning rate",
                               continuous_update=False, style=style, readout_format=".4f"),
        "momentum": w.FloatSlider(value=settings.momentum, min=0, max=0.95, step=0.05, description="momentum",
                                  continuous_update=False),
        "init": w.Dropdown(options=["gaussian", "xavier"], value=settings.init, description="init"),
        "batch_size": w.Dropdown(options=sorted({1, 5, 10, 50, 100, settings.batch_size}),
                                 value=settings.batch_size, description="batch size",
                                 style=style),
    }
    return Explorer(lambda **v: render_training(**v, settings=settings), controls, "Training settings")


def activation_explorer() -> Explorer:
    """Live: an activation and its derivative over any input range."""
    import ipywidgets as w

    controls = {"name": w.Dropdown(options=list(activations()), value="Tanh", description="activation"),
                "range": w.FloatRangeSlider(value=(-4.0, 4.0), min=-20, max=20, step=0.5, description="input s",
                                           readout_format=".1f")}
    return Explorer(lambda name, range: render_activation(name, *range), controls, "Activations")


def softmax_explorer() -> Explorer:
    """Live: softmax at a temperature, and its Jacobian, for scores typed in."""
    import ipywidgets as w

    controls = {"temperature": w.FloatLogSlider(value=1.0, base=10, min=-1.3, max=1.3, step=0.05,
                                                description="T", readout_format=".3g"),
                "scores": w.Text(value=", ".join(f"{v:g}" for v in SCORES), description="scores s",
                                 continuous_update=False)}
    return Explorer(lambda temperature, scores: render_softmax(temperature, parse_scores(scores)), controls,
                    "Softmax and temperature")


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


class Player:
    """A static, self-contained interactive figure: one precomputed PNG per combination of the
    controls' values, and a few lines of JS that show the frame for the current choice.

    Sliders stand for numeric controls, drop-down lists for the others; ``animate`` names a slider
    that a play button steps through. No kernel, no network: the frames are inlined as base64.
    """

    def __init__(self, render: Callable, controls: dict[str, Sequence], *, title: str,
                 initial: dict[str, Any] | None = None, formats: dict[str, Callable] | None = None,
                 animate: str | None = None, dpi: int = 90, colours: int = 64) -> None:
        self.title, self.controls, self.animate = title, {k: list(v) for k, v in controls.items()}, animate
        if animate is not None and animate not in self.controls:
            raise ValueError(f"Player: animate={animate!r} is not one of the controls {list(self.controls)}")
        formats = formats or {}
        self.labels = {k: [formats.get(k, _label)(v) for v in vs] for k, vs in self.controls.items()}
        initial = initial or {}
        self.start = [vs.index(initial[k]) if k in initial else len(vs) - 1 for k, vs in self.controls.items()]
        self.frames: list[str] = []
        self.summaries: list[dict] = []
        for combo in itertools.product(*self.controls.values()):
            fig, summary = render(**dict(zip(self.controls, combo, strict=True)))
            self.frames.append("data:image/png;base64," + base64.b64encode(png_bytes(fig, dpi, colours)).decode())
            self.summaries.append(summary)

    def frame_index(self, positions: Sequence[int]) -> int:
        """The frame for the given position in each control (row-major over the controls)."""
        index = 0
        for pos, values in zip(positions, self.controls.values(), strict=True):
            index = index * len(values) + pos
        return index

    def _control_html(self, i: int, name: str) -> str:
        values, labels, pos = self.controls[name], self.labels[name], self.start[i]
        label = html.escape(name.replace("_", " "))
        if all(isinstance(v, (int, float)) for v in values) and len(values) > 1:
            return (f'<label>{label} <input type="range" min="0" max="{len(values) - 1}" step="1" value="{pos}" '
                    f'data-control="{i}" aria-label="{label}" style="vertical-align:middle"> '
                    f'<output style="display:inline-block;min-width:3.5em">{html.escape(labels[pos])}</output></label>')
        options = "".join(f'<option value="{j}"{" selected" if j == pos else ""}>{html.escape(t)}</option>'
                          for j, t in enumerate(labels))
        return f'<label>{label} <select data-control="{i}" aria-label="{label}">{options}</select></label>'

    def html(self) -> str:
        controls = "".join(self._control_html(i, name) for i, name in enumerate(self.controls))
        if self.animate is not None:
            k = list(self.controls).index(self.animate)
            name = html.escape(self.animate)
            controls += f'<button type="button" data-play="{k}" aria-label="play {name}">▶ play</button>'
        data = {"sizes": [len(v) for v in self.controls.values()], "labels": list(self.labels.values()),
                "frames": self.frames, "title": self.title}
        payload = json.dumps(data).replace("</", "<\\/")
        first = self.frame_index(self.start)
        return (
            '<div class="minidl-player" style="margin:0.5em 0 1em 0">'
            '<form class="minidl-player-controls" onsubmit="return false" '
            'style="display:flex;flex-wrap:wrap;gap:0.3em 1.4em;align-items:center;margin:0.3em 0">'
            f"{controls}</form>"
            f'<img class="minidl-player-frame" src="{self.frames[first]}" alt="{html.escape(self.title)}" '
            'style="max-width:100%;height:auto;background:#fff;border-radius:4px">'
            f'<script type="application/json" class="minidl-player-data">{payload}</script>'
            f"<script>{_PLAYER_JS}</script></div>"
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"Player({self.title!r}, {len(self.frames)} frames)"


def _label(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# The player's script: finds its own container, shows the frame for the controls' positions.
_PLAYER_JS = """
(function (root) {
  var data = JSON.parse(root.querySelector("script.minidl-player-data").textContent);
  var img = root.querySelector("img.minidl-player-frame");
  var inputs = root.querySelectorAll("[data-control]");
  function show() {
    var index = 0, alt = [];
    for (var i = 0; i < inputs.length; i++) {
      var pos = Number(inputs[i].value);
      index = index * data.sizes[i] + pos;
      var out = inputs[i].parentNode.querySelector("output");
      if (out) { out.textContent = data.labels[i][pos]; }
      alt.push(data.labels[i][pos]);
    }
    img.src = data.frames[index];
    img.alt = data.title + ": " + alt.join(", ");
  }
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("input", show);
    inputs[i].addEventListener("change", show);
  }
  var button = root.querySelector("[data-play]"), timer = null;
  if (button) {
    button.addEventListener("click", function () {
      var slider = inputs[Number(button.getAttribute("data-play"))];
      if (timer) { clearInterval(timer); timer = null; button.textContent = "\\u25B6 play"; return; }
      button.textContent = "\\u275A\\u275A pause";
      timer = setInterval(function () {
        slider.value = (Number(slider.value) + 1) % (Number(slider.max) + 1);
        show();
      }, 350);
    });
  }
  show();
})(document.currentScript.parentNode);
"""


def boundary_player(settings: Settings = BOUNDARY) -> Player:
    """Static: the decision boundary over the epochs, for each loss."""
    epochs = sorted({*range(min(6, settings.epochs + 1)), *range(settings.epochs, 5, -3)})  # 0-5, then every 3rd
    return Player(lambda loss, epoch: render_boundary(loss, epoch, settings),
                  {"loss": list(LOSS_NAMES), "epoch": epochs},
                  title="Decision boundary", formats={"loss": LOSS_NAMES.get}, animate="epoch",
                  initial={"loss": "mse", "epoch": settings.epochs})


def training_player(settings: Settings = TRAINING) -> Player:
    """Static: the training-settings explorer over a grid of settings."""
    return Player(lambda **v: render_training(**v, settings=settings),
                  {"lr": [0.01, 0.1], "momentum": [0.0, 0.9], "init": ["gaussian", "xavier"], "batch_size": [10, 50]},
                  title="Training settings", initial={"lr": 0.01, "momentum": 0.0, "init": "gaussian",
                                                       "batch_size": 10})


def activation_player() -> Player:
    """Static: each activation over a few input ranges."""
    ranges = {"[−2, 2]": (-2.0, 2.0), "[−5, 5]": (-5.0, 5.0), "[−20, 20]": (-20.0, 20.0), "[0, 3]": (0.0, 3.0)}
    return Player(lambda name, range: render_activation(name, *ranges[range]),
                  {"name": list(activations()), "range": list(ranges)}, title="Activations",
                  initial={"name": "Tanh", "range": "[−5, 5]"})


def softmax_player(scores: Sequence[float] = SCORES) -> Player:
    """Static: softmax and its Jacobian over a range of temperatures."""
    temperatures = [round(10 ** (k / 4), 3) for k in range(-4, 5)]  # 0.1 … 10, evenly in log T
    return Player(lambda temperature: render_softmax(temperature, scores), {"temperature": temperatures},
                  title="Softmax and temperature", initial={"temperature": 1.0},
                  formats={"temperature": "{:.3g}".format})


def trajectory_player() -> Player:
    """Static: SGD and momentum, step by step, on each surface."""
    steps = list(range(0, min(s.steps for s in SURFACES.values()) + 1, 2))  # every other step
    return Player(render_trajectory, {"surface": list(SURFACES), "step": steps},
                  title="SGD against momentum", animate="step", initial={"surface": "ravine", "step": steps[-1]})
