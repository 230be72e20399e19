"""Input checks shared by the modules: a clear error that names the module and the shapes,
never a silent broadcast or a NaN."""

from __future__ import annotations

import torch


def check_float_2d(
    who: str, x: object, width: int | None = None, what: str = "input", like: torch.Tensor | None = None
) -> None:
    """Raise unless ``x`` is a 2-D floating-point tensor (batch, features) of the given ``width``,
    with the dtype and device of ``like`` (a parameter) when one is given."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who}: {what} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2:
        raise ValueError(
            f"{who}: {what} must be 2-D (batch, features), got shape {tuple(x.shape)}; "
            "for a single sample use x.unsqueeze(0)"
        )
    if not x.is_floating_point():
        raise TypeError(f"{who}: {what} must be floating point, got dtype {x.dtype}; use x.float()")
    if width is not None and x.shape[1] != width:
        raise ValueError(f"{who}: expected {what} of shape (N, {width}), got {tuple(x.shape)}")
    if like is not None and (x.dtype != like.dtype or x.device != like.device):
        raise TypeError(
            f"{who}: {what} of shape {tuple(x.shape)} is {x.dtype} on {x.device}, but the parameters are "
            f"{like.dtype} on {like.device}; use module.to(...) or x.to(...)"
        )


def check_grad(who: str, cached: torch.Tensor | tuple[int, ...] | None, grad_output: object) -> None:
    """Raise if ``backward`` comes before ``forward`` (``cached`` is None), or ``grad_output`` does not
    fit the output: ``cached`` is the output, or only its shape where the module keeps no output."""
    if cached is None:
        raise RuntimeError(f"{who}: backward() called before forward()")
    if not isinstance(grad_output, torch.Tensor):
        raise TypeError(f"{who}: grad_output must be a torch.Tensor, got {type(grad_output).__name__}")
    shape = tuple(cached) if isinstance(cached, tuple) else tuple(cached.shape)
    if tuple(grad_output.shape) != shape:
        raise ValueError(
            f"{who}: grad_output has shape {tuple(grad_output.shape)}, but forward() returned shape {shape}"
        )


def check_float(who: str, x: object, what: str = "input") -> None:
    """Raise unless ``x`` is a floating-point tensor (elementwise modules take any shape)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who}: {what} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{who}: {what} must be floating point, got dtype {x.dtype} (shape {tuple(x.shape)})")
