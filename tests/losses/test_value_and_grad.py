"""``Loss.value_and_grad`` and ``one_hot``, shared by every loss and by the stacked ensemble."""

import pytest
import torch

import minidl
from minidl.losses.base import one_hot


@pytest.mark.parametrize("make", [minidl.MSELoss, minidl.L1Loss, minidl.HingeLoss, minidl.SoftmaxCrossEntropyLoss])
def test_value_and_grad_is_forward_then_backward(make):
    x = torch.randn(6, 3, dtype=torch.float64, generator=minidl.seeded(0))
    y = torch.randint(0, 3, (6,), generator=minidl.seeded(1))
    value, grad = make().value_and_grad(x, y)
    loss_fn = make()
    assert value.item() == loss_fn(x, y).item()
    torch.testing.assert_close(grad, loss_fn.backward(), rtol=0, atol=0)


def test_one_hot_puts_a_one_at_each_index_along_a_new_last_dimension():
    y = torch.tensor([[0, 2], [1, 1]])
    t = one_hot(y, 3, torch.float64)
    assert t.shape == (2, 2, 3) and t.dtype == torch.float64
    torch.testing.assert_close(t.argmax(dim=-1), y)
    assert t.sum().item() == y.numel()
    torch.testing.assert_close(one_hot(y[0], 3, torch.float32), torch.tensor([[1.0, 0, 0], [0, 0, 1]]))
