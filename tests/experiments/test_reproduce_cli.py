"""``python -m minidl reproduce``: bad flags refused before training, ``--out`` checked up front and
written atomically, strict JSON, a clear end to a diverging run, both readings of the data."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import minidl.__main__
from minidl.experiments import cli, results, runner
from minidl.experiments import report as R

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--rounds", "2", "--epochs", "1", "--n", "20"]


def refuse_training(monkeypatch):
    monkeypatch.setattr(cli, "run", lambda *a, **k: pytest.fail("training started"))


def usage_error(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        minidl.__main__.main(["reproduce", *argv])
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rounds", "2.5"], "argument --rounds: expected a whole number, got '2.5'"),
        (["--rounds", "0"], "argument --rounds: must be ≥ 1, got 0"),
        (["--epochs", "-1"], "argument --epochs: must be ≥ 1, got -1"),
        (["--n", "0"], "argument --n: must be ≥ 1, got 0"),
        (["--batch-size", "0"], "argument --batch-size: must be ≥ 1, got 0"),
        (["--threads", "0"], "argument --threads: must be in [1, 1024], got 0"),
        (["--threads", "-4"], "argument --threads: must be in [1, 1024], got -4"),
        (["--lr", "-1"], "argument --lr: must be a finite number in (0.0, ∞), got -1"),
        (["--lr", "nan"], "argument --lr: must be a finite number"),
        (["--seed", "18446744073709551615"], "argument --seed: must be in [0, "),
        (["--seed", str(R.MAX_SEED), "--rounds", "2"], "must fit in 64 bits"),
        (["--data", "both"], "argument --data: invalid choice: 'both'"),
        (["--figures"], "--figures needs --out DIR"),
        (["--force"], "--force needs --out DIR"),
    ],
)
def test_every_bad_value_is_a_usage_error_before_training(argv, message, capsys, monkeypatch):
    refuse_training(monkeypatch)
    assert message in usage_error(argv, capsys)


def test_a_run_too_big_for_memory_is_refused_up_front_with_an_estimate(capsys, monkeypatch):
    refuse_training(monkeypatch)
    err = usage_error(["--rounds", "1000000000"], capsys)
    protocol = R.Protocol(rounds=1_000_000_000)
    need = runner.estimate_bytes(protocol) / 2**30
    assert f"needs about {need:,.1f} GiB" in err and "GiB are available" in err and "fewer rounds" in err
    monkeypatch.setattr(runner, "available_bytes", lambda: runner.estimate_bytes(R.Protocol(rounds=2)) - 1)
    with pytest.raises(MemoryError, match="needs about"):
        R.run(R.Protocol(rounds=2, epochs=1, n=1000))


def test_the_estimate_grows_with_the_run_and_admits_the_report_run():
    small, big = R.Protocol(), R.Protocol(rounds=30, n=2000)
    assert runner.estimate_bytes(big) == pytest.approx(4 * runner.estimate_bytes(small), rel=0.05)
    assert runner.estimate_bytes(small) < 2**30  # the report's run: well under a GiB


def test_out_is_checked_before_training(tmp_path, capsys, monkeypatch):
    refuse_training(monkeypatch)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert "exists and is not a directory" in usage_error(["--out", str(a_file)], capsys)
    assert "is a file, not a directory" in usage_error(["--out", str(a_file / "sub")], capsys)
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "results.json").write_text("{}")
    assert "results.json exists; use --force" in usage_error(["--out", str(tmp_path / "done")], capsys)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder")
def test_an_unwritable_out_is_refused(tmp_path, capsys, monkeypatch):
    refuse_training(monkeypatch)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert "cannot write in" in usage_error(["--out", str(locked / "results")], capsys)


def test_an_unwritable_out_is_refused_even_for_root(tmp_path, monkeypatch):
    def no_write(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(results.tempfile, "TemporaryFile", no_write)
    with pytest.raises(ValueError, match=r"cannot write in .* \(Permission denied\)"):
        results.check_out(tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_force_replaces_results_json(tmp_path, capsys):
    (tmp_path / "results.json").write_text("old")
    assert R.main([*TINY, "--out", str(tmp_path), "--force"]) == 0
    assert json.loads((tmp_path / "results.json").read_text())["protocol"]["rounds"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no temporary left


def test_an_interrupted_save_leaves_no_half_written_files(tmp_path, monkeypatch):
    run = R.run(R.Protocol(rounds=2, epochs=1, n=20))
    from minidl.experiments import figures

    def interrupted(res, out):
        (out / "figure1_mse_loss.png").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(figures, "save_figures", interrupted)
    with pytest.raises(KeyboardInterrupt):
        R.save(run, tmp_path / "out", figures=True)
    assert list((tmp_path / "out").iterdir()) == []


def strict(text: str):
    def refuse(token):
        raise ValueError(f"not strict JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_a_diverging_run_exits_1_and_writes_strict_json_with_null(tmp_path, capsys):
    assert R.main([*TINY, "--lr", "1e30", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "training diverged" in captured.err and "lower --lr" in captured.err
    assert "diverged in 2 of 2 rounds" in captured.out
    data = strict((tmp_path / "results.json").read_text())
    assert data["losses"]["mse"]["diverged_rounds"] == [0, 1]
    assert None in data["losses"]["mse"]["rounds"][0]["train_loss"]
    with pytest.raises(ValueError, match="not strict JSON: NaN"):
        strict(json.dumps({"x": float("nan")}))  # the check itself catches a bare NaN


def test_finite_or_none_reaches_every_depth():
    value = {"a": [1.0, float("inf"), {"b": (float("nan"), 2)}], "c": -float("inf"), "d": "NaN"}
    assert results.finite_or_none(value) == {"a": [1.0, None, {"b": [None, 2]}], "c": None, "d": "NaN"}


@pytest.mark.slow
@pytest.mark.parametrize("data", ["fixed", "per-epoch"])
def test_python_m_minidl_reproduce_prints_the_table_for_each_reading(data):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "minidl", "reproduce", *TINY, "--data", data], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"data {data})" in result.stdout
    assert "MSE" in result.stdout and "5.0%" in result.stdout and "3.7%" in result.stdout
