"""The softmax explorer: ``p = softmax(s / T)`` at a temperature ``T``, and its Jacobian."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch

from ..nn.softmax import Softmax
from .player import Player
from .plotting import ACCENTS, figure
from .widget import Explorer

SCORES = (2.0, 1.0, 0.2, -1.0)


def softmax_temperature(scores: Sequence[float] = SCORES, temperature: float = 1.0):
    """``p = softmax(s / T)`` (eq. 3) and its Jacobian ``∂p_i/∂s_k = p_i (δ_ik − p_k) / T`` (eq. 4 and
    the chain rule through ``s / T``), in float64, computed with ``minidl.Softmax``.

    Each column of the Jacobian sums to 0 because the probabilities sum to 1 (``Σ_i p_i = 1`` for
    every ``s``); each row sums to 0 because softmax ignores a shift of all scores
    (``softmax(s + c·1) = softmax(s)``, so moving every ``s_k`` together leaves each ``p_i`` as it is).
    The Jacobian is symmetric, so the two sums are the same numbers, for two different reasons."""
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"softmax_temperature: temperature must be a finite number > 0, got {temperature!r}")
    s = torch.tensor([list(scores)], dtype=torch.float64)
    if s.shape[1] < 2 or not s.isfinite().all():
        raise ValueError(f"softmax_temperature: need at least two finite scores, got {list(scores)}")
    p = Softmax().forward(s / temperature)
    return p[0], Softmax.jacobian(p)[0] / temperature


def render_softmax(temperature: float = 1.0, scores: Sequence[float] = SCORES):
    """Draw bars of ``p = softmax(s / T)`` (hollow: ``T = 1``) and the Jacobian as an annotated heat map."""
    p, jac = softmax_temperature(scores, temperature)
    p1, _ = softmax_temperature(scores, 1.0)
    c = p.numel()
    entropy = -(p * p.clamp_min(1e-300).log()).sum().item()
    fig = figure(7.2, 3.2)
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
    """``"2, 1, 0.2"`` → ``(2.0, 1.0, 0.2)``: read the scores typed into the softmax explorer."""
    try:
        scores = tuple(float(v) for v in text.replace(";", ",").split(",") if v.strip())
    except ValueError:
        raise ValueError(f"scores must be numbers separated by commas, got {text!r}") from None
    if len(scores) < 2 or len(scores) > 8:
        raise ValueError(f"give between 2 and 8 scores, got {len(scores)}")
    return scores


def softmax_explorer() -> Explorer:
    """Live: softmax at a temperature, and its Jacobian, for scores typed in."""
    import ipywidgets as w

    controls = {"temperature": w.FloatLogSlider(value=1.0, base=10, min=-1.3, max=1.3, step=0.05,
                                                description="T", readout_format=".3g"),
                "scores": w.Text(value=", ".join(f"{v:g}" for v in SCORES), description="scores s",
                                 continuous_update=False)}
    return Explorer(lambda temperature, scores: render_softmax(temperature, parse_scores(scores)), controls,
                    "Softmax and temperature")


def softmax_player(scores: Sequence[float] = SCORES) -> Player:
    """Static: softmax and its Jacobian over a range of temperatures."""
    temperatures = [round(10 ** (k / 4), 3) for k in range(-4, 5)]  # 0.1 … 10, evenly in log T
    return Player(lambda temperature: render_softmax(temperature, scores), {"temperature": temperatures},
                  title="Softmax and temperature", initial={"temperature": 1.0},
                  formats={"temperature": "{:.3g}".format})
