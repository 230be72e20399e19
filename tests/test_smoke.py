import torch

import minidl


def test_linear_shapes():
    y = minidl.Linear(3, 4, generator=minidl.seeded(0))(torch.randn(5, 3))
    assert y.shape == (5, 4)
