"""The modules' operations on the tape: each runs the module's own ``forward`` and records the module's
own ``backward`` as its vector–Jacobian product.

No formula is written here twice. ``tanh(x)`` keeps the ``Tanh`` that computed it, and its product is
``Tanh.backward``: ``g ⊙ (1 − y²)``, the line of chapter 3. The same holds for ``Linear`` (eq. 2),
``ReLU``, ``Softmax`` (eq. 4, sign corrected) and the losses (eq. 5): a bug in a module's backward is a
bug of the tape too, and a test of one is a test of the other.
"""

from __future__ import annotations

import torch

from ..losses.base import Loss
from ..losses.cross_entropy import CrossEntropyLoss, SoftmaxCrossEntropyLoss
from ..losses.mse import MSELoss
from ..module import Module
from ..nn.linear import Linear
from ..nn.relu import ReLU
from ..nn.softmax import Softmax
from ..nn.tanh import Tanh
from ..parameter import Parameter
from .tensor import Tensor, as_tensor


def module_op(module: Module, op: str, x: Tensor) -> Tensor:
    """``module.forward(x)`` on the tape; the module, with its cache, is what the product needs."""
    x = as_tensor(x)
    return Tensor.record(module.forward(x.value), op, (x,), (module,), module_vjp)


def module_vjp(saved, g, needs):
    (module,) = saved
    return (module.backward(g),)  # the module's backward: ∂ℓ/∂input from g = ∂ℓ/∂output


def tanh(x: Tensor) -> Tensor:
    """``tanh x``; its product is ``Tanh.backward``."""
    return module_op(Tanh(), "tanh", x)


def relu(x: Tensor) -> Tensor:
    """``max(0, x)``; its product is ``ReLU.backward`` (with the report's ``θ(0) = 1``)."""
    return module_op(ReLU(), "relu", x)


def softmax(s: Tensor) -> Tensor:
    """``softmax`` of each row (eq. 3); its product is ``Softmax.backward`` (eq. 4)."""
    return module_op(Softmax(), "softmax", s)


def linear(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """``x W + b`` (eq. 1) through a ``Linear`` around ``W`` and ``b``; its product is ``Linear.backward``
    (eq. 2): ``∂ℓ/∂x = g Wᵀ``, ``∂ℓ/∂W = xᵀ g``, ``∂ℓ/∂b = Σ_n g_n``."""
    x, weight, bias = as_tensor(x), as_tensor(weight), as_tensor(bias)
    layer = linear_layer(weight.value, bias.value, needs_input_grad=x.needs_grad)
    return Tensor.record(layer.forward(x.value), "linear", (x, weight, bias), (layer,), linear_vjp)


def linear_layer(weight: torch.Tensor, bias: torch.Tensor, needs_input_grad: bool) -> Linear:
    """A ``Linear`` around ``weight`` ``(in, out)`` and ``bias`` ``(out,)``, shared, not copied; its
    ``backward`` adds into fresh zero grads (``linear_vjp`` renews them at every call). Built as
    ``Linear.__init__`` would, less the random draw (which would move the random state at every step)."""
    if weight.dim() != 2 or bias.shape != weight.shape[1:]:
        raise ValueError(f"linear: weight must be (in, out) and bias (out,), got {tuple(weight.shape)} and "
                         f"{tuple(bias.shape)}")
    layer = Linear.__new__(Linear)
    layer.in_features, layer.out_features = weight.shape
    layer.init = "given"
    layer.weight, layer.bias = Parameter(weight), Parameter(bias)
    layer.needs_input_grad, layer.input = needs_input_grad, None
    return layer


def linear_vjp(saved, g, needs):
    (layer,) = saved
    # fresh zeros at every call: Linear.backward adds in place, and the grads of an earlier call may be
    # a leaf's .grad by now (a second backward through this node would add into it, and count it twice)
    layer.weight.grad = layer.bias.grad = None
    dx = layer.backward(g)  # adds xᵀ g and Σ_n g_n into the fresh zero grads, returns g Wᵀ
    return dx, layer.weight.grad, layer.bias.grad


def loss_op(loss: Loss, op: str, prediction: Tensor, target: torch.Tensor | Tensor) -> Tensor:
    """``loss(prediction, target)`` on the tape: a scalar; the target is a constant."""
    prediction = as_tensor(prediction)
    t = target.value if isinstance(target, Tensor) else target
    return Tensor.record(loss.forward(prediction.value, t), op, (prediction,), (loss,), loss_vjp)


def loss_vjp(saved, g, needs):
    (loss,) = saved
    return (g * loss.backward(),)  # the loss's backward is ∂ℓ/∂p; g = ∂(output)/∂ℓ scales it


def mse_loss(prediction: Tensor, target, reduction: str = "mean") -> Tensor:
    """The mean squared error; its product is ``MSELoss.backward``: ``2 k (p − t)``."""
    return loss_op(MSELoss(reduction), "mse_loss", prediction, target)


def cross_entropy(prediction: Tensor, target, reduction: str = "mean") -> Tensor:
    """Cross-entropy of probabilities (eq. 5); its product is ``CrossEntropyLoss.backward``: ``−k t / p``."""
    return loss_op(CrossEntropyLoss(reduction), "cross_entropy", prediction, target)


def softmax_cross_entropy(logits: Tensor, target, reduction: str = "mean") -> Tensor:
    """Softmax and cross-entropy fused, from logits; its product is ``SoftmaxCrossEntropyLoss.backward``."""
    return loss_op(SoftmaxCrossEntropyLoss(reduction), "softmax_cross_entropy", logits, target)
