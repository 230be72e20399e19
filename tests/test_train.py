"""The training helpers (train_epoch, evaluate, error_rate, fit) and a full training run."""

from __future__ import annotations

import copy

import pytest
import torch

import minidl
from minidl.models import report_net


def setup(seed: int = 0, n: int = 25, momentum: float = 0.5):
    net = report_net(generator=minidl.seeded(seed))
    data = minidl.disk_dataset(n, minidl.seeded(seed + 1))
    return net, minidl.SGD(net.param(), lr=0.01, momentum=momentum), data


def by_hand(net, opt, x, y, batch_size: int, order=None) -> float:
    """What one epoch should do, written out: mini-batches in order, zero_grad/forward/backward/step."""
    loss_fn = minidl.MSELoss()
    if order is not None:
        x, y = x[order], y[order]
    losses = []
    for start in range(0, len(x), batch_size):
        opt.zero_grad()
        losses.append(loss_fn(net(x[start : start + batch_size]), y[start : start + batch_size]).item())
        net.backward(loss_fn.backward())
        opt.step()
    return sum(losses) / len(losses)


def same_params(a: minidl.Module, b: minidl.Module) -> bool:
    return all(torch.equal(p.value, q.value) for p, q in zip(a.param(), b.param(), strict=True))


@pytest.mark.parametrize("batch_size", [1, 10])
def test_train_epoch_is_the_loop_written_out(batch_size):
    net, opt, (x, y) = setup()  # 25 points: with batch 10, the last batch has 5
    twin = copy.deepcopy(net)
    twin_opt = minidl.SGD(twin.param(), lr=0.01, momentum=0.5)
    start = net.state_dict()
    mean_loss = minidl.train_epoch(net, minidl.MSELoss(), opt, x, y, batch_size=batch_size)
    expected = by_hand(twin, twin_opt, x, y, batch_size)
    assert same_params(net, twin)
    assert mean_loss == pytest.approx(expected, rel=1e-12)
    assert any(not torch.equal(start[n], p.value) for n, p in net.named_param())


def test_batch_size_one_and_ten_differ():
    a, opt_a, (x, y) = setup()
    b, opt_b, _ = setup()
    minidl.train_epoch(a, minidl.MSELoss(), opt_a, x, y, batch_size=1)
    minidl.train_epoch(b, minidl.MSELoss(), opt_b, x, y, batch_size=10)
    assert not same_params(a, b)


def test_shuffling_follows_the_generator():
    runs = []
    for seed in (11, 11, 12):
        net, opt, (x, y) = setup()
        minidl.train_epoch(net, minidl.MSELoss(), opt, x, y, batch_size=5, generator=minidl.seeded(seed))
        runs.append(net)
    assert same_params(runs[0], runs[1])  # same seed, same order
    assert not same_params(runs[0], runs[2])
    net, opt, (x, y) = setup()
    order = torch.randperm(len(x), generator=minidl.seeded(11))
    by_hand(net, opt, x, y, batch_size=5, order=order)
    assert same_params(runs[0], net)  # the order is the generator's permutation
    unshuffled, opt, _ = setup()
    minidl.train_epoch(unshuffled, minidl.MSELoss(), opt, x, y, batch_size=5)
    assert not same_params(runs[0], unshuffled)


def test_train_epoch_leaves_the_data_alone():
    net, opt, (x, y) = setup()
    x0, y0 = x.clone(), y.clone()
    minidl.train_epoch(net, minidl.MSELoss(), opt, x, y, batch_size=4, generator=minidl.seeded(0))
    assert torch.equal(x, x0) and torch.equal(y, y0)


def test_train_epoch_refuses_bad_arguments():
    net, opt, (x, y) = setup()
    with pytest.raises(ValueError, match="train_epoch: batch_size must be ≥ 1, got 0"):
        minidl.train_epoch(net, minidl.MSELoss(), opt, x, y, batch_size=0)
    with pytest.raises(ValueError, match="train_epoch: x has 25 rows but y has 24"):
        minidl.train_epoch(net, minidl.MSELoss(), opt, x, y[:-1])


@pytest.mark.parametrize("loss_fn", [minidl.MSELoss(), minidl.SoftmaxCrossEntropyLoss("sum")], ids=repr)
def test_evaluate_matches_a_hand_computation(loss_fn):
    net, _, (x, y) = setup(n=200)
    net.train()
    start = net.state_dict()
    loss, error = minidl.evaluate(net, loss_fn, x, y)
    out = net(x)
    wrong = sum(int(row.argmax()) != int(label) for row, label in zip(out, y, strict=True))
    assert error == pytest.approx(wrong / len(y))
    assert loss == pytest.approx(loss_fn(out, y).item())
    assert 0 < wrong < len(y)  # an untrained net: the error is neither 0 nor 1, so the count matters
    assert net.training  # evaluate puts the mode back
    assert all(torch.equal(start[n], p.value) for n, p in net.named_param())


def test_error_rate_counts_the_rows_whose_argmax_is_wrong():
    out = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0], [0.2, 0.3]])
    assert minidl.error_rate(out, torch.tensor([0, 0, 0, 1])) == pytest.approx(1 / 4)
    assert minidl.error_rate(out, torch.tensor([1, 0, 1, 0])) == pytest.approx(1.0)


def test_fit_returns_a_history_with_one_entry_per_epoch():
    net, opt, train = setup(n=40)
    test = minidl.disk_dataset(30, minidl.seeded(9))
    seen = []
    history = minidl.fit(net, minidl.MSELoss(), opt, train, test, epochs=3, batch_size=8,
                         on_epoch=lambda epoch, h: seen.append((epoch, len(h.test_error))))
    assert isinstance(history, minidl.History)
    assert {k: len(v) for k, v in history.as_dict().items()} == {
        "train_loss": 3, "train_error": 3, "test_loss": 3, "test_error": 3}
    assert seen == [(0, 1), (1, 2), (2, 3)]
    # the last entries are the trained network's
    final_test = minidl.evaluate(net, minidl.MSELoss(), *test)
    assert (history.test_loss[-1], history.test_error[-1]) == pytest.approx(final_test)
    assert history.train_error[-1] == pytest.approx(minidl.evaluate(net, minidl.MSELoss(), *train)[1])


@pytest.mark.slow
def test_the_report_protocol_learns_the_disk():
    """The report's set-up: 1,000 training and 1,000 test points, the 2-25-25-25-2 Tanh net with
    N(0, 1) weights, MSE, per-sample SGD with lr 0.001. The report averages 5.0% test error after
    25 epochs over 15 seeds. With this seed the run is under 10% after 6 epochs (6.2% after 8);
    other seeds can need all 25, and a few more, so the seed is fixed."""
    data_gen = minidl.seeded(3)
    train, test = minidl.disk_dataset(1000, data_gen), minidl.disk_dataset(1000, data_gen)
    net = report_net(generator=minidl.seeded(1_000_003))
    history = minidl.fit(net, minidl.MSELoss(), minidl.SGD(net.param(), lr=1e-3), train, test, epochs=8)
    assert history.test_error[-1] < 0.10, history.test_error
    assert history.train_error[-1] < 0.10, history.train_error
    assert history.train_loss[-1] < history.train_loss[0] / 2
