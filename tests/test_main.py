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
