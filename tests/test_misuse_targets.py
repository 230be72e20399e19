"""Misuse (issue 10), what the losses are given: 4. masked logits (-inf and ±3e38 scores) give the same
loss and gradient as torch; 5. values that are not probabilities are refused; 6. one-hot rows work wherever
class indices do."""

from __future__ import annotations

import math

import pytest
import torch

import minidl
from minidl.models import report_net

# -- 4. masked logits ----------------------------------------------------------------------------------

MASKED = [[0.5, -math.inf, 2.0, -1.0], [3e38, -3e38, 0.0, 1.0], [-3e38, 0.0, 3e38, 1.0], [1.0, 2.0, -math.inf, 0.0]]


@pytest.mark.parametrize("target", [torch.tensor([0, 2, 2, 1]), torch.eye(4)[[0, 2, 2, 1]]], ids=["index", "one-hot"])
def test_softmax_cross_entropy_on_masked_logits_matches_torch(target):
    s = torch.tensor(MASKED)
    loss_fn = minidl.SoftmaxCrossEntropyLoss()
    loss = loss_fn(s, target)
    leaf = s.clone().requires_grad_()
    ref = torch.nn.functional.cross_entropy(leaf, torch.tensor([0, 2, 2, 1]))  # torch's soft-target path gives NaN
    ref.backward()
    assert torch.isfinite(loss) and torch.isfinite(ref)
    torch.testing.assert_close(loss, ref.detach())
    torch.testing.assert_close(loss_fn.backward(), leaf.grad)


def test_hinge_loss_on_masked_scores_matches_torch():
    s, target = torch.tensor(MASKED), torch.tensor([0, 0, 2, 1])
    loss_fn = minidl.HingeLoss()
    loss = loss_fn(s, target)
    leaf = s.clone().requires_grad_()
    ref = torch.nn.functional.multi_margin_loss(leaf, target) * s.shape[1]  # torch divides by C
    ref.backward()
    assert torch.isfinite(loss) and torch.isfinite(ref)
    torch.testing.assert_close(loss, ref.detach())
    torch.testing.assert_close(loss_fn.backward(), leaf.grad)


# -- 5. probabilities that are not ---------------------------------------------------------------------

@pytest.mark.parametrize("p", [[[-0.5, 1.5], [0.5, 0.5]], [[0.5, 0.5], [0.9, 0.9]], [[3.0, -2.0], [0.2, 0.8]]],
                         ids=["negative", "sum-1.8", "scores"])
def test_cross_entropy_refuses_values_that_are_not_probabilities(p):
    msg = (r"CrossEntropyLoss: prediction rows must be probability distributions \(entries ≥ 0 summing to 1, "
           r"within 0\.001\); row \d is \[.*\] with sum .*; pass the output of Softmax")
    with pytest.raises(ValueError, match=msg):
        minidl.CrossEntropyLoss()(torch.tensor(p), torch.tensor([0, 1]))


@pytest.mark.parametrize("loss_cls", [minidl.CrossEntropyLoss, minidl.SoftmaxCrossEntropyLoss])
@pytest.mark.parametrize("t", [[[1.0, 1.0], [0.0, 1.0]], [[-1.0, 2.0], [0.0, 1.0]]], ids=["sum-2", "negative"])
def test_target_rows_that_are_not_distributions_are_refused(loss_cls, t):
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: target rows must be probability distributions"):
        loss_cls()(torch.tensor([[0.3, 0.7], [0.6, 0.4]]), torch.tensor(t))


def test_probabilities_within_rounding_and_nan_rows_pass():
    p = torch.softmax(torch.randn(6, 1000, generator=minidl.seeded(0)), dim=1)
    minidl.CrossEntropyLoss()(p, torch.zeros(6, dtype=torch.int64))
    loss = minidl.CrossEntropyLoss()(torch.tensor([[float("nan"), 0.5]]), torch.tensor([0]))
    assert loss.isnan()  # NaN in, NaN out, as in torch


# -- 6. both target forms ------------------------------------------------------------------------------

def test_error_rate_and_evaluate_take_one_hot_rows_like_indices():
    net = report_net(generator=minidl.seeded(0))
    x, y = minidl.disk_dataset(200, minidl.seeded(1))
    rows = torch.eye(2)[y]
    for n in (1, 200):
        assert minidl.error_rate(net(x[:n]), rows[:n]) == minidl.error_rate(net(x[:n]), y[:n])
        assert minidl.evaluate(net, minidl.MSELoss(), x[:n], rows[:n]) == minidl.evaluate(net, minidl.MSELoss(), x[:n],
                                                                                          y[:n])


def test_fit_takes_one_hot_rows_like_indices():
    histories = []
    for one_hot in (False, True):
        net = report_net(generator=minidl.seeded(0))
        x, y = minidl.disk_dataset(50, minidl.seeded(1))
        y = torch.eye(2)[y] if one_hot else y
        opt = minidl.SGD(net.param(), lr=0.01)
        histories.append(minidl.fit(net, minidl.MSELoss(), opt, (x, y), (x, y), epochs=2, batch_size=10))
    assert histories[0] == histories[1]


def test_error_rate_refuses_a_target_of_another_shape():
    with pytest.raises(ValueError, match=r"error_rate: target must be class indices of shape \(4,\) or float rows"):
        minidl.error_rate(torch.randn(4, 3), torch.rand(4, 2))
