"""Steps 1 and 2 of tools/notebook_fixups.py: a chapter runs outside the book, in JupyterLab or on Colab.

glue comes from the package (``from minidl.book import glue``), and a first code cell (id ``colab-install``,
tagged ``remove-cell`` and ``nbval-skip``) installs minidl from the repository when ``google.colab`` can be
imported. See notebook_fixups.py's docstring, steps 1 and 2.
"""

from __future__ import annotations

import re

from tools.fixup_cells import index_of, new_cell

COLAB_ID = "colab-install"
COLAB_SOURCE = '''\
# On Colab, install minidl from its repository first (anywhere else this cell does nothing).
try:
    import google.colab  # noqa: F401
except ImportError:
    pass
else:
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "minidl @ git+{url}"], check=True)'''


def fix_imports(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = re.sub(r"^from myst_nb import glue$", "from minidl.book import glue", cell.source, flags=re.M)


def colab_cell(nb, url: str) -> None:
    i = index_of(nb, COLAB_ID)
    cell = new_cell("code", COLAB_SOURCE.format(url=url), COLAB_ID, ["remove-cell", "nbval-skip"])
    if i == 0 and nb.cells[0].source == cell.source and nb.cells[0].metadata == cell.metadata:
        return  # already there: keep it as executed (its execution count and outputs)
    if i is not None:
        nb.cells.pop(i)
    nb.cells.insert(0, cell)
