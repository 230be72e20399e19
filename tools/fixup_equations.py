"""Step 4 of tools/notebook_fixups.py: the equations are numbered in JupyterLab as in the book.

JupyterLab (jupyterlab-myst) numbers every display per notebook, the book only the labelled ones, across
the whole book. So an unlabelled ``$$ ... $$`` becomes ``\\begin{equation*} ... \\end{equation*}``, and a
notebook whose first labelled equation is not the book's (1) gets MyST front matter (a first markdown cell,
id ``myst-frontmatter``) that starts its count there. See notebook_fixups.py's docstring, step 4.
"""

from __future__ import annotations

import re

from tools.fixup_cells import index_of, new_cell
from tools.fixup_colab import COLAB_ID

FRONTMATTER_ID = "myst-frontmatter"
LABELLED = re.compile(r"^\$\$[ \t]*\((eq-[\w-]+)\)[ \t]*$", re.M)


def visible_markdown(nb):
    return [c for c in nb.cells if c.cell_type == "markdown" and "remove-cell" not in c.metadata.get("tags", [])]


def labelled_equations(nb) -> list[str]:
    return [label for c in visible_markdown(nb) for label in LABELLED.findall(c.source)]


def unnumber_unlabelled(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines, out, i = cell.source.split("\n"), [], 0
        while i < len(lines):
            if lines[i].strip() == "$$":
                close = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("$$")), None)
                if close is not None and lines[close].strip() == "$$":
                    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
                    out += [indent + "\\begin{equation*}", *lines[i + 1:close], indent + "\\end{equation*}"]
                    i = close + 1
                    continue
                if close is not None:  # a labelled display: keep it as it is
                    out += lines[i:close + 1]
                    i = close + 1
                    continue
            out.append(lines[i])
            i += 1
        cell.source = "\n".join(out)


def frontmatter_cell(nb, start: int) -> None:
    i = index_of(nb, FRONTMATTER_ID)
    if i is not None:
        nb.cells.pop(i)
    if start > 1 and labelled_equations(nb):
        source = f"---\nnumbering:\n  equation:\n    start: {start}\n---"
        colab = index_of(nb, COLAB_ID)
        at = 0 if colab is None else colab + 1
        nb.cells.insert(at, new_cell("markdown", source, FRONTMATTER_ID, ["remove-cell"]))
