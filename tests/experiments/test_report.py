"""The stacked ensemble and the report's experiment (``python -m minidl reproduce``)."""

import json

import pytest
import torch

import minidl
import minidl.__main__
from minidl.experiments import report as R
from minidl.experiments import runner
from minidl.experiments.ensemble import LOSSES, StackedLinear, StackedLoss, stack, unstack
from minidl.losses.base import one_hot
from minidl.verify import AG_TOL, FD_TOL, autograd_errors, failures

HISTORY_KEYS = ("train_loss", "train_error", "test_loss", "test_error")


def sequential_round(seed, loss, protocol, dtype):
    """One round trained alone, with the plain minidl loop: the reference for the stacked runs."""
    train, test = R.round_data(seed, protocol.n, dtype)
    model = R.round_model(seed, protocol.init, softmax=loss == "ce", dtype=dtype)
    loss_fn = minidl.CrossEntropyLoss() if loss == "ce" else minidl.MSELoss()
    optimizer = minidl.SGD(model.param(), lr=protocol.lr)
    history = minidl.fit(model, loss_fn, optimizer, train, test, protocol.epochs, protocol.batch_size)
    return history, model


@pytest.mark.parametrize("batch_size", [1, 7])
def test_stacked_equals_separate_sequential_runs_float64(batch_size):
    # lr 0.01 moves the weights far enough that a wrong gradient could not hide; per-sample SGD
    # amplifies the rounding differences of bmm against mm to about 1e-9 here; 7 does not divide 60
    protocol = R.Protocol(rounds=3, epochs=3, n=60, lr=0.01, batch_size=batch_size, seed=11)
    results = R.run(protocol, dtype=torch.float64)
    for loss in ("mse", "ce"):
        for r in range(protocol.rounds):
            history, model = sequential_round(protocol.seed + r, loss, protocol, torch.float64)
            stacked = results.histories[loss][r]
            for key in HISTORY_KEYS:
                expected = pytest.approx(getattr(history, key), rel=1e-7, abs=1e-12)
                assert getattr(stacked, key) == expected, (loss, r, key)
            trained = results.model(loss, r).state_dict()
            for name, value in model.state_dict().items():
                torch.testing.assert_close(trained[name], value, rtol=1e-7, atol=1e-9)


def test_stacked_equals_separate_sequential_runs_float32():
    protocol = R.Protocol(rounds=2, epochs=2, n=50, seed=5)
    results = R.run(protocol)
    for loss in ("mse", "ce"):
        for r in range(protocol.rounds):
            history, model = sequential_round(protocol.seed + r, loss, protocol, torch.float32)
            stacked = results.histories[loss][r]
            assert stacked.train_loss == pytest.approx(history.train_loss, rel=1e-4)
            assert stacked.test_loss == pytest.approx(history.test_loss, rel=1e-4)
            assert stacked.test_error == pytest.approx(history.test_error, abs=1 / protocol.n + 1e-9)
            trained = results.model(loss, r).state_dict()
            for name, value in model.state_dict().items():
                torch.testing.assert_close(trained[name], value, rtol=1e-4, atol=1e-5)


def test_round_r_is_the_command_line_run_with_seed_r(capsys):
    minidl.__main__.main(["--seed", "3", "--epochs", "2", "--n", "50", "--no-progress"])
    alone = capsys.readouterr().out.splitlines()[-1]
    results = R.run(R.Protocol(rounds=2, epochs=2, n=50, seed=2), losses=("mse",))
    assert alone == f"final test error:  {100 * results.histories['mse'][1].test_error[-1]:.1f}%"


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


def test_run_all_gives_each_arm_what_it_gives_alone():
    # one stacked network for arms that differ in their initialisation, data reading, seeds and losses
    common = {"epochs": 2, "n": 30, "lr": 0.01, "batch_size": 4}
    arms = [(R.Protocol(rounds=2, seed=3, **common), ("mse", "ce")),
            (R.Protocol(rounds=1, seed=5, init="xavier", data="per-epoch", **common), ("ce",)),
            (R.Protocol(rounds=2, seed=3, **common), ("mse-sum",))]
    together = R.run_all(arms, dtype=torch.float64)
    for (protocol, losses), results in zip(arms, together, strict=True):
        alone = R.run(protocol, losses, dtype=torch.float64)
        assert results.protocol == protocol and list(results.histories) == list(losses)
        for loss in losses:
            for r in range(protocol.rounds):
                for key in HISTORY_KEYS:
                    expected = pytest.approx(getattr(alone.histories[loss][r], key), rel=1e-9, abs=1e-12)
                    assert getattr(results.histories[loss][r], key) == expected, (protocol, loss, r, key)
                for name, value in alone.model(loss, r).state_dict().items():
                    torch.testing.assert_close(results.model(loss, r).state_dict()[name], value)
    summed = together[2].table().splitlines()[-1]  # the report has no summed MSE to compare with
    assert summed.startswith("MSE, summed") and "—" in summed


def test_a_summed_mse_round_is_minidl_fit_with_the_summed_loss():
    protocol = R.Protocol(rounds=1, epochs=2, n=30, lr=0.01, seed=4)
    stacked = R.run(protocol, ("mse-sum",), dtype=torch.float64).histories["mse-sum"][0]
    (train, test), model = R.round_data(4, 30, torch.float64), R.round_model(4, dtype=torch.float64)
    loss_fn = minidl.MSELoss(reduction="sum")
    alone = minidl.fit(model, loss_fn, minidl.SGD(model.param(), lr=protocol.lr), train, test, protocol.epochs)
    assert stacked.test_loss == pytest.approx(alone.test_loss, rel=1e-9)
    assert stacked.test_error == alone.test_error


def test_run_all_refuses_arms_that_cannot_share_the_training_loop():
    with pytest.raises(ValueError, match="run_all: the arms must share epochs, n, lr and batch_size"):
        R.run_all([(R.Protocol(rounds=1, n=10), ("mse",)), (R.Protocol(rounds=1, n=10, lr=0.1), ("mse",))])
    with pytest.raises(TypeError, match="run_all: arms must be a non-empty list"):
        R.run_all([])


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


def test_results_statistics_table_and_json(tmp_path):
    results = R.run(R.Protocol(rounds=3, epochs=2, n=40, seed=1))
    errors = torch.tensor([h.test_error[-1] for h in results.histories["ce"]], dtype=torch.float64)
    mean, std = results.final_test_error("ce")
    assert mean == pytest.approx(errors.mean().item())
    assert std == pytest.approx(errors.std().item())  # Bessel's correction, over the rounds
    table = results.table()
    assert "5.0%" in table and "3.7%" in table
    assert f"{100 * mean:.1f} ± {100 * std:.1f}%" in table
    written = R.save(results, tmp_path)
    data = json.loads(written[0].read_text())
    assert data["protocol"]["rounds"] == 3
    assert len(data["losses"]["mse"]["rounds"]) == 3
    assert data["losses"]["ce"]["rounds"][2]["test_error"] == results.histories["ce"][2].test_error


def test_command_line_prints_the_table_and_writes_figures(tmp_path, capsys):
    assert R.main(["--rounds", "2", "--epochs", "1", "--n", "30", "--out", str(tmp_path), "--figures"]) == 0
    out = capsys.readouterr().out
    assert "final test error" in out and "CrossEntropy and Softmax" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["decision_boundaries.png", "figure1_mse_loss.png", "figure2_mse_error.png",
                     "figure3_ce_loss.png", "figure4_ce_error.png", "results.json"]


def test_command_line_rejects_bad_flags(capsys):
    with pytest.raises(SystemExit):
        R.main(["--figures"])
    assert "--figures needs --out" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        R.main(["--rounds", "0"])
    assert "argument --rounds: must be ≥ 1, got 0" in capsys.readouterr().err


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


def test_run_trains_with_one_thread_and_restores_the_count(monkeypatch):
    seen = []
    fit = R.fit_stacked

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return fit(*args, **kwargs)

    monkeypatch.setattr(runner, "fit_stacked", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        R.run(R.Protocol(rounds=1, epochs=1, n=10))
        assert seen == [1] and torch.get_num_threads() == 2
        R.run(R.Protocol(rounds=1, epochs=1, n=10), threads=None)
        assert seen == [1, 2]
    finally:
        torch.set_num_threads(before)


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
