"""``GD``: full-batch gradient descent, SGD on the whole training set at once."""

from __future__ import annotations

from collections.abc import Iterable

from ..parameter import Parameter
from .sgd import SGD


class GD(SGD):
    r"""Gradient descent on the training loss itself, ``L(θ) = (1/N) Σ_n ℓ(f(x_n; θ), y_n)`` over all N
    samples: ``θ ← θ − η ∇L(θ)``, one step per pass over the data.

    The update is SGD's without momentum; what differs is the gradient it is given. Train with
    ``train_epoch(model, loss_fn, gd, x, y, batch_size=len(x))``: one forward and one backward over the
    whole set, then one step, deterministic and exact, where SGD steps many times per epoch on the
    noisy gradient of a mini-batch.
    """

    scalars = ("lr",)

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        super().__init__(params, lr, momentum=0.0)
