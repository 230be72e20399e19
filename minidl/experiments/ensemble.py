"""An ensemble: M networks of the same shape, stacked along a leading *model* dimension and
trained side by side, so that one batched matmul does the work of M small ones."""

from __future__ import annotations

import itertools

import torch

from ..checks import check_float, check_grad, check_one_kind
from ..losses.base import Loss
from ..losses.cross_entropy import SoftmaxCrossEntropyLoss
from ..losses.mse import MSELoss
from ..module import Module
from ..nn.linear import Linear
from ..nn.tanh import Tanh
from ..parameter import Parameter
from ..sequential import Sequential

#: The alignment of a fresh CPU tensor's memory in torch, kept by the views of ``one_buffer``.
ALIGN_BYTES = 64


class StackedLinear(Module):
    r"""M ``Linear`` layers side by side: eq. (1) and (2), with a batched matmul in place of ``mm``.

    Model m has its own ``W[m]`` ``(in, out)`` and ``b[m]`` and sees its own rows ``x[m]``. Shapes:
    ``x`` is ``(M, N, in)``, ``weight`` is ``(M, in, out)``, ``bias`` is ``(M, 1, out)`` and
    ``s`` is ``(M, N, out)``. Line by line, with ``g = ∂ℓ/∂s``, the same equations as ``Linear``:

    * ``s = x W + b``           ``torch.baddbmm(b, x, W)``     (eq. 1)
    * ``∂ℓ/∂W += xᵀ g``         ``W.grad.baddbmm_(xᵀ, g)``     (eq. 2)
    * ``∂ℓ/∂b += Σ_n g_n``      ``b.grad.add_(g.sum(1))``      (eq. 2; for one row, ``g`` itself)
    * ``∂ℓ/∂x  = g Wᵀ``         ``torch.bmm(g, Wᵀ)``           (eq. 2)

    Model m's loss depends on no other model's parameters, so the gradient of the *sum* of the M
    losses with respect to ``W[m]`` is the gradient of model m's own loss: slice m of every tensor
    follows exactly the computation of the m-th ``Linear`` trained alone.

    ``needs_input_grad=False`` skips ``∂ℓ/∂x`` for a network's first layer, as in ``Linear``.
    """

    def __init__(self, layers: list[Linear], needs_input_grad: bool = True) -> None:
        if not layers or not all(isinstance(layer, Linear) for layer in layers):
            raise TypeError(f"{type(self).__name__}: expected a non-empty list of minidl Linear layers")
        shapes = {tuple(layer.weight.shape) for layer in layers}
        if len(shapes) != 1:
            raise ValueError(f"{type(self).__name__}: the layers must all have the same shape, got {sorted(shapes)}")
        self.in_features, self.out_features = layers[0].in_features, layers[0].out_features
        self.weight = Parameter(torch.stack([layer.weight.value for layer in layers]))
        self.bias = Parameter(torch.stack([layer.bias.value for layer in layers]).unsqueeze(1))
        self.needs_input_grad = needs_input_grad
        self.input: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        who = type(self).__name__
        check_float(who, x)
        m = self.weight.shape[0]
        if x.dim() != 3 or x.shape[0] != m or x.shape[2] != self.in_features:
            raise ValueError(
                f"{who}: expected input of shape ({m}, N, {self.in_features}), got {tuple(x.shape)}"
            )
        self.input = x
        return torch.baddbmm(self.bias.value, x, self.weight.value)  # s = x W + b        (1)

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor | None:
        x, g = self.input, grad_output
        check_grad(type(self).__name__, None if x is None else (*x.shape[:2], self.out_features), g)
        self.weight.grad.baddbmm_(x.mT, g)  #                                  ∂ℓ/∂W += xᵀ g  (2)
        self.bias.grad.add_(g if g.shape[1] == 1 else g.sum(1, keepdim=True))  # ∂ℓ/∂b += Σ_n g  (2)
        if not self.needs_input_grad:
            return None
        return torch.bmm(g, self.weight.value.mT)  #                           ∂ℓ/∂x  = g Wᵀ   (2)

    def layer(self, m: int) -> Linear:
        """Model m's layer, as a plain ``Linear`` holding a copy of ``W[m]`` and ``b[m]``."""
        linear = Linear(self.in_features, self.out_features, dtype=self.weight.value.dtype,
                        device=self.weight.value.device, needs_input_grad=self.needs_input_grad)
        linear.weight.value.copy_(self.weight.value[m])
        linear.bias.value.copy_(self.bias.value[m, 0])
        return linear

    def extra_repr(self) -> str:
        skip = "" if self.needs_input_grad else ", needs_input_grad=False"
        m = self.weight.shape[0]
        return f"models={m}, in_features={self.in_features}, out_features={self.out_features}{skip}"


def stack(models: list[Sequential], needs_input_grad: bool = True) -> Sequential:
    """One ``Sequential`` that runs M networks of ``Linear`` and ``Tanh`` layers side by side.

    Its input is ``(M, N, in)``, its output ``(M, N, out)``. ``Linear`` layers become
    ``StackedLinear`` (copies of their parameters); ``Tanh`` is elementwise, so the same
    ``Tanh`` module serves all M models unchanged. A final ``Softmax`` is not stacked: train the
    logits with ``softmax_cross_entropy``, which is ``Softmax`` followed by ``CrossEntropyLoss``.
    ``needs_input_grad=False``: the first layer's ``backward`` skips ``∂ℓ/∂x`` (the data's gradient).
    """
    if not models or not all(isinstance(model, Sequential) for model in models):
        raise TypeError("stack: expected a non-empty list of minidl Sequential models")
    kinds = [tuple(type(layer).__name__ for layer in model) for model in models]
    if len(set(kinds)) != 1:
        raise ValueError(f"stack: the models differ in their layers: {sorted(set(kinds))}")
    layers: list[Module] = []
    for i, kind in enumerate(kinds[0]):
        if kind == "Linear":
            layers.append(StackedLinear([model[i] for model in models], needs_input_grad or i > 0))
        elif kind == "Tanh":
            layers.append(Tanh())
        else:
            raise TypeError(f"stack: layer {i} is {kind}; only Linear and Tanh layers can be stacked")
    return Sequential(*layers)


def one_buffer(params: list[Parameter]) -> Parameter:
    """One ``Parameter`` whose ``value`` and ``grad`` hold those of ``params``, end to end; each of
    ``params`` becomes a view into them, with its values unchanged.

    SGD is elementwise, so a step on the one buffer moves every parameter exactly as a step on each
    would, and ``zero_grad`` is one ``zero_``: two tensor operations a step instead of one per parameter.
    Each view starts at a multiple of 64 bytes, as a tensor of its own would: MKL's matrix products
    can round differently at other alignments (``torch.bmm(g, Wᵀ)`` for 30 stacked 25 × 25 weights
    does, with W moved by 4, 8 or 12 bytes), and training must give the same numbers, bit for bit.
    """
    params = list({id(p): p for p in params}.values())  # a shared Parameter gets one place
    check_one_kind("one_buffer", params)
    align = max(1, ALIGN_BYTES // params[0].value.element_size())
    starts = list(itertools.accumulate((-(-p.value.numel() // align) * align for p in params), initial=0))
    buffer = Parameter(params[0].value.new_zeros(starts[-1]))
    for p, start in zip(params, starts[:-1], strict=True):
        view = slice(start, start + p.value.numel())
        buffer.value[view] = p.value.reshape(-1)
        p.value, p.grad = (t[view].view(p.value.shape) for t in (buffer.value, buffer.grad))
    return buffer


def unstack(stacked: Sequential, m: int) -> Sequential:
    """Model m of a stacked network, as a plain minidl ``Sequential`` with copies of its parameters."""
    return Sequential(*[layer.layer(m) if isinstance(layer, StackedLinear) else Tanh() for layer in stacked])


#: The losses a stacked model can be trained with, by name. ``"mse-sum"`` is ``MSELoss`` summed over the
#: batch and the outputs (``REDUCTIONS``), the report's other possible reading; the others average.
LOSSES: dict[str, type[Loss]] = {"mse": MSELoss, "ce": SoftmaxCrossEntropyLoss, "mse-sum": MSELoss}
REDUCTIONS = {"mse": "mean", "ce": "mean", "mse-sum": "sum"}


class StackedLoss:
    """The loss of M stacked models, where model m is trained with ``LOSSES[names[m]]``: the formulas
    of ``minidl.losses``, applied to a leading model dimension.

    ``prediction`` and the one-hot ``target`` are ``(M, N, C)``. Each model's loss ℓ_m is the mean
    over its own N rows (``reduction="mean"``), so for the K models of one group

        Σ_m ℓ_m = K · ℓ(all K·N rows as one batch),

    or, for a summed loss (``"mse-sum"``), Σ_m ℓ_m = ℓ(all K·N rows); ``grad`` gets
    ``∂(Σ_m ℓ_m)/∂prediction`` from one call of the ``Loss`` per group: model m's slice is the
    gradient of its own loss, because no other loss depends on it. Consecutive models with the same
    loss form one group. ``values`` gives the M losses themselves, one call per model.

    ``gradient`` is the training loop's path: the same gradients with no value and no checks, for a
    target already checked by ``check_targets`` (``fit_stacked`` checks each epoch's targets once).
    """

    def __init__(self, names: list[str]) -> None:
        unknown = sorted(set(names) - set(LOSSES))
        if not names or unknown:
            raise ValueError(f"StackedLoss: expected a non-empty list of names from {sorted(LOSSES)}, got {unknown}")
        self.groups: list[tuple[str, int, int]] = []  # (name, first model, last model + 1)
        for m, name in enumerate(names):
            if self.groups and self.groups[-1][0] == name:
                self.groups[-1] = (name, self.groups[-1][1], m + 1)
            else:
                self.groups.append((name, m, m + 1))
        self.losses = {name: LOSSES[name](reduction=REDUCTIONS[name]) for name in LOSSES}

    def check(self, prediction: torch.Tensor, target: torch.Tensor) -> None:
        """Raise unless both are ``(M, N, C)`` tensors of the same shape (the ``Loss`` checks the rest)."""
        models = self.groups[-1][2]
        if not (isinstance(prediction, torch.Tensor) and isinstance(target, torch.Tensor)
                and prediction.dim() == 3 and prediction.shape[0] == models and target.shape == prediction.shape):
            shapes = [tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__ for x in (prediction, target)]
            raise ValueError(f"{type(self).__name__}: prediction and target must both have shape ({models}, N, C), "
                             f"got {shapes[0]} and {shapes[1]}")

    def check_targets(self, prediction: torch.Tensor, target: torch.Tensor) -> None:
        """``check``, then each group's ``Loss`` checks of the target (dtype; for cross-entropy, rows
        that are distributions), once for all the rows: what ``gradient`` does not check."""
        self.check(prediction, target)
        for name, a, b in self.groups:
            loss, rows = self.losses[name], target[a:b].reshape(-1, target.shape[2])
            loss.target_rows(prediction[a:b].reshape(-1, prediction.shape[2]), rows)
            if name == "ce":
                loss.check_distributions(rows, "target")

    def grad(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``∂(Σ_m ℓ_m)/∂prediction``, of shape ``(M, N, C)``: ``check_targets``, then ``gradient``."""
        self.check_targets(prediction, target)
        return self.gradient(prediction, target)

    def gradient(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        r"""``∂(Σ_m ℓ_m)/∂prediction`` for checked inputs (``check_targets``): the backward formulas of
        the ``Loss`` classes, batched over the models (``tests/experiments`` compares them with ``grad``
        of each class), each for the K models of a group, model m over its own N rows and C outputs:

        * ``MSELoss``:                  ``∂ℓ_m/∂p = 2k (p − t)``, ``k = 1/(N·C)`` (``"mse"``) or 1 (``"mse-sum"``)
        * ``SoftmaxCrossEntropyLoss``:  ``∂ℓ_m/∂s = k (softmax(s) Σ_i t_i − t)``, ``k = 1/N``

        One step's loss values are never used by the training loop, so they are not computed here.
        """
        parts = []
        for name, a, b in self.groups:
            p, t = prediction[a:b], target[a:b]
            if name == "ce":  # torch.softmax is eq. (3) with the max shift of Softmax, in one kernel
                k = self.losses[name].factor(p.shape[1])
                parts.append((torch.softmax(p, dim=2) * t.sum(2, keepdim=True)).sub_(t).mul_(k))
            else:
                k = self.losses[name].factor(p.shape[1] * p.shape[2])
                parts.append((p - t).mul_(2 * k))
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    def values(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The M losses ``ℓ_m``, each the ``Loss`` of model m's own ``(N, C)`` rows."""
        self.check(prediction, target)
        return torch.stack([self.losses[name](prediction[m], target[m])
                            for name, a, b in self.groups for m in range(a, b)])

    def __call__(self, prediction: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(values, grad)``: the M losses and the gradient of their sum."""
        return self.values(prediction, target), self.grad(prediction, target)

    def __repr__(self) -> str:
        return "StackedLoss(" + ", ".join(f"{name}: models {a}-{b - 1}" for name, a, b in self.groups) + ")"
