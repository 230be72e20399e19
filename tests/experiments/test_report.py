"""The report's experiment (``python -m minidl reproduce``): the stacked runs against each round trained
alone with ``minidl.fit``, ``run_all``, the results' statistics, table and JSON, and the command line.
The stacked ensemble itself: tests/experiments/test_ensemble.py."""

import json

import pytest
import torch

import minidl
import minidl.__main__
from minidl.experiments import report as R
from minidl.experiments import runner

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
