"""L1Loss and HingeLoss against torch.nn's losses + autograd, and finite differences."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl.verify import verify

LOSSES = [minidl.L1Loss, minidl.HingeLoss]


@pytest.mark.parametrize("cls", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("one_hot", [False, True], ids=["indices", "one-hot"])
def test_verify(cls, reduction, one_hot, gen):
    s = torch.randn(7, 4, generator=gen)
    y = torch.randint(0, 4, (7,), generator=gen)
    target = torch.eye(4)[y] if one_hot else y
    verify(cls(reduction=reduction), s, target, show=False)


def test_l1_verify_with_soft_targets(gen):
    verify(minidl.L1Loss(), torch.randn(5, 3, generator=gen), torch.rand(5, 3, generator=gen), show=False)


@given(n=st.integers(1, 6), c=st.integers(1, 5), reduction=st.sampled_from(["mean", "sum"]), seed=st.integers(0, 2**16))
def test_l1_matches_torch(n, c, reduction, seed):
    gen = minidl.seeded(seed)
    p = torch.randn(n, c, generator=gen, dtype=torch.float64)
    t = torch.randn(n, c, generator=gen, dtype=torch.float64)
    pr = p.clone().requires_grad_(True)
    expected = torch.nn.L1Loss(reduction=reduction)(pr, t)
    expected.backward()
    loss = minidl.L1Loss(reduction=reduction)
    torch.testing.assert_close(loss(p, t), expected.detach())
    torch.testing.assert_close(loss.backward(), pr.grad)


@given(n=st.integers(1, 6), c=st.integers(2, 5), reduction=st.sampled_from(["mean", "sum"]),
       scale=st.sampled_from([0.1, 1.0, 5.0]), seed=st.integers(0, 2**16))
def test_hinge_is_c_times_torch_multimargin(n, c, reduction, scale, seed):
    gen = minidl.seeded(seed)
    s = scale * torch.randn(n, c, generator=gen, dtype=torch.float64)
    y = torch.randint(0, c, (n,), generator=gen)
    sr = s.clone().requires_grad_(True)
    expected = c * torch.nn.MultiMarginLoss(reduction=reduction)(sr, y)
    expected.backward()
    loss = minidl.HingeLoss(reduction=reduction)
    torch.testing.assert_close(loss(s, y), expected.detach())
    torch.testing.assert_close(loss.backward(), sr.grad)


def test_hinge_by_hand():
    """Scores (3, 1, −1), class 0: margins 1 + 1 − 3 < 0 and 1 − 1 − 3 < 0, no loss; class 1: 1 + 3 − 1 = 3 and
    1 − 1 − 1 < 0, loss 3, gradient +1 on class 0 and −1 on class 1."""
    s = torch.tensor([[3.0, 1.0, -1.0], [3.0, 1.0, -1.0]])
    loss = minidl.HingeLoss(reduction="sum")
    assert loss(s, torch.tensor([0, 1])).item() == 3.0
    torch.testing.assert_close(loss.backward(), torch.tensor([[0.0, 0.0, 0.0], [1.0, -1.0, 0.0]]))


def test_hinge_margin_parameter():
    s = torch.tensor([[2.0, 0.0]])
    assert minidl.HingeLoss()(s, torch.tensor([0])).item() == 0.0
    assert minidl.HingeLoss(margin=3.0)(s, torch.tensor([0])).item() == 1.0


def test_l1_gradient_is_zero_where_prediction_equals_target():
    loss = minidl.L1Loss(reduction="sum")
    loss(torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 0.0]]))
    torch.testing.assert_close(loss.backward(), torch.tensor([[0.0, 1.0]]))


@pytest.mark.parametrize("cls", LOSSES)
def test_dtypes(cls, dtype, gen):
    s = torch.randn(4, 3, generator=gen, dtype=dtype)
    loss = cls()
    value = loss(s, torch.tensor([0, 1, 2, 0]))
    assert value.dim() == 0 and value.dtype == dtype and loss.backward().dtype == dtype


def test_hinge_rejects_soft_targets():
    with pytest.raises(ValueError, match=r"HingeLoss: float target rows must be one-hot .* shape \(2, 2\)"):
        minidl.HingeLoss()(torch.randn(2, 2), torch.tensor([[0.5, 0.5], [1.0, 0.0]]))


@pytest.mark.parametrize("cls", LOSSES)
def test_bad_targets(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"{name}: class-index target must have shape \(3,\)"):
        cls()(torch.randn(3, 2), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=rf"{name}: class indices must lie in \[0, 2\)"):
        cls()(torch.randn(3, 2), torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=rf"{name}: target has shape \(3, 3\), prediction has \(3, 2\)"):
        cls()(torch.randn(3, 2), torch.zeros(3, 3))
    with pytest.raises(ValueError, match=rf"{name}: prediction must be 2-D"):
        cls()(torch.randn(3), torch.tensor([0, 1, 0]))
    with pytest.raises(RuntimeError, match=rf"{name}: backward\(\) called before forward\(\)"):
        cls().backward()
    with pytest.raises(ValueError, match=rf"{name}: reduction must be 'mean' or 'sum'"):
        cls(reduction="none")


def test_bad_margin():
    with pytest.raises(ValueError, match="HingeLoss: margin must be a number > 0, got 0"):
        minidl.HingeLoss(margin=0)
