"""The stacked ensemble (``minidl.experiments.ensemble``): StackedLinear and a stacked network against each
model alone, the stacked losses against minidl's losses, and clear errors on bad input. The report's
experiment, trained with it: tests/experiments/test_report.py."""

import pytest
import torch

import minidl
from minidl.experiments import report as R
from minidl.experiments.ensemble import LOSSES, StackedLinear, StackedLoss, stack, unstack
from minidl.losses.base import one_hot
from minidl.verify import AG_TOL, FD_TOL, autograd_errors, failures


def test_stacked_linear_gradients_match_finite_differences():
    layers = [minidl.Linear(5, 4, generator=minidl.seeded(s)) for s in range(3)]
    x = torch.randn(3, 6, 5, generator=minidl.seeded(9), dtype=torch.float64)
    errors = minidl.gradcheck(StackedLinear(layers), x)
    assert set(errors) == {"input", "weight", "bias"}
    assert not failures(errors, FD_TOL), errors


def test_stacked_linear_matches_autograd():
    stacked = StackedLinear([minidl.Linear(4, 4, generator=minidl.seeded(s)) for s in range(3)])  # square: W vs Wᵀ
    stacked.reference = lambda x, p: torch.baddbmm(p["bias"], x, p["weight"])
    errors = autograd_errors(stacked, torch.randn(3, 6, 4, generator=minidl.seeded(9), dtype=torch.float64))
    assert set(errors) == {"output", "input", "weight", "bias"}
    assert not failures(errors, AG_TOL), errors


def test_stacked_network_slice_is_each_model():
    models = [minidl.models.report_net(generator=minidl.seeded(s), dtype=torch.float64) for s in range(4)]
    net = stack(models)
    x = torch.rand(4, 10, 2, dtype=torch.float64, generator=minidl.seeded(1))
    out = net(x)
    g = torch.randn(out.shape, dtype=torch.float64, generator=minidl.seeded(2))
    grad_x = net.backward(g, input_grad=True)
    for m, model in enumerate(models):
        torch.testing.assert_close(out[m], model(x[m]))
        torch.testing.assert_close(grad_x[m], model.backward(g[m], input_grad=True))
        for (name, p), q in zip(model.named_param(), net.param(), strict=True):
            torch.testing.assert_close(q.grad[m].reshape(p.shape), p.grad, msg=name)
        torch.testing.assert_close(unstack(net, m)(x[m]), out[m])


def test_stack_can_skip_the_data_gradient():
    models = [minidl.models.report_net(generator=minidl.seeded(s), dtype=torch.float64) for s in range(2)]
    full, skipping = stack(models), stack(models, needs_input_grad=False)
    assert "needs_input_grad=False" in repr(skipping[0]) and skipping[2].needs_input_grad
    x = torch.rand(2, 5, 2, dtype=torch.float64, generator=minidl.seeded(1))
    g = torch.randn(2, 5, 2, dtype=torch.float64, generator=minidl.seeded(2))
    full(x), skipping(x)
    assert full.backward(g, input_grad=True) is not None and skipping.backward(g, input_grad=True) is None
    for p, q in zip(full.param(), skipping.param(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, rtol=0, atol=0)


@pytest.mark.parametrize("name", ["mse", "ce"])
def test_stacked_losses_match_minidl_losses(name):
    scores = torch.randn(3, 5, 2, dtype=torch.float64, generator=minidl.seeded(0))
    y = torch.randint(0, 2, (3, 5), generator=minidl.seeded(1))
    losses, grad = StackedLoss([name] * 3)(scores, one_hot(y, 2, torch.float64))
    for m in range(3):
        if name == "mse":
            loss_fn, model = minidl.MSELoss(), None
        else:
            loss_fn, model = minidl.CrossEntropyLoss(), minidl.Softmax()
        prediction = model(scores[m]) if model else scores[m]
        assert losses[m].item() == pytest.approx(loss_fn(prediction, y[m]).item(), rel=1e-12)
        expected = model.backward(loss_fn.backward()) if model else loss_fn.backward()
        torch.testing.assert_close(grad[m], expected)


def test_stacked_losses_are_the_minidl_loss_classes():
    assert LOSSES == {"mse": minidl.MSELoss, "ce": minidl.SoftmaxCrossEntropyLoss, "mse-sum": minidl.MSELoss}
    assert isinstance(StackedLoss(["mse", "ce"]).losses["ce"], minidl.SoftmaxCrossEntropyLoss)
    assert StackedLoss(["mse-sum"]).losses["mse-sum"].reduction == "sum"


def test_a_summed_mse_group_is_the_sum_of_each_models_summed_loss():
    scores = torch.randn(3, 5, 2, dtype=torch.float64, generator=minidl.seeded(0))
    y = torch.randint(0, 2, (3, 5), generator=minidl.seeded(1))
    losses, grad = StackedLoss(["mse-sum"] * 3)(scores, one_hot(y, 2, torch.float64))
    for m in range(3):
        loss_fn = minidl.MSELoss(reduction="sum")
        assert losses[m].item() == pytest.approx(loss_fn(scores[m], y[m]).item(), rel=1e-12)
        torch.testing.assert_close(grad[m], loss_fn.backward())  # not K times it, as for a mean


def test_stacked_loss_groups_consecutive_models():
    loss_fn = StackedLoss(["mse", "mse", "ce", "ce", "ce"])
    assert loss_fn.groups == [("mse", 0, 2), ("ce", 2, 5)]
    scores = torch.randn(5, 4, 2, dtype=torch.float64, generator=minidl.seeded(0))
    t = one_hot(torch.randint(0, 2, (5, 4), generator=minidl.seeded(1)), 2, torch.float64)
    losses, grad = loss_fn(scores, t)
    expected = [StackedLoss(["mse"] * 2)(scores[:2], t[:2]), StackedLoss(["ce"] * 3)(scores[2:], t[2:])]
    torch.testing.assert_close(losses, torch.cat([expected[0][0], expected[1][0]]))
    torch.testing.assert_close(grad, torch.cat([expected[0][1], expected[1][1]]))
    message = r"StackedLoss: prediction and target must both have shape \(5, N, C\), got \(4, 4, 2\)"
    with pytest.raises(ValueError, match=message):
        loss_fn.grad(scores[:4], t[:4])


def test_bad_input_is_reported_clearly():
    layer = StackedLinear([minidl.Linear(3, 2), minidl.Linear(3, 2)])
    with pytest.raises(ValueError, match=r"StackedLinear: expected input of shape \(2, N, 3\), got \(2, 5\)"):
        layer(torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"expected input of shape \(2, N, 3\), got \(3, 5, 3\)"):
        layer(torch.zeros(3, 5, 3))
    with pytest.raises(RuntimeError, match="backward\\(\\) called before forward"):
        StackedLinear([minidl.Linear(3, 2)]).backward(torch.zeros(1, 5, 2))
    layer(torch.zeros(2, 5, 3))
    message = r"StackedLinear: grad_output has shape \(2, 5, 3\), but forward\(\) returned shape \(2, 5, 2\)"
    with pytest.raises(ValueError, match=message):
        layer.backward(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="same shape"):
        StackedLinear([minidl.Linear(3, 2), minidl.Linear(2, 3)])
    with pytest.raises(TypeError, match="list of minidl Linear"):
        StackedLinear([])
    with pytest.raises(TypeError, match="layer 1 is ReLU"):
        stack([minidl.Sequential(minidl.Linear(2, 2), minidl.ReLU())])
    with pytest.raises(ValueError, match="differ in their layers"):
        stack([minidl.Sequential(minidl.Linear(2, 2)), minidl.Sequential(minidl.Linear(2, 2), minidl.Tanh())])
    with pytest.raises(ValueError, match="StackedLoss: .*'hinge'"):
        StackedLoss(["mse", "hinge"])
    with pytest.raises(ValueError, match="run: losses"):
        R.run(R.Protocol(rounds=1, epochs=1, n=10), losses=("l1",))
    with pytest.raises(ValueError, match="Protocol: init"):
        R.Protocol(init="he")
    with pytest.raises(ValueError, match="Protocol: lr"):
        R.Protocol(lr=float("nan"))


def test_stacked_gradient_checks_its_targets_through_grad_and_check_targets():
    scores = torch.randn(2, 4, 2, dtype=torch.float64, generator=minidl.seeded(0))
    t = one_hot(torch.randint(0, 2, (2, 4), generator=minidl.seeded(1)), 2, torch.float64)
    loss_fn = StackedLoss(["mse", "ce"])
    torch.testing.assert_close(loss_fn.gradient(scores, t), loss_fn.grad(scores, t), rtol=0, atol=0)
    bad = t.clone()
    bad[1, 2] = torch.tensor([0.7, 0.7], dtype=torch.float64)  # a cross-entropy target row summing to 1.4
    for call in (loss_fn.grad, loss_fn.check_targets):
        with pytest.raises(ValueError, match=r"SoftmaxCrossEntropyLoss: target rows must be probability"):
            call(scores, bad)
    with pytest.raises(TypeError, match=r"MSELoss: target dtype torch.float32 does not match"):
        loss_fn.grad(scores, t.float())
