"""Layers and activations: each a ``Module`` with ``forward``, ``backward`` and ``param``."""

from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Linear
from .pool import AvgPool2d, MaxPool2d
from .prelu import PReLU
from .relu import ReLU
from .softmax import Softmax
from .tanh import Tanh

__all__ = ["AvgPool2d", "Conv2d", "Dropout", "Flatten", "Linear", "MaxPool2d", "PReLU", "ReLU", "Softmax", "Tanh"]
