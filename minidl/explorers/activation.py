"""The activations explorer: each element-wise activation of minidl and its derivative, computed by
the module's own ``backward``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ..nn.prelu import PReLU
from ..nn.relu import ReLU
from ..nn.tanh import Tanh
from .player import Player
from .plotting import check_choice, figure
from .widget import Explorer


def activations() -> dict[str, Callable[[], Any]]:
    """The element-wise activation modules of minidl, by display name (a factory for each)."""
    return {"Tanh": Tanh, "ReLU": ReLU, "PReLU (a = 0.25)": PReLU}


def activation_curves(name: str = "Tanh", lo: float = -4.0, hi: float = 4.0, points: int = 401):
    """``s``, ``f(s)`` and ``f′(s)`` on ``points`` inputs in ``[lo, hi]``, in float64.

    ``f′`` is what the module's ``backward`` returns for ``grad_output = 1``: the chain rule's
    ``∂ℓ/∂s = ∂ℓ/∂x ⊙ f′(s)`` with ``∂ℓ/∂x = 1`` leaves exactly the derivative."""
    factories = activations()
    check_choice("activation_curves", "name", name, list(factories))
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"activation_curves: need a finite range lo < hi, got [{lo}, {hi}]")
    module = factories[name]().to(dtype=torch.float64)  # PReLU's slope in the dtype of s
    s = torch.linspace(float(lo), float(hi), points, dtype=torch.float64)
    y = module.forward(s)
    dy = module.backward(torch.ones_like(y))
    return s, y.to(torch.float64), dy.to(torch.float64)


def render_activation(name: str = "Tanh", lo: float = -4.0, hi: float = 4.0):
    """Draw the activation on ``[lo, hi]`` (left) and its derivative from ``backward`` (right)."""
    s, y, dy = activation_curves(name, lo, hi)
    fig = figure(7.2, 3.0)
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


def activation_explorer() -> Explorer:
    """Live: an activation and its derivative over any input range."""
    import ipywidgets as w

    controls = {"name": w.Dropdown(options=list(activations()), value="Tanh", description="activation"),
                "range": w.FloatRangeSlider(value=(-4.0, 4.0), min=-20, max=20, step=0.5, description="input s",
                                           readout_format=".1f")}
    return Explorer(lambda name, range: render_activation(name, *range), controls, "Activations")


def activation_player() -> Player:
    """Static: each activation over a few input ranges."""
    ranges = {"[−2, 2]": (-2.0, 2.0), "[−5, 5]": (-5.0, 5.0), "[−20, 20]": (-20.0, 20.0), "[0, 3]": (0.0, 3.0)}
    return Player(lambda name, range: render_activation(name, *ranges[range]),
                  {"name": list(activations()), "range": list(ranges)}, title="Activations",
                  initial={"name": "Tanh", "range": "[−5, 5]"})
