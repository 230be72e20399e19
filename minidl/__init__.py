"""minidl: a mini deep-learning framework with explicit backward passes, built from plain
PyTorch tensor operations, with no autograd and no torch.nn."""

from .adam import Adam
from .conv import Conv2d
from .cross_entropy import CrossEntropyLoss, SoftmaxCrossEntropyLoss
from .data import disk_dataset, seeded
from .dropout import Dropout
from .ensemble import StackedLinear, StackedLoss
from .flatten import Flatten
from .gd import GD
from .gradcheck import gradcheck, relative_error
from .hinge import HingeLoss
from .l1 import L1Loss
from .linear import Linear
from .loss import Loss
from .module import Module
from .mse import MSELoss
from .parameter import Parameter
from .pool import AvgPool2d, MaxPool2d
from .prelu import PReLU
from .relu import ReLU
from .reproduce import Protocol, Results
from .sequential import Sequential
from .sgd import SGD
from .softmax import Softmax
from .tanh import Tanh
from .train import History, error_rate, evaluate, fit, train_epoch

__version__ = "0.1.0"

__all__ = [
    "Adam", "AvgPool2d", "Conv2d", "Dropout", "Flatten", "GD", "HingeLoss", "L1Loss", "MaxPool2d", "PReLU",
    "CrossEntropyLoss", "History", "Linear", "Loss", "MSELoss", "Module", "Parameter", "ReLU", "SGD",
    "Sequential", "Softmax", "SoftmaxCrossEntropyLoss", "Tanh", "disk_dataset", "error_rate", "evaluate",
    "fit", "gradcheck", "relative_error", "seeded", "train_epoch",
    "Protocol", "Results", "StackedLinear", "StackedLoss",
]
