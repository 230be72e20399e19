"""minidl: a mini deep-learning framework with explicit backward passes, built from plain
PyTorch tensor operations, with no autograd and no torch.nn.

The framework's public API. The report's experiments live in ``minidl.experiments`` and the
book's interactive explorers in ``minidl.explorers``; neither is imported here.
"""

from . import check  # the checker; minidl.check("linear") or minidl.check(MyLinear) runs it
from .checkpoint import load, save
from .data import disk_dataset, seeded
from .gradcheck import gradcheck, relative_error
from .losses import CrossEntropyLoss, HingeLoss, L1Loss, Loss, MSELoss, SoftmaxCrossEntropyLoss
from .module import Module
from .nn import AvgPool2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, PReLU, ReLU, Softmax, Tanh
from .optim import GD, SGD, Adam, Optimizer
from .parameter import Parameter
from .sequential import Sequential
from .train import DivergenceError, History, error_rate, evaluate, fit, train_epoch
from .unwritten import Unwritten
from .unwritten import install as _install_one_line_errors

_install_one_line_errors()

__version__ = "0.1.0"

__all__ = [
    "Adam", "AvgPool2d", "Conv2d", "CrossEntropyLoss", "DivergenceError", "Dropout", "Flatten", "GD",
    "HingeLoss", "History", "L1Loss", "Linear", "Loss", "MSELoss", "MaxPool2d", "Module", "Optimizer", "PReLU",
    "Parameter", "ReLU", "SGD", "Sequential", "Softmax", "SoftmaxCrossEntropyLoss", "Tanh", "Unwritten", "check",
    "disk_dataset", "error_rate", "evaluate", "fit", "gradcheck", "load", "relative_error", "save", "seeded",
    "train_epoch",
]
