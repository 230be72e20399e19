"""Losses: ``forward(prediction, target)`` gives a 0-dim ℓ, ``backward()`` gives ∂ℓ/∂prediction."""

from .base import Loss
from .cross_entropy import CrossEntropyLoss, SoftmaxCrossEntropyLoss
from .hinge import HingeLoss
from .l1 import L1Loss
from .mse import MSELoss

__all__ = ["CrossEntropyLoss", "HingeLoss", "L1Loss", "Loss", "MSELoss", "SoftmaxCrossEntropyLoss"]
