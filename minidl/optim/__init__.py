"""Optimizers: ``Optimizer`` holds the parameters; each subclass says how ``step()`` moves them."""

from .adam import Adam
from .base import Optimizer
from .gd import GD
from .sgd import SGD

__all__ = ["GD", "SGD", "Adam", "Optimizer"]
