"""``make mutate`` (tests/mutate.py) stays able to fail: its patterns still apply, and a change no test can
catch is reported as not caught. The mutations themselves run on request (``make mutate``): see README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mutate
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("mutation", [*mutate.MUTATIONS, mutate.NO_OP], ids=lambda m: m.name.split(":")[0])
def test_each_mutation_applies_to_the_current_source(mutation):
    source = (ROOT / "minidl" / mutation.file).read_text(encoding="utf-8")
    patched = mutate.patched(mutation, source)
    assert patched != source
    compile(patched, mutation.file, "exec")  # the mutant is valid Python


def test_there_are_at_least_twelve_distinct_mutations():
    assert len({m.name for m in mutate.MUTATIONS}) == len(mutate.MUTATIONS) >= 12


def test_a_pattern_that_is_gone_is_an_error():
    gone = mutate.M("gone", "nn/linear.py", "no such line", "x", "tests")
    with pytest.raises(ValueError, match="re-anchor"):
        mutate.patched(gone, (ROOT / "minidl" / "nn" / "linear.py").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_checker_reports_an_uncaught_change_and_catches_a_real_one():
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "mutate.py"), "--self-test"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "NOT CAUGHT" in done.stdout and "caught " in done.stdout
