"""Checkpoints: a model's parameters and an optimizer's state in one file, to resume training later."""

from __future__ import annotations

import os

import torch

from .module import Module
from .optim.base import Optimizer

FORMAT = "minidl-checkpoint-1"


def save(path: str | os.PathLike, model: Module, optimizer: Optimizer | None = None,
         generator: torch.Generator | None = None) -> None:
    """Write ``model.state_dict()``, ``optimizer.state_dict()`` and the state of ``generator`` (the one
    that shuffles the data, if any) to ``path`` with ``torch.save``.

    The file holds only plain tensors, numbers, strings, lists and dicts, so ``load`` reads it with
    ``torch.load(..., weights_only=True)``, which runs no pickled code. ``load`` into the same
    architecture and optimizer class, and training goes on exactly as if it had never stopped.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save: model must be a minidl Module, got {type(model).__name__}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f"save: optimizer must be a minidl Optimizer or None, got {type(optimizer).__name__}")
    checkpoint = {
        "format": FORMAT,
        "model": model.state_dict(),
        "optimizer_class": type(optimizer).__name__ if optimizer is not None else None,
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "generator": generator.get_state() if generator is not None else None,
    }
    torch.save(checkpoint, path)


def load(path: str | os.PathLike, model: Module, optimizer: Optimizer | None = None,
         generator: torch.Generator | None = None) -> None:
    """Restore what ``save`` wrote into ``model`` (and ``optimizer``, ``generator`` if given), in place.

    All or nothing: if the optimizer's state does not fit, the model is put back as it was.
    """
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if not (isinstance(checkpoint, dict) and checkpoint.get("format") == FORMAT):
        raise ValueError(f"load: {os.fspath(path)!r} is not a minidl checkpoint (written by minidl.save)")
    if optimizer is not None:
        if checkpoint["optimizer"] is None:
            raise ValueError(f"load: {os.fspath(path)!r} holds no optimizer state; call load(path, model)")
        if checkpoint["optimizer_class"] != type(optimizer).__name__:
            raise TypeError(f"load: the checkpoint holds the state of {checkpoint['optimizer_class']}, "
                            f"not of {type(optimizer).__name__}")
    if generator is not None and checkpoint["generator"] is None:
        raise ValueError(f"load: {os.fspath(path)!r} holds no generator state")
    before = model.state_dict()
    model.load_state_dict(checkpoint["model"])
    try:
        if optimizer is not None:
            optimizer.load_state_dict(checkpoint["optimizer"])
    except Exception:
        model.load_state_dict(before)
        raise
    if generator is not None:
        generator.set_state(checkpoint["generator"])
