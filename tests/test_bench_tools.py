"""The bench harness's per-thread targets, and the notebook list that `make book` executes in parallel."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path += [str(ROOT / "bench"), str(ROOT / "tools")]

from execute_cache import toc_notebooks  # noqa: E402
from harness import Ratio  # noqa: E402


def test_a_ratio_can_have_a_target_per_thread_count():
    r = Ratio("speed-up", "b", "a", at_least=1.0, threads=((1, 1.05),))
    assert r.target(1) == "≥ 1.05" and r.target(2) == "≥ 1" and r.target() == "≥ 1"
    assert r.met(1.02, 1) is False and r.met(1.02, 2) is True
    assert Ratio("floor", "a", "b", at_most=1.15, threads=((2, 1.3),)).met(1.2, 2) is True
    assert Ratio("plain", "a", "b").met(5.0, 1) is None and Ratio("plain", "a", "b").target(1) == ""


def test_execute_cache_runs_every_notebook_of_the_toc_and_nothing_else():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = {toc["root"]} | {ch["file"] for part in toc["parts"] for ch in part["chapters"]}
    expected = {ROOT / f"{f}.ipynb" for f in listed if (ROOT / f"{f}.ipynb").exists()}
    found = toc_notebooks()
    assert set(found) == expected and len(found) == len(expected)
    assert all(p.suffix == ".ipynb" and p.exists() for p in found)
