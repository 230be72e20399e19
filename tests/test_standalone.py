"""Every notebook runs alone, as a reader downloads it, from ``pip install "minidl[notebooks]"`` (issue 11).

A fresh virtual environment gets the pinned torch and ``<repo>[notebooks]`` (no Sphinx, no Jupyter Book, no
myst-nb), then each notebook is copied alone into an empty directory and executed there with that venv's
kernel. Installing the venv takes minutes, so the test runs only with ``MINIDL_STANDALONE=1``
(``MINIDL_STANDALONE_VENV=DIR`` reuses a venv made before).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
TORCH = next(line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.startswith("torch=="))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("MINIDL_STANDALONE"),
                       reason="installs a venv and runs every notebook: set MINIDL_STANDALONE=1"),
]


@pytest.fixture(scope="module")
def reader_python(tmp_path_factory) -> Path:
    given = os.environ.get("MINIDL_STANDALONE_VENV")
    venv = Path(given) if given else tmp_path_factory.mktemp("reader") / "venv"
    python = venv / "bin" / "python"
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", TORCH, f"{ROOT}[notebooks]", "nbclient"],
                       check=True)
    for absent in ("myst_nb", "sphinx", "jupyter_book"):
        found = subprocess.run([str(python), "-c", f"import {absent}"], capture_output=True).returncode == 0
        assert not found, f"{absent} is installed in the reader's venv: the test would prove nothing"
    return python


RUN = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
"""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_runs_alone_from_a_reader_install(reader_python, path, tmp_path):
    alone = tmp_path / path.name
    shutil.copy(path, alone)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"OMP_NUM_THREADS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "PATH": f"{reader_python.parent}:{env.get('PATH', '')}"}
    # the kernel is the venv's own python (its ipykernel), started from the notebook's empty directory
    result = subprocess.run([str(reader_python), "-c", RUN, path.name], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
