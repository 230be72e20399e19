"""``Optimizer``: the parameter list, ``zero_grad``, ``step`` and the state that survives a checkpoint."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from ..checks import check_loadable
from ..parameter import Parameter


class Optimizer:
    """Holds the parameters once and says how ``step()`` moves them; subclasses write ``step``.

    * ``params``: each ``Parameter`` once, in first-seen order, even when a model lists a shared
      one twice: a tied weight moves one step, with the gradients of both uses added in its ``grad``.
    * ``zero_grad()`` sets every ``grad`` to 0 (``Parameter.zero_grad``).
    * ``state_dict()`` / ``load_state_dict()`` save and restore the optimizer's own state (the
      hyper-parameters and each subclass's buffers, listed in ``buffers``), so that training resumed
      from a checkpoint equals training that never stopped.
    """

    #: The names of the per-parameter lists of tensors that a subclass keeps (e.g. ``("velocity",)``).
    buffers: tuple[str, ...] = ()
    #: The names of the scalar settings and counters saved with the state (e.g. ``("lr", "momentum")``).
    scalars: tuple[str, ...] = ("lr",)

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        who = type(self).__name__
        if hasattr(params, "param"):
            raise TypeError(f"{who}: pass the parameters, {who}(model.param(), ...), not the {type(params).__name__}")
        if isinstance(params, (torch.Tensor, Parameter)) or not isinstance(params, Iterable):
            raise TypeError(f"{who}: params must be an iterable of minidl Parameters, got {type(params).__name__}")
        unique: dict[int, Parameter] = {}
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(f"{who}: params[{i}] is {type(p).__name__}, not a minidl Parameter")
            unique.setdefault(id(p), p)  # a shared Parameter is stepped once
        if not unique:
            raise ValueError(f"{who}: got an empty parameter list; pass model.param() of a model with parameters")
        self.params = list(unique.values())
        if isinstance(lr, bool) or not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"{who}: learning rate must be a finite number > 0, got lr={lr!r}")
        self.lr = float(lr)

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def zero_grad(self) -> None:
        for p in self.params:
            p.zero_grad()

    def state_dict(self) -> dict:
        """The scalars and a copy of every buffer: ``{"lr": ..., "velocity": [tensor, ...]}``."""
        state: dict = {name: getattr(self, name) for name in self.scalars}
        for name in self.buffers:
            state[name] = [b.clone() for b in getattr(self, name)]
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` saved; every buffer must match its parameter's shape."""
        who = type(self).__name__
        if not isinstance(state, dict):
            raise TypeError(f"{who}.load_state_dict: state must be a dict, got {type(state).__name__}")
        expected = set(self.scalars) | set(self.buffers)
        if set(state) != expected:
            raise KeyError(f"{who}.load_state_dict: expected keys {sorted(expected)}, got {sorted(state)}")
        for name in self.buffers:
            values = state[name]
            own = getattr(self, name)
            if not isinstance(values, (list, tuple)) or len(values) != len(own):
                raise ValueError(f"{who}.load_state_dict: '{name}' must be a list of {len(own)} tensors")
            for i, (v, b) in enumerate(zip(values, own, strict=True)):
                check_loadable(f"{who}.load_state_dict: '{name}'[{i}]", v, b)
        for name in self.scalars:
            setattr(self, name, state[name])
        for name in self.buffers:
            for v, b in zip(state[name], getattr(self, name), strict=True):
                b.copy_(v.detach())

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={getattr(self, name)}" for name in self.scalars)
        return f"{type(self).__name__}({settings}, {len(self.params)} parameters)"

