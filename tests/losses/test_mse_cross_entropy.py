"""The losses: forward and backward against torch.autograd, finite differences (float64) and
torch.nn, for class-index and probability-row targets and both reductions; and stability."""

from __future__ import annotations

import pytest
import torch

import minidl
from minidl import verify

F64 = torch.float64
LOSSES = [minidl.MSELoss, minidl.CrossEntropyLoss, minidl.SoftmaxCrossEntropyLoss]
REDUCTIONS = ["mean", "sum"]
TARGETS = ["index", "probs"]


def batch(loss_cls, target_kind: str, gen: torch.Generator, n: int = 6, c: int = 3, dtype=F64):
    """A prediction fit for ``loss_cls`` (probabilities for CrossEntropyLoss) and a target."""
    s = torch.randn(n, c, generator=gen, dtype=dtype) * 2
    # probabilities kept ≥ 1/(2c): near p = 0, central differences of log p lose accuracy (error ~ ε²/p²)
    prediction = (torch.softmax(s, dim=1) + 1 / c) / 2 if loss_cls is minidl.CrossEntropyLoss else s
    if target_kind == "index":
        target = torch.randint(0, c, (n,), generator=gen)
    else:
        target = torch.softmax(torch.randn(n, c, generator=gen, dtype=dtype) * 2, dim=1)
    return prediction, target


def rows(target: torch.Tensor, c: int) -> torch.Tensor:
    return target if target.is_floating_point() else torch.eye(c, dtype=F64)[target]


@pytest.mark.parametrize("target_kind", TARGETS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss_cls", LOSSES, ids=lambda c: c.__name__)
def test_loss_backward_matches_finite_differences(loss_cls, reduction, target_kind, gen):
    prediction, target = batch(loss_cls, target_kind, gen)
    errors = minidl.gradcheck(loss_cls(reduction=reduction), prediction, target)
    assert set(errors) == {"input"}
    assert errors["input"] < 1e-6, errors


@pytest.mark.parametrize("target_kind", TARGETS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss_cls", LOSSES, ids=lambda c: c.__name__)
def test_loss_matches_autograd(loss_cls, reduction, target_kind, gen):
    prediction, target = batch(loss_cls, target_kind, gen)
    errors = verify.autograd_errors(loss_cls(reduction=reduction), prediction, target)
    assert set(errors) == {"output", "input"}
    assert not verify.failures(errors, 1e-12), errors


@pytest.mark.parametrize("target_kind", TARGETS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_matches_torch_nn(reduction, target_kind, gen, dtype):
    prediction, target = batch(minidl.MSELoss, target_kind, gen, dtype=dtype)
    t = rows(target, 3).to(dtype)
    ref = torch.nn.MSELoss(reduction=reduction)
    pr = prediction.clone().requires_grad_(True)
    ref(pr, t).backward()
    loss = minidl.MSELoss(reduction=reduction)
    value = loss(prediction, target)
    assert value.dim() == 0 and value.dtype == dtype
    torch.testing.assert_close(value, ref(prediction, t))
    torch.testing.assert_close(loss.backward(), pr.grad)


@pytest.mark.parametrize("target_kind", TARGETS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_loss_matches_torch_nn_cross_entropy_on_logits(reduction, target_kind, gen, dtype):
    logits, target = batch(minidl.SoftmaxCrossEntropyLoss, target_kind, gen, dtype=dtype)
    ref = torch.nn.CrossEntropyLoss(reduction=reduction)  # takes indices or probability rows
    lr = logits.clone().requires_grad_(True)
    ref(lr, target).backward()
    loss = minidl.SoftmaxCrossEntropyLoss(reduction=reduction)
    value = loss(logits, target)
    assert value.dim() == 0 and value.dtype == dtype
    torch.testing.assert_close(value, ref(logits, target))
    torch.testing.assert_close(loss.backward(), lr.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_matches_nll_of_log_probabilities(reduction, gen, dtype):
    p, target = batch(minidl.CrossEntropyLoss, "index", gen, dtype=dtype)
    pr = p.clone().requires_grad_(True)
    ref = torch.nn.NLLLoss(reduction=reduction)(torch.log(pr), target)
    ref.backward()
    loss = minidl.CrossEntropyLoss(reduction=reduction)
    torch.testing.assert_close(loss(p, target), ref.detach())
    torch.testing.assert_close(loss.backward(), pr.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_probability_rows_is_minus_t_log_p(reduction, gen):
    p, t = batch(minidl.CrossEntropyLoss, "probs", gen)
    expected = -(t * torch.log(p)).sum() / (p.shape[0] if reduction == "mean" else 1)
    torch.testing.assert_close(minidl.CrossEntropyLoss(reduction=reduction)(p, t), expected)


@pytest.mark.parametrize("loss_cls", LOSSES, ids=lambda c: c.__name__)
def test_one_hot_rows_give_the_same_loss_as_indices(loss_cls, gen):
    prediction, target = batch(loss_cls, "index", gen)
    a, b = loss_cls(), loss_cls()
    torch.testing.assert_close(a(prediction, target), b(prediction, torch.eye(3, dtype=F64)[target]))
    torch.testing.assert_close(a.backward(), b.backward())


@pytest.mark.parametrize("target_kind", TARGETS)
def test_fused_loss_equals_softmax_then_cross_entropy(target_kind, gen):
    logits, target = batch(minidl.SoftmaxCrossEntropyLoss, target_kind, gen)
    softmax, ce, fused = minidl.Softmax(), minidl.CrossEntropyLoss(), minidl.SoftmaxCrossEntropyLoss()
    torch.testing.assert_close(ce(softmax(logits), target), fused(logits, target))
    torch.testing.assert_close(softmax.backward(ce.backward()), fused.backward())


def test_fused_gradient_is_p_minus_t_over_n(gen):
    logits, target = batch(minidl.SoftmaxCrossEntropyLoss, "index", gen)
    loss = minidl.SoftmaxCrossEntropyLoss()
    loss(logits, target)
    expected = (torch.softmax(logits, dim=1) - torch.eye(3, dtype=F64)[target]) / logits.shape[0]
    torch.testing.assert_close(loss.backward(), expected)


@pytest.mark.parametrize("loss_cls", LOSSES, ids=lambda c: c.__name__)
def test_sum_is_n_times_mean_for_batch_losses(loss_cls, gen):
    prediction, target = batch(loss_cls, "index", gen, n=5, c=3)
    mean, total = loss_cls("mean")(prediction, target), loss_cls("sum")(prediction, target)
    over = prediction.numel() if loss_cls is minidl.MSELoss else prediction.shape[0]  # what the mean runs over
    torch.testing.assert_close(total, mean * over)


@pytest.mark.parametrize("loss_cls", LOSSES, ids=lambda c: c.__name__)
def test_docstring_states_the_reduction(loss_cls):
    doc = loss_cls.__doc__
    assert "mean" in doc and "sum" in doc


def test_bad_reduction_is_refused():
    with pytest.raises(ValueError, match=r"MSELoss: reduction must be 'mean' or 'sum', got 'avg'"):
        minidl.MSELoss(reduction="avg")


# -- numerical stability --------------------------------------------------------------------

def finite(*tensors: torch.Tensor) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in tensors)


@pytest.mark.parametrize("target_kind", TARGETS)
def test_fused_loss_is_finite_and_exact_for_logits_of_1e4(target_kind, dtype):
    logits = torch.tensor([[1e4, -1e4], [-1e4, 1e4], [3e4, 0.0]], dtype=dtype)
    target = torch.tensor([1, 1, 1])  # wrong, right, wrong by a huge margin
    if target_kind == "probs":
        target = torch.eye(2, dtype=dtype)[target]
    loss = minidl.SoftmaxCrossEntropyLoss(reduction="sum")
    value = loss(logits, target)
    grad = loss.backward()
    assert finite(value, grad)
    # log p_true = s_true − max s (the other exponential underflows to 0): 2e4, 0 and 3e4
    torch.testing.assert_close(value, torch.tensor(5e4, dtype=dtype))
    expected = torch.tensor([[1.0, -1.0], [0.0, 0.0], [1.0, -1.0]], dtype=dtype)  # p − t
    torch.testing.assert_close(grad, expected)


def test_softmax_is_finite_for_logits_of_1e4(dtype):
    s = torch.tensor([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    sm = minidl.Softmax()
    p = sm(s)
    grad = sm.backward(torch.ones_like(s))
    assert finite(p, grad)
    torch.testing.assert_close(p, torch.softmax(s.double(), dim=1).to(dtype))
    torch.testing.assert_close(p.sum(dim=1), torch.ones(3, dtype=dtype))
    torch.testing.assert_close(grad, torch.zeros_like(s))  # a constant g changes nothing after softmax


def test_cross_entropy_is_finite_with_zero_probability_on_the_true_class(dtype):
    p = torch.tensor([[1.0, 0.0], [0.5, 0.5]], dtype=dtype)
    for target in (torch.tensor([1, 0]), torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)):
        loss = minidl.CrossEntropyLoss()
        value = loss(p, target)
        grad = loss.backward()
        assert finite(value, grad)
        # the zero is clamped at eps: −log eps for the first row, −log ½ for the second, averaged
        eps = torch.finfo(dtype).eps
        expected = (-torch.log(torch.tensor(eps, dtype=dtype)) - torch.log(torch.tensor(0.5, dtype=dtype))) / 2
        torch.testing.assert_close(value, expected)
        assert grad[0, 1] < 0 and grad[0, 0] == 0


def test_softmax_then_cross_entropy_is_finite_for_logits_of_1e4(dtype):
    softmax, ce = minidl.Softmax(), minidl.CrossEntropyLoss()
    s = torch.tensor([[1e4, -1e4], [-1e4, 1e4]], dtype=dtype)
    value = ce(softmax(s), torch.tensor([1, 1]))  # p of the true class underflows to 0 in row 0
    grad = softmax.backward(ce.backward())
    assert finite(value, grad)
    eps = torch.finfo(dtype).eps  # row 0: −log eps (p = 0 clamped); row 1: −log 1 = 0
    torch.testing.assert_close(value, -torch.log(torch.tensor(eps, dtype=dtype)) / 2)
