"""A larger CNN than the digits chapter's (issue 14): 28×28 images, 32 then 64 channels, batch 64.

conv 3×3 (1 → 32, padding 1), ReLU, 2×2 max pooling, conv 3×3 (32 → 64, padding 1), ReLU, 2×2 max pooling,
then ``Linear`` from 64 × 7 × 7 features to 10 scores; fused softmax cross-entropy, SGD with momentum 0.9.
The images are random (the timing does not depend on them). One timed call is one training step; both frameworks
start from the same weights and see the same batches. One thread.
"""

from __future__ import annotations

import itertools

import torch
from cases_digits import torch_twin
from harness import Ratio, Settings, case, interleaved
from torch import nn

import minidl

BATCH, SIZE, LR, MOMENTUM = 64, 28, 0.01, 0.9


def model(gen: torch.Generator) -> minidl.Sequential:
    return minidl.Sequential(
        minidl.Conv2d(1, 32, 3, padding=1, generator=gen), minidl.ReLU(), minidl.MaxPool2d(2),
        minidl.Conv2d(32, 64, 3, padding=1, generator=gen), minidl.ReLU(), minidl.MaxPool2d(2),
        minidl.Flatten(), minidl.Linear(64 * 7 * 7, 10, init="xavier", generator=gen),
    )  # fmt: skip


@case(
    f"CNN conv32-pool-conv64-pool-linear, {SIZE}×{SIZE}, batch {BATCH}",
    [Ratio("minidl speed-up vs torch.nn", "torch.nn", "minidl", at_least=0.8)],
    threads=[1],
    note="built plainly (the first Conv2d skips the images' gradient by Sequential.backward's default); "
    "torch.nn uses its own convolution kernels (oneDNN)",
)
def cnn_28(settings: Settings) -> dict[str, float]:
    gen = minidl.seeded(0)
    net = model(gen)
    twin = torch_twin(net)
    batches = itertools.cycle(
        [(torch.randn(BATCH, 1, SIZE, SIZE, generator=gen), torch.randint(0, 10, (BATCH,), generator=gen))
         for _ in range(2)]
    )  # fmt: skip
    opt = minidl.SGD(net.param(), lr=LR, momentum=MOMENTUM)
    twin_opt = torch.optim.SGD(twin.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn, twin_loss = minidl.SoftmaxCrossEntropyLoss(), nn.CrossEntropyLoss()

    def minidl_step() -> None:
        xb, yb = next(batches)
        opt.zero_grad()
        loss_fn(net(xb), yb)
        net.backward(loss_fn.backward())
        opt.step()

    def torch_step() -> None:
        xb, yb = next(batches)
        twin_opt.zero_grad()
        twin_loss(twin(xb), yb).backward()
        twin_opt.step()

    return interleaved({"minidl": minidl_step, "torch.nn": torch_step}, settings)
