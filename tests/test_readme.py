"""The README stays true: its quick start runs, and its map names every file of the package."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_map_names_every_file_of_the_package():
    files = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "minidl").rglob("*.py"))]
    missing = [f for f in files if f not in README and not (f.endswith("/__init__.py") and f.count("/") == 2)]
    assert not missing, f"README's map of the package does not mention: {missing}"


def test_the_map_names_no_file_that_is_gone():
    named = set(re.findall(r"minidl/[\w/]+\.py", README))
    gone = [n for n in named if not (ROOT / n).exists()]
    assert not gone, f"README names files that do not exist: {gone}"


@pytest.mark.slow
def test_the_quick_start_runs(capsys):
    block = re.search(r"## Quick start\s+```python\n(.*?)```", README, re.S)
    assert block, "README has no Quick start python block"
    exec(compile(block.group(1), "README quick start", "exec"), {})
    out = capsys.readouterr().out
    error = float(re.search(r"test error: ([\d.]+)%", out).group(1))
    assert error < 10, f"the quick start's network did not learn the disk: {error}% test error"
    printed = [line for line in out.splitlines() if line.startswith("{")]
    assert len(printed) == 1, out
    errors = ast.literal_eval(printed[0])
    assert set(errors) == {"input", "weight", "bias"}
    assert all(math.isfinite(e) and e < 1e-6 for e in errors.values()), errors


def test_the_readme_documents_each_make_target():
    targets = re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M)
    for target in set(targets) - {"help", "venv"}:
        assert f"make {target}" in README, f"README does not document `make {target}`"
