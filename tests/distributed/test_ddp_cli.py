"""``python -m minidl ddp``: the report's network trained by N processes, from the command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from minidl.__main__ import main
from minidl.distributed.train import BASE_LR

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_json_end_to_end_with_two_processes():
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "minidl", "ddp", "--nproc", "2", "--epochs", "2", "--n", "200",
                             "--batch-size", "20", "--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)  # the whole output is one JSON object
    assert (s["nproc"], s["backend"], s["local_batch"], s["steps"]) == (2, "gloo", 10, 2 * 200 // 20)
    assert len(s["history"]["train_loss"]) == 2 and s["history"]["train_loss"][1] < s["history"]["train_loss"][0]
    assert s["final_test_error"] == s["history"]["test_error"][-1] and 0 <= s["final_test_error"] <= 1
    assert s["steps_per_second"] > 0 and 0 < s["allreduce_share"] < 1
    assert s["allreduce_bytes"] == 4 * (2 * 25 + 25 + 2 * (25 * 25 + 25) + 25 * 2 + 2)  # the float32 model
    assert s["lr"] == pytest.approx(BASE_LR * 20)  # the linear scaling rule from the per-sample rate


@pytest.mark.slow
def test_text_output_every_epoch_then_errors_rate_and_share(capfd):
    assert main(["ddp", "--nproc", "2", "--epochs", "3", "--n", "100", "--batch-size", "10"]) == 0
    out = capfd.readouterr().out  # fd-level: rank 0 prints its epochs from its own process
    epochs = re.findall(r"^epoch\s+(\d+)/3  train loss (\d+\.\d+)", out, re.M)
    assert [int(e) for e, _ in epochs] == [1, 2, 3]
    assert re.search(r"^final train error: +[\d.]+%$", out, re.M) and re.search(r"^final test error: +[\d.]+%$", out,
                                                                                 re.M)
    assert re.search(r"^steps per second: [\d.]+ \(30 steps of 5 samples per process, backend gloo\)$", out, re.M)
    assert re.search(r"^all-reduce share of a step: [\d.]+% \(one all_reduce of 5,708 bytes per step\)$", out, re.M)


@pytest.mark.parametrize(("args", "message"), [
    (["--nproc", "0"], "argument --nproc: must be in [1, 64], got 0"),
    (["--nproc", "two"], "argument --nproc: expected a whole number, got 'two'"),
    (["--nproc", "2", "--batch-size", "3"], "argument --batch-size: 3 does not split evenly over --nproc 2"),
    (["--epochs", "0"], "argument --epochs: must be ≥ 1, got 0"),
    (["--timeout", "0"], "argument --timeout: must be a finite number in (0.0, ∞), got 0"),
    (["--nproc", "4", "--n", "3", "--batch-size", "4"], "argument --n: 3 points cannot give each of --nproc 4"),
    (["--lr", "-1"], "argument --lr: must be a finite number"),
    (["--seed", "-1"], "argument --seed:"),
])
def test_bad_flags_are_usage_errors_before_any_process_starts(args, message, capsys, monkeypatch):
    import minidl.distributed.cli as cli

    monkeypatch.setattr(cli, "launch", lambda *a, **k: pytest.fail("processes started"))
    with pytest.raises(SystemExit) as exit_info:
        main(["ddp", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m minidl ddp") and message in err, err


def test_help_lists_every_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["ddp", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--nproc", "--epochs", "--batch-size", "--lr", "--n", "--seed", "--timeout", "--json"):
        assert flag in out


def test_a_failing_rank_is_exit_code_1_with_its_message(capsys, monkeypatch):
    import minidl.distributed.cli as cli
    from minidl.distributed import RankFailed

    def failing(*args, **kwargs):
        raise RankFailed("launch: rank 1 of 2 failed: ValueError: boom", 1)

    monkeypatch.setattr(cli, "launch", failing)
    assert main(["ddp", "--epochs", "1"]) == 1
    assert "python -m minidl ddp: launch: rank 1 of 2 failed: ValueError: boom" in capsys.readouterr().err
