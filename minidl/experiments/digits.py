"""Real data for the digits chapter: scikit-learn's 8×8 handwritten digits, a fixed split, and two models."""

from __future__ import annotations

import torch

from ..data import seeded
from ..extras import require
from ..nn.conv import Conv2d
from ..nn.flatten import Flatten
from ..nn.linear import Linear
from ..nn.pool import MaxPool2d
from ..nn.relu import ReLU
from ..sequential import Sequential

require("sklearn", extra="notebooks", feature="minidl.experiments.digits (the 8×8 digits of scikit-learn)")

Split = tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def load_digits(n_test: int = 500, seed: int = 0, dtype: torch.dtype = torch.float32) -> Split:
    """``((x_train, y_train), (x_test, y_test))``: the 1,797 digits of ``sklearn.datasets.load_digits``
    (UCI optical digits, 8×8 pixels of 17 grey levels, which ship inside scikit-learn: nothing is
    downloaded), as images ``(N, 1, 8, 8)`` scaled to [0, 1] and int64 labels 0–9.

    The split is fixed: a permutation drawn from ``seed`` puts ``n_test`` images in the test set and
    the rest in the training set.
    """
    from sklearn.datasets import load_digits as sklearn_digits  # slow to import; `require` above checked it is there
    data = sklearn_digits()
    x = torch.tensor(data.images, dtype=dtype).unsqueeze(1) / 16
    y = torch.tensor(data.target, dtype=torch.int64)
    if not 0 < n_test < len(y):
        raise ValueError(f"load_digits: n_test must lie in (0, {len(y)}), got {n_test}")
    order = torch.randperm(len(y), generator=seeded(seed))
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])


def mlp(generator: torch.Generator | None = None, hidden: int = 64) -> Sequential:
    """64 pixels → ``hidden`` ReLU units → 10 scores (Xavier initialization)."""
    kw = dict(init="xavier", generator=generator)
    return Sequential(Flatten(), Linear(64, hidden, **kw), ReLU(), Linear(hidden, 10, **kw))


def cnn(generator: torch.Generator | None = None) -> Sequential:
    """Two 3×3 convolutions (8 then 16 channels, padding 1), each followed by ReLU and 2×2 max pooling,
    then a ``Linear`` layer from the 16 × 2 × 2 features to 10 scores: 8×8 → 4×4 → 2×2. The first
    convolution reads the images, whose gradient training never needs (``needs_input_grad=False``)."""
    return Sequential(
        Conv2d(1, 8, 3, padding=1, generator=generator, needs_input_grad=False), ReLU(), MaxPool2d(2),
        Conv2d(8, 16, 3, padding=1, generator=generator), ReLU(), MaxPool2d(2),
        Flatten(), Linear(16 * 2 * 2, 10, init="xavier", generator=generator),
    )  # fmt: skip
