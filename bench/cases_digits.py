"""The digits chapter's comparison (issue 6): one training epoch on scikit-learn's 8×8 digits, minidl against
the same model in torch.nn + autograd + torch.optim.SGD, from the same initial weights and on the same batches.

Two models, as in ``book/digits.ipynb``: ``minidl.digits.mlp`` (64-64-10, ReLU) and ``minidl.digits.cnn`` (two
3×3 convolutions with ReLU and 2×2 max pooling, then ``Linear``). Training: mini-batches of 32 of the 1,297
training images, fused softmax cross-entropy, SGD with momentum 0.9. To keep ``make bench`` short, one timed call
is about a tenth of an epoch (4 of its 41 batches, cycled); the ratio is that of whole epochs. One thread, as the book.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch
from harness import Ratio, Settings, case, interleaved
from torch import nn

import minidl
from minidl.experiments import digits

BATCH, LR, MOMENTUM, PER_CALL = 32, 0.05, 0.9, 4


def torch_twin(model: minidl.Sequential) -> nn.Sequential:
    """The same network in torch.nn with a copy of the weights (``nn.Linear`` stores ``Wᵀ``; ``nn.Conv2d`` the same
    layout as minidl)."""
    layers: list[nn.Module] = []
    for m in model:
        if isinstance(m, minidl.Linear):
            layer = nn.Linear(m.in_features, m.out_features)
            with torch.no_grad():
                layer.weight.copy_(m.weight.value.T)
                layer.bias.copy_(m.bias.value)
        elif isinstance(m, minidl.Conv2d):
            layer = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding)
            with torch.no_grad():
                layer.weight.copy_(m.weight.value)
                layer.bias.copy_(m.bias.value)
        elif isinstance(m, minidl.MaxPool2d):
            layer = nn.MaxPool2d(m.kernel_size, m.stride)
        else:
            layer = {minidl.ReLU: nn.ReLU, minidl.Flatten: nn.Flatten}[type(m)]()
        layers.append(layer)
    return nn.Sequential(*layers)


def steps(build: Callable[[torch.Generator], minidl.Sequential]) -> dict[str, Callable[[], None]]:
    """A tenth of an epoch in each framework, from the same weights, on the same batches (the epoch's 41 batches
    in a fixed order, 4 per call, cycled; each variant has its own cycle)."""
    (x, y), _ = digits.load_digits()
    epoch = [(x[i], y[i]) for i in torch.randperm(len(y), generator=minidl.seeded(1)).split(BATCH)]

    def batches() -> Callable[[], list[tuple[torch.Tensor, torch.Tensor]]]:
        """Each variant its own cycle, so that every call of either one trains on exactly ``PER_CALL`` batches."""
        cycle = itertools.cycle(epoch)
        return lambda: list(itertools.islice(cycle, PER_CALL))
    model = build(minidl.seeded(0))
    twin = torch_twin(model)
    opt = minidl.SGD(model.param(), lr=LR, momentum=MOMENTUM)
    twin_opt = torch.optim.SGD(twin.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn, twin_loss = minidl.SoftmaxCrossEntropyLoss(), nn.CrossEntropyLoss()

    minidl_batches, torch_batches = batches(), batches()

    def minidl_steps() -> None:
        for xb, yb in minidl_batches():
            opt.zero_grad()
            loss_fn(model(xb), yb)
            model.backward(loss_fn.backward())
            opt.step()

    def torch_steps() -> None:
        for xb, yb in torch_batches():
            twin_opt.zero_grad()
            twin_loss(twin(xb), yb).backward()
            twin_opt.step()

    return {"minidl": minidl_steps, "torch.nn": torch_steps}


@case(
    "digits MLP 64-64-10, batch 32",
    [Ratio("minidl speed-up vs torch.nn", "torch.nn", "minidl", at_least=1.0)],
    threads=[1],
    note="scikit-learn's 8×8 digits, 1,297 training images, batch 32, SGD momentum 0.9 (book/digits.ipynb)",
)
def digits_mlp(settings: Settings) -> dict[str, float]:
    return interleaved(steps(digits.mlp), settings)


@case(
    "digits CNN conv8-pool-conv16-pool-linear, batch 32",
    [Ratio("minidl speed-up vs torch.nn", "torch.nn", "minidl", at_least=1.0)],
    threads=[1],
    note="Conv2d by im2col + one batched GEMM, col2im by one index_add_ of channel rows; max pooling of tiling "
    "windows on a view (no copy), backward one scatter; torch.nn uses its own convolution kernels",
)
def digits_cnn(settings: Settings) -> dict[str, float]:
    return interleaved(steps(digits.cnn), settings)
