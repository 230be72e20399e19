"""Input checks shared by the modules: a clear error that names the module and the shapes,
never a silent broadcast, a NaN or an autograd graph.

The tensor checks return the tensor they checked, detached when it requires grad: minidl
computes every gradient by hand, so whatever it is given, it never builds an autograd graph
(one would grow with every step and hang the parameters' history on them)."""

from __future__ import annotations

import math
import numbers

import torch

from .parameter import Parameter


def plain(x: torch.Tensor) -> torch.Tensor:
    """``x`` without autograd history: the same tensor, or a detached view when it requires grad."""
    return x.detach() if x.requires_grad else x


def check_tensor(who: str, x: object, what: str = "input", like: torch.Tensor | None = None) -> torch.Tensor:
    """Raise unless ``x`` is a floating-point tensor, of the dtype and device of ``like`` when one is
    given (a parameter, or the output ``grad_output`` belongs to); return it detached."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who}: {what} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{who}: {what} must be floating point, got dtype {x.dtype} (shape {tuple(x.shape)})")
    if like is not None and (x.dtype != like.dtype or x.device != like.device):
        raise TypeError(
            f"{who}: {what} of shape {tuple(x.shape)} is {x.dtype} on {x.device}, but the "
            f"{'parameters are' if what == 'input' else 'forward output is'} {like.dtype} on {like.device}; "
            f"use module.to(...) or {'x' if what == 'input' else what}.to(...)"
        )
    return plain(x)


def check_layout(who: str, x: object, what: str, dims: int, layout: str, hint: str) -> None:
    """Raise unless ``x`` is a floating-point tensor of ``dims`` dimensions, named by ``layout``
    ("(batch, features)"); a wrong count of dimensions says how to fix it (``hint``)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who}: {what} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != dims:
        raise ValueError(f"{who}: {what} must be {dims}-D {layout}, got shape {tuple(x.shape)}; {hint}")
    if not x.is_floating_point():
        raise TypeError(f"{who}: {what} must be floating point, got dtype {x.dtype}; use x.float()")


def check_float_2d(
    who: str, x: object, width: int | None = None, what: str = "input", like: torch.Tensor | None = None
) -> torch.Tensor:
    """Raise unless ``x`` is a 2-D floating-point tensor (batch, features) of the given ``width``,
    with the dtype and device of ``like`` (a parameter) when one is given; return it detached."""
    check_layout(who, x, what, 2, "(batch, features)", "for a single sample use x.unsqueeze(0)")
    if width is not None and x.shape[1] != width:
        raise ValueError(f"{who}: expected {what} of shape (N, {width}), got {tuple(x.shape)}")
    return check_tensor(who, x, what, like)


def check_grad(who: str, cached: torch.Tensor | tuple[int, ...] | None, grad_output: object,
               like: torch.Tensor | None = None) -> torch.Tensor:
    """Raise if ``backward`` comes before ``forward`` (``cached`` is None), or ``grad_output`` does not
    fit the forward's output: its shape (``cached`` is the output, or only its shape where the module
    keeps no output), the dtype and device of ``like`` (default ``cached``; of a boolean mask only the
    device); return it detached."""
    if cached is None:
        raise RuntimeError(f"{who}: backward() called before forward()")
    if isinstance(cached, tuple):
        shape = cached
    else:
        shape, like = tuple(cached.shape), cached if like is None else like
    g = check_tensor(who, grad_output, "grad_output", like if like is not None and like.is_floating_point() else None)
    if like is not None and g.device != like.device:
        raise TypeError(f"{who}: grad_output is on {g.device}, but the forward pass ran on {like.device}")
    if tuple(g.shape) != shape:
        raise ValueError(
            f"{who}: grad_output has shape {tuple(g.shape)}, but forward() returned shape {shape}"
        )
    return g


def check_float(who: str, x: object, what: str = "input") -> torch.Tensor:
    """Raise unless ``x`` is a floating-point tensor (elementwise modules take any shape); return it detached."""
    return check_tensor(who, x, what)


def check_one_kind(who: str, params: list[Parameter]) -> None:
    """Raise unless ``params`` is a non-empty list of minidl Parameters of one dtype and one device:
    what one flat buffer over all of them needs (an all-reduce bucket, ``one_buffer``)."""
    if not params:
        raise ValueError(f"{who}: got no parameters; pass model.param() of a model with parameters")
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"{who}: params[{i}] is {type(p).__name__}, not a minidl Parameter")
    first = params[0].value
    for i, p in enumerate(params):
        if p.value.dtype != first.dtype or p.value.device != first.device:
            raise ValueError(f"{who}: params[{i}] is {p.value.dtype} on {p.value.device} but params[0] is "
                             f"{first.dtype} on {first.device}; one flat buffer needs one dtype and one device "
                             "(call model.to(...) first)")


def check_loadable(where: str, value: object, target: torch.Tensor) -> None:
    """Raise unless ``value`` can be copied into ``target`` (a parameter or an optimizer buffer):
    a dense tensor of the same shape, real (floating point or integer, not bool or complex), on a
    device that holds data."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{where} must be a torch.Tensor, got {type(value).__name__}")
    if value.shape != target.shape:
        raise ValueError(f"{where} has shape {tuple(value.shape)}, expected {tuple(target.shape)}")
    if value.layout != torch.strided:
        raise TypeError(f"{where} is a {value.layout} tensor; use value.to_dense()")
    if value.is_complex() or value.dtype == torch.bool:
        raise TypeError(f"{where} has dtype {value.dtype}; a real (floating-point) tensor is expected")
    if value.is_meta:
        raise ValueError(f"{where} is on the meta device, which holds no values")


def check_int(who: str, name: str, value: object, least: int = 1) -> int:
    """Raise unless ``value`` is an int (not a bool) ≥ ``least``; return it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{who}: {name} must be an int, got {value!r} ({type(value).__name__})")
    if value < least:
        raise ValueError(f"{who}: {name} must be ≥ {least}, got {value}")
    return int(value)


def check_positive(who: str, name: str, value: object) -> float:
    """Raise unless ``value`` is a finite real number > 0 (not a bool); return it as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{who}: {name} must be a finite number > 0, got {name}={value!r}")
    return float(value)


def pair(who: str, name: str, value: int | tuple[int, int], least: int) -> tuple[int, int]:
    """``value`` as ``(rows, columns)``: an int is used for both; each must be an int ≥ ``least``."""
    pr = (value, value) if isinstance(value, int) else tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(pr) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= least for v in pr):
        raise ValueError(f"{who}: {name} must be an int ≥ {least} or a pair of them, got {value!r}")
    return pr


def check_image(who: str, x: object, channels: int | None, kernel: tuple[int, int], padding=(0, 0)) -> None:
    """Raise unless ``x`` is a float ``(N, C, H, W)`` batch with ``channels`` channels, large enough for ``kernel``."""
    hint = "for one image use x.unsqueeze(0), for a grey image x.unsqueeze(1)"
    check_layout(who, x, "input", 4, "(N, C, H, W)", hint)
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{who}: expected {channels} input channels, got input of shape {tuple(x.shape)}")
    h, w = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    if h < kernel[0] or w < kernel[1]:
        raise ValueError(
            f"{who}: input of shape {tuple(x.shape)} (padded to {h}×{w}) is smaller than the "
            f"{kernel[0]}×{kernel[1]} kernel"
        )
