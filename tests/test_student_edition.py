"""The student edition (``make student``): every exercise is a stub, so every check fails there, and the
grader fails too; notebooks lose their solutions; a cell that reaches a stub says so in one line."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import minidl
from minidl.check import EXERCISES
from minidl.source import source
from tools.student import strip_solutions, stub_source, student_config, write_edition

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_STUBS = {
    "Linear.forward", "Linear.backward", "Tanh.forward", "Tanh.backward", "ReLU.forward", "ReLU.backward",
    "Softmax.forward", "Softmax.backward", "MSELoss.forward", "MSELoss.backward", "CrossEntropyLoss.forward",
    "CrossEntropyLoss.backward", "SoftmaxCrossEntropyLoss.forward", "SoftmaxCrossEntropyLoss.backward", "SGD.step",
}


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "edition"
    return out, write_edition(out)


def run(edition_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(edition_dir), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *args], cwd=edition_dir, env=env, capture_output=True, text=True,
                          timeout=300)


def test_every_exercise_region_is_stubbed(edition):
    out, stubbed = edition
    assert EXPECTED_STUBS <= set(stubbed)
    assert (out / "README.md").read_text().startswith("**Student edition.**")
    assert (out / "tools" / "student.py").read_bytes() == (ROOT / "tools" / "student.py").read_bytes()


@pytest.mark.slow
def test_every_check_fails_in_the_edition_nothing_is_pre_solved(edition):
    out, _ = edition
    done = run(out, "-m", "minidl", "check", "--report", "report.json")
    assert done.returncode == 1, done.stderr
    report = json.loads((out / "report.json").read_text())
    assert [e["name"] for e in report["exercises"]] == [ex.name for ex in EXERCISES]
    for e in report["exercises"]:
        assert not e["passed"] and "is not written yet" in e["message"] and "chapter" in e["message"], e
    assert report["score"] == 0
    assert len(done.stdout.splitlines()) == len(EXERCISES)


@pytest.mark.slow
def test_the_grader_fails_in_the_edition(edition):
    out, _ = edition
    done = run(out, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "linear", "tests/student")
    assert done.returncode == 1 and "1 failed" in done.stdout, done.stdout[-2000:]


@pytest.mark.slow
def test_a_cell_that_reaches_a_stub_says_so_in_one_line(edition, monkeypatch):
    """In a Jupyter kernel: the cell fails (so "Run all" stops there) with a one-line error, no traceback."""
    import nbformat
    from nbclient import NotebookClient

    out, _ = edition
    monkeypatch.setenv("PYTHONPATH", str(out))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in ("import torch, minidl", "minidl.Linear(3, 4)(torch.ones(2, 3))")]
    NotebookClient(nb, allow_errors=True, timeout=120, resources={"metadata": {"path": str(out)}}).execute()
    assert nb.cells[0].outputs == []
    [error] = nb.cells[1].outputs
    assert error.output_type == "error" and error.ename == "Unwritten"
    assert error.traceback == ["Unwritten: Linear.forward is not written yet: cache x, return s = x W + b "
                               "(chapter 2, eq. (1))  (then check it with minidl.check)"]


def test_the_reference_shows_full_tracebacks_in_ipython():
    assert not minidl.unwritten.STUDENT_EDITION
    assert minidl.unwritten.install(shell=object()) is False


def test_the_edition_has_no_solutions_and_its_book_hides_them(edition):
    out, _ = edition
    for nb in (out / "book").glob("*.ipynb"):
        text = nb.read_text()
        assert "{solution}" not in text and "solution-start" not in text, nb.name
    assert any("{solution}" in nb.read_text() for nb in (ROOT / "book").glob("*.ipynb"))  # there were some
    config = (out / "_config.yml").read_text()
    assert "hide_solutions: true" in config and 'execute_notebooks: "off"' in config
    linear = (out / "book" / "02_linear.ipynb").read_text()
    assert "addmm_(x.T, g)" not in linear and "addmm_(x.T, g)" in (ROOT / "book" / "02_linear.ipynb").read_text()


def test_solution_blocks_are_stripped_whatever_their_fence():
    md = ("Before.\n\n::::{solution} ex-a\n:class: dropdown\n\nAnswer, with a fence inside:\n\n```python\nx\n```\n"
          "::::\n\nBetween.\n\n```{solution} ex-b\nB\n```\n:::{solution-start} ex-c\n:::\nC\n:::{solution-end}\n"
          "After.")
    assert strip_solutions(md) == "Before.\n\n\nBetween.\n\nAfter."


def test_a_stub_names_its_method_and_unmatched_markers_are_errors():
    src = ("from __future__ import annotations\n\n\nclass A:\n    def f(self, x):\n        y = x\n"
           "        ### BEGIN SOLUTION  the hint (chapter 9, eq. (9))\n        return y + 1\n"
           "        ### END SOLUTION\n")
    stub = stub_source(src)
    assert "raise Unwritten('A.f', 'the hint (chapter 9, eq. (9))')" in stub and "return y + 1" not in stub
    assert "from minidl.unwritten import Unwritten" in stub
    for wrong in (ROOT, ROOT / "book", ROOT.parent):
        with pytest.raises(ValueError, match="refusing to write the student edition"):
            write_edition(wrong)
    with pytest.raises(ValueError, match="without its ### END SOLUTION"):
        stub_source(src.replace("        ### END SOLUTION\n", ""))
    assert student_config("execute:\n  execute_notebooks: cache\nsphinx:\n  config:\n    a: 1\n").count("off") == 1


@pytest.mark.parametrize("cls", [minidl.Linear, minidl.Tanh, minidl.ReLU, minidl.Softmax, minidl.MSELoss,
                                 minidl.CrossEntropyLoss, minidl.SoftmaxCrossEntropyLoss, minidl.SGD])
def test_the_book_shows_the_source_without_markers(cls):
    full, shown = inspect.getsource(cls), source(cls)
    assert "### BEGIN SOLUTION" in full and "SOLUTION" not in shown
    assert len(shown.splitlines()) == len(full.splitlines()) - 2 * full.count("### BEGIN SOLUTION")
