"""The report's protocol: its checks, one round's set-up, and the two readings of its training data."""

import pytest
import torch

import minidl
from minidl.experiments import report as R
from minidl.experiments.protocol import INIT_SEED_OFFSET, MAX_SEED, setup, training_sets

HISTORY_KEYS = ("train_loss", "train_error", "test_loss", "test_error")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rounds": 2.5}, TypeError, r"Protocol: rounds must be an int, got 2.5 \(float\)"),
        ({"rounds": True}, TypeError, r"Protocol: rounds must be an int, got True \(bool\)"),
        ({"epochs": "3"}, TypeError, r"Protocol: epochs must be an int, got '3' \(str\)"),
        ({"n": 10.0}, TypeError, "Protocol: n must be an int"),
        ({"batch_size": None}, TypeError, "Protocol: batch_size must be an int"),
        ({"seed": 1.0}, TypeError, "Protocol: seed must be an int"),
        ({"lr": "0.1"}, TypeError, r"Protocol: lr must be a number, got '0.1' \(str\)"),
        ({"lr": True}, TypeError, "Protocol: lr must be a number"),
        ({"rounds": 0}, ValueError, "Protocol: rounds must be ≥ 1, got 0"),
        ({"epochs": -1}, ValueError, "Protocol: epochs must be ≥ 1, got -1"),
        ({"seed": -1}, ValueError, "Protocol: seed must lie in"),
        ({"seed": MAX_SEED, "rounds": 2}, ValueError, "must fit in 64 bits"),
        ({"lr": float("inf")}, ValueError, "Protocol: lr must be a finite number > 0"),
        ({"data": "per epoch"}, ValueError, "Protocol: data must be 'fixed' or 'per-epoch', got 'per epoch'"),
    ],
)
def test_protocol_refuses_wrong_types_and_values(kwargs, error, message):
    with pytest.raises(error, match=message):
        R.Protocol(**kwargs)


def test_the_largest_seeds_fit():
    protocol = R.Protocol(seed=MAX_SEED - 2, rounds=3)
    assert protocol.seeds()[-1] + INIT_SEED_OFFSET == 2**64 - 1
    R.round_model(protocol.seeds()[-1])  # torch takes the seed


def test_the_largest_seeds_run_with_both_losses():
    # run stacks 2 × 3 models: its memory check must not refuse a seed that fits 3 rounds, not 6
    protocol = R.Protocol(seed=MAX_SEED - 2, rounds=3, epochs=1, n=4)
    results = R.run(protocol)
    assert [len(results.histories[loss]) for loss in ("mse", "ce")] == [3, 3]


def test_setup_is_round_data_and_round_model_with_the_offset():
    train, test, model = setup(7, n=20, init="xavier", softmax=True, dtype=torch.float64)
    (train2, test2) = R.round_data(7, 20, torch.float64)
    for a, b in zip((*train, *test), (*train2, *test2), strict=True):
        assert torch.equal(a, b)
    reference = minidl.models.report_net(softmax=True, init="xavier", dtype=torch.float64,
                                         generator=minidl.seeded(7 + INIT_SEED_OFFSET))
    assert [type(m) for m in model] == [type(m) for m in reference]
    for p, q in zip(model.param(), reference.param(), strict=True):
        assert torch.equal(p.value, q.value)


def test_training_sets_fixed_repeat_and_per_epoch_are_fresh():
    (train, test) = R.round_data(3, 50)
    fixed = training_sets(3, 50, "fixed")
    fresh = training_sets(3, 50, "per-epoch")
    firsts = [next(fixed) for _ in range(3)], [next(fresh) for _ in range(3)]
    for x, y in firsts[0]:
        assert torch.equal(x, train[0]) and torch.equal(y, train[1])
    assert torch.equal(firsts[1][0][0], train[0])  # epoch 1 of both readings: the same set
    xs = [x for x, _ in firsts[1]] + [test[0]]
    assert all(not torch.equal(a, b) for i, a in enumerate(xs) for b in xs[i + 1:])  # then new points
    with pytest.raises(ValueError, match="training_sets: data must be"):
        next(training_sets(3, 50, "both"))


def sequential_round(seed, loss, protocol, dtype):
    """Round ``seed`` trained alone with ``train_epoch`` and ``evaluate``, on each epoch's training set."""
    _, test, model = setup(seed, protocol.n, protocol.init, softmax=loss == "ce", dtype=dtype)
    loss_fn = minidl.CrossEntropyLoss() if loss == "ce" else minidl.MSELoss()
    optimizer = minidl.SGD(model.param(), lr=protocol.lr)
    history = minidl.History()
    sets = training_sets(seed, protocol.n, protocol.data, dtype)
    for _ in range(protocol.epochs):
        x, y = next(sets)
        history.train_loss.append(minidl.train_epoch(model, loss_fn, optimizer, x, y, protocol.batch_size))
        history.train_error.append(minidl.evaluate(model, loss_fn, x, y)[1])
        test_loss, test_error = minidl.evaluate(model, loss_fn, *test)
        history.test_loss.append(test_loss)
        history.test_error.append(test_error)
    return history


@pytest.mark.parametrize("data", ["fixed", "per-epoch"])
def test_each_reading_of_the_data_is_the_rounds_trained_alone(data):
    protocol = R.Protocol(rounds=2, epochs=3, n=40, lr=0.01, batch_size=3, seed=2, data=data)
    results = R.run(protocol, dtype=torch.float64)
    for loss in ("mse", "ce"):
        for r, seed in enumerate(protocol.seeds()):
            alone = sequential_round(seed, loss, protocol, torch.float64)
            for key in HISTORY_KEYS:
                expected = pytest.approx(getattr(alone, key), rel=1e-7, abs=1e-12)
                assert getattr(results.histories[loss][r], key) == expected, (data, loss, r, key)


def test_the_two_readings_differ_after_the_first_epoch():
    runs = {data: R.run(R.Protocol(rounds=1, epochs=2, n=30, data=data), losses=("mse",))
            for data in ("fixed", "per-epoch")}
    fixed, fresh = (runs[d].histories["mse"][0] for d in ("fixed", "per-epoch"))
    assert fixed.as_dict()["train_loss"][0] == fresh.as_dict()["train_loss"][0]
    assert fixed.train_loss[1] != fresh.train_loss[1]
    assert fixed.test_error[0] == fresh.test_error[0]
