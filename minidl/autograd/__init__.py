"""``minidl.autograd``: a small tape-based reverse mode over torch tensors, built from the modules' backward
passes (the book's chapter "Autograd, from the modules you wrote").

Apart from the framework: nothing in ``minidl`` imports it, and it uses no ``torch.autograd``.
"""

from .layers import cross_entropy, linear, mse_loss, relu, softmax, softmax_cross_entropy, tanh
from .memory import cache_bytes, tape_bytes
from .network import TapeNet
from .ops import add, div, exp, log, matmul, mean, mul, power, sub, total, unbroadcast
from .tensor import Tensor, topological_order

__all__ = [
    "Tensor", "TapeNet", "add", "cache_bytes", "cross_entropy", "div", "exp", "linear", "log", "matmul", "mean",
    "mse_loss", "mul", "power", "relu", "softmax", "softmax_cross_entropy", "sub", "tanh", "tape_bytes",
    "topological_order", "total", "unbroadcast",
]
