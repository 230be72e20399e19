"""An ensemble: M networks of the same shape, stacked along a leading *model* dimension and
trained side by side, so that one batched matmul does the work of M small ones."""

from __future__ import annotations

import torch

from ..checks import check_float
from ..module import Module
from ..nn.linear import Linear
from ..nn.tanh import Tanh
from ..parameter import Parameter
from ..sequential import Sequential


class StackedLinear(Module):
    r"""M ``Linear`` layers side by side: eq. (1) and (2), with a batched matmul in place of ``mm``.

    Model m has its own ``W[m]`` ``(in, out)`` and ``b[m]`` and sees its own rows ``x[m]``. Shapes:
    ``x`` is ``(M, N, in)``, ``weight`` is ``(M, in, out)``, ``bias`` is ``(M, 1, out)`` and
    ``s`` is ``(M, N, out)``. Line by line, with ``g = ∂ℓ/∂s``, the same equations as ``Linear``:

    * ``s = x W + b``           ``torch.baddbmm(b, x, W)``     (eq. 1)
    * ``∂ℓ/∂W += xᵀ g``         ``W.grad.baddbmm_(xᵀ, g)``     (eq. 2)
    * ``∂ℓ/∂b += Σ_n g_n``      ``b.grad.add_(g.sum(1))``      (eq. 2)
    * ``∂ℓ/∂x  = g Wᵀ``         ``torch.bmm(g, Wᵀ)``           (eq. 2)

    Model m's loss depends on no other model's parameters, so the gradient of the *sum* of the M
    losses with respect to ``W[m]`` is the gradient of model m's own loss: slice m of every tensor
    follows exactly the computation of the m-th ``Linear`` trained alone.

    ``needs_input_grad=False`` skips ``∂ℓ/∂x`` for a network's first layer, as in ``Linear``.
    """

    def __init__(self, layers: list[Linear], needs_input_grad: bool = True) -> None:
        if not layers or not all(isinstance(layer, Linear) for layer in layers):
            raise TypeError("StackedLinear: expected a non-empty list of minidl Linear layers")
        shapes = {tuple(layer.weight.shape) for layer in layers}
        if len(shapes) != 1:
            raise ValueError(f"StackedLinear: the layers must all have the same shape, got {sorted(shapes)}")
        self.in_features, self.out_features = layers[0].in_features, layers[0].out_features
        self.weight = Parameter(torch.stack([layer.weight.value for layer in layers]))
        self.bias = Parameter(torch.stack([layer.bias.value for layer in layers]).unsqueeze(1))
        self.needs_input_grad = needs_input_grad
        self.input: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_float("StackedLinear", x)
        m = self.weight.shape[0]
        if x.dim() != 3 or x.shape[0] != m or x.shape[2] != self.in_features:
            raise ValueError(
                f"StackedLinear: expected input of shape ({m}, N, {self.in_features}), got {tuple(x.shape)}"
            )
        self.input = x
        return torch.baddbmm(self.bias.value, x, self.weight.value)  # s = x W + b        (1)

    def backward(self, grad_output: torch.Tensor) -> torch.Tensor | None:
        x, g = self.input, grad_output
        if x is None:
            raise RuntimeError("StackedLinear: backward() called before forward()")
        expected = (*x.shape[:2], self.out_features)
        if not isinstance(g, torch.Tensor) or tuple(g.shape) != expected:
            got = tuple(g.shape) if isinstance(g, torch.Tensor) else type(g).__name__
            raise ValueError(f"StackedLinear: grad_output must have shape {expected}, got {got}")
        self.weight.grad.baddbmm_(x.mT, g)  #                                  ∂ℓ/∂W += xᵀ g  (2)
        self.bias.grad.add_(g.sum(1, keepdim=True))  #                        ∂ℓ/∂b += Σ_n g  (2)
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


def unstack(stacked: Sequential, m: int) -> Sequential:
    """Model m of a stacked network, as a plain minidl ``Sequential`` with copies of its parameters."""
    return Sequential(*[layer.layer(m) if isinstance(layer, StackedLinear) else Tanh() for layer in stacked])


def one_hot(y: torch.Tensor, classes: int, dtype: torch.dtype) -> torch.Tensor:
    """Class indices of any shape → one-hot rows along a new last dimension."""
    return torch.zeros(*y.shape, classes, dtype=dtype, device=y.device).scatter_(-1, y.unsqueeze(-1), 1.0)


def mse(prediction: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``MSELoss`` (mean over the N·C elements) for each of M models at once.

    ``prediction`` and the one-hot ``target`` are ``(M, N, C)``. Returns the M losses
    ``ℓ_m = k Σ (p − t)²`` and ``∂(Σ_m ℓ_m)/∂p = 2 k (p − t)``, with ``k = 1/(N·C)``.
    """
    diff = prediction - target
    k = 1.0 / (diff.shape[1] * diff.shape[2])
    return (diff * diff).sum((1, 2)) * k, diff * (2 * k)


def softmax_cross_entropy(scores: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``Softmax`` (eq. 3) then ``CrossEntropyLoss`` (eq. 5, mean over the N rows) for each of M models.

    ``scores`` (logits) and the one-hot ``target`` are ``(M, N, C)``. Returns the M losses
    ``ℓ_m = −k Σ t log p`` and ``∂(Σ_m ℓ_m)/∂s = k (p − t)``, with ``k = 1/N``: the product of the
    softmax Jacobian (eq. 4) and ``−t/p`` (eq. 5), as in ``SoftmaxCrossEntropyLoss``.
    """
    z = scores - scores.amax(dim=2, keepdim=True)  # s_i − max_k s_k: no exp can overflow   (3)
    e = torch.exp(z)
    total = e.sum(dim=2, keepdim=True)  #                                            N     (3)
    k = 1.0 / scores.shape[1]
    log_p = z - torch.log(total)  #                                  log p_i = z_i − log N  (3)
    return (target * log_p).sum((1, 2)) * -k, (e / total - target) * k  #    ℓ; k (p − t)  (5)


LOSSES = {"mse": mse, "ce": softmax_cross_entropy}


class StackedLoss:
    """The loss of M stacked models, where model m is trained with ``LOSSES[names[m]]``.

    Consecutive models with the same loss are computed in one call; ``__call__`` returns the M
    losses and the gradient of their sum, as ``mse`` and ``softmax_cross_entropy`` do.
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

    def __call__(self, prediction: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if len(self.groups) == 1:
            return LOSSES[self.groups[0][0]](prediction, target)
        parts = [LOSSES[name](prediction[a:b], target[a:b]) for name, a, b in self.groups]
        return torch.cat([loss for loss, _ in parts]), torch.cat([grad for _, grad in parts])

    def __repr__(self) -> str:
        return "StackedLoss(" + ", ".join(f"{name}: models {a}-{b - 1}" for name, a, b in self.groups) + ")"
