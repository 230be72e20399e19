"""``python -m minidl``: the report's test executable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from minidl.__main__ import main, train_parser

ROOT = Path(__file__).resolve().parents[1]
EPOCH_LINE = re.compile(
    r"epoch\s+(\d+)/(\d+)\s+train loss (\d+\.\d+)\s+train error\s+([\d.]+)%\s+test error\s+([\d.]+)%"
)
FINAL_LINE = re.compile(r"final (train|test) error:\s+([\d.]+)%")


def run_minidl(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "minidl", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def check_training_output(text: str, epochs: int) -> list[float]:
    """The per-epoch lines (in order) and the two final lines; returns the epoch losses."""
    epochs_seen = [m.groups() for m in EPOCH_LINE.finditer(text)]
    assert [(int(e), int(total)) for e, total, *_ in epochs_seen] == [(i, epochs) for i in range(1, epochs + 1)]
    finals = dict(FINAL_LINE.findall(text))
    assert set(finals) == {"train", "test"}
    assert all(0 <= float(v) <= 100 for v in finals.values())
    last = epochs_seen[-1]
    assert float(finals["train"]) == pytest.approx(float(last[3]), abs=0.051)  # the last epoch's errors
    assert float(finals["test"]) == pytest.approx(float(last[4]), abs=0.051)
    return [float(g[2]) for g in epochs_seen]


@pytest.mark.slow
def test_two_epochs_print_the_loss_each_epoch_and_the_final_errors():
    result = run_minidl("--epochs", "2", "--no-progress")
    assert result.returncode == 0, result.stderr
    losses = check_training_output(result.stdout, epochs=2)
    assert losses[1] < losses[0]
    assert "Linear(in_features=2, out_features=25" in result.stdout  # the network is shown
    assert result.stderr == "" and "epoch/s" not in result.stdout  # no progress bar


def test_help_mentions_every_flag(capsys):
    # main() is what `python -m minidl` runs (the subprocess test above covers the entry point);
    # in process, this saves a second torch import
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    flags = [s for action in train_parser()._actions for s in action.option_strings]
    assert {"--loss", "--epochs", "--lr", "--momentum", "--batch-size", "--no-progress"} <= set(flags)
    for action in train_parser()._actions:
        assert action.help, action.option_strings
    for flag in flags:
        assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text), flag
    assert "{mse,ce}" in help_text


def test_progress_bar_mode_runs(capsys):
    assert main(["--epochs", "2", "--n", "100"]) == 0
    out = capsys.readouterr().out
    check_training_output(out, epochs=2)
    assert "training: 100%" in out and "2/2 [" in out and "epoch/s" in out  # tqdm's bar, finished


def test_cross_entropy_and_mini_batches_run(capsys):
    assert main(["--loss", "ce", "--epochs", "1", "--n", "100", "--batch-size", "10", "--momentum", "0.9",
                 "--init", "xavier", "--no-progress"]) == 0
    out = capsys.readouterr().out
    check_training_output(out, epochs=1)
    assert "Softmax()" in out and "CrossEntropyLoss" in out and "momentum=0.9" in out


def test_an_unknown_loss_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--loss", "hinge"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'hinge'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--epochs", "0", "must be ≥ 1, got 0"),
        ("--epochs", "-1", "must be ≥ 1, got -1"),
        ("--epochs", "2.5", "expected a whole number, got '2.5'"),
        ("--threads", "0", "must be in [1, 1024], got 0"),
        ("--threads", "-4", "must be in [1, 1024], got -4"),
        ("--seed", "18446744073709551615", "got 18446744073709551615"),
        ("--seed", "-1", "got -1"),
        ("--lr", "-1", "must be a finite number in (0.0, ∞), got -1"),
        ("--lr", "nan", "must be a finite number"),
        ("--lr", "inf", "must be a finite number"),
        ("--momentum", "1.5", "must be a finite number in [0.0, 1.0), got 1.5"),
        ("--momentum", "1", "got 1"),
        ("--n", "0", "must be ≥ 1, got 0"),
        ("--batch-size", "0", "must be ≥ 1, got 0"),
    ],
)
def test_every_bad_value_is_a_usage_error_before_training(flag, value, message, capsys, monkeypatch):
    import minidl.__main__ as entry

    monkeypatch.setattr(entry, "fit", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(SystemExit) as exit_info:
        main([flag, value, "--no-progress"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: " in err and message in err, err


def test_the_largest_seed_runs_and_uses_the_shared_offset(capsys):
    from minidl.experiments.protocol import INIT_SEED_OFFSET, MAX_SEED

    assert MAX_SEED + INIT_SEED_OFFSET == 2**64 - 1  # torch.Generator.manual_seed's largest seed
    assert main(["--seed", str(MAX_SEED), "--epochs", "1", "--n", "10", "--no-progress"]) == 0
    with pytest.raises(SystemExit) as exit_info:
        main(["--seed", str(MAX_SEED + 1), "--epochs", "1", "--no-progress"])
    assert exit_info.value.code == 2


def test_version_and_the_usage_names_the_reproduce_subcommand(capsys):
    import minidl

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"minidl {minidl.__version__}"
    with pytest.raises(SystemExit):
        main(["--epochs", "0"])
    usage = capsys.readouterr().err
    assert usage.startswith("usage: python -m minidl ") and "python -m minidl reproduce" in usage
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "python -m minidl reproduce" in capsys.readouterr().out.split("\n\n")[0]  # in the usage lines


@pytest.mark.slow
def test_training_that_diverges_stops_with_a_message_and_exit_code_1():
    result = run_minidl("--lr", "1e30", "--epochs", "3", "--n", "20", "--no-progress")
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "training diverged at epoch 1" in result.stderr and "lower --lr" in result.stderr
    assert "final test error" not in result.stdout and "epoch   2/3" not in result.stdout


def test_the_run_is_the_shared_set_up_of_seed_s(capsys):
    from minidl.experiments.protocol import setup

    assert main(["--seed", "4", "--epochs", "1", "--n", "30", "--no-progress"]) == 0
    out = capsys.readouterr().out
    train, test, model = setup(4, 30)
    import minidl

    history = minidl.fit(model, minidl.MSELoss(), minidl.SGD(model.param(), lr=1e-3), train, test, 1)
    assert f"final test error:  {100 * history.test_error[-1]:.1f}%" in out
    assert f"train loss {history.train_loss[-1]:.4f}" in out


def test_a_data_set_too_big_for_memory_is_refused_up_front(capsys, monkeypatch):
    import minidl.__main__ as entry

    monkeypatch.setattr(entry, "fit", lambda *a, **k: pytest.fail("training started"))
    with pytest.raises(SystemExit) as exit_info:
        main(["--n", str(10**12), "--no-progress"])
    assert exit_info.value.code == 2
    assert "GiB" in capsys.readouterr().err
