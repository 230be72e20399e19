"""Re-execute notebooks in place, deterministically: `make execute` (or `python tools/execute.py book/x.ipynb`).

Each notebook runs in a fresh kernel from its own folder, with one thread and a fixed hash seed
(the Makefile exports OMP_NUM_THREADS=1 and PYTHONHASHSEED=0). Timing metadata is dropped so
that a re-run changes only what the computation changed. Widget state is not saved. Each markdown cell's
`user_expressions` (the values of its {eval} citations, which JupyterLab shows) is refilled from the new
glued outputs (`tools/notebook_fixups.py`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, this file's folder is on the path, not the repository
    sys.path.insert(0, str(ROOT))
from tools.eval_citations import fill_user_expressions  # noqa: E402


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    resources = {"metadata": {"path": str(path.parent)}}
    # No saved widget state: it would inline every live widget's image in the notebook, and the
    # book's pages would then fetch require.js and the widget manager from CDNs (the explorers'
    # static players stand in for the widgets there).
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources=resources,
                   store_widget_state=False).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    fill_user_expressions(nb)
    nbformat.write(nb, path)
    return elapsed


def main(paths: list[str]) -> int:
    for p in paths:
        print(f"executing {p} ...", end=" ", flush=True)
        print(f"{execute(Path(p)):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
