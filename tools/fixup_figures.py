"""Step 3 of tools/notebook_fixups.py: each ```{glue:figure} block becomes the figure options of its cell.

The cell that draws the figure gets cell metadata ``mystnb.figure`` (name and caption; myst-nb renders its
output as the numbered, captioned, referenceable figure) and shows the figure (``plt.show()`` instead of
glue + ``plt.close``). A markdown cell (id ``<name>-caption``, tagged ``remove-cell``) after it carries the
caption, numbered as in the book, for JupyterLab and Colab. A cell that draws two figures is split in two;
a markdown cell with a figure block in its middle is split at the block. See notebook_fixups.py's
docstring, step 3.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.fixup_cells import index_of, new_cell, tags

FIG_BLOCK = re.compile(r"^```\{glue:figure\}[ \t]*(?P<key>[\w-]+)[ \t]*\n(?P<opts>(?::[^\n]*\n)*)\n?"
                       r"(?P<caption>.*?)\n```[ \t]*\n?", re.S | re.M)
FIG_GLUE = re.compile(r'^[ \t]*glue\("(?P<key>fig-[\w-]+)", (?P<var>\w+), display=False\)[^\n]*\n', re.M)


def split_code_cells_with_two_figures(nb) -> None:
    i = 0
    while i < len(nb.cells):
        cell = nb.cells[i]
        glued = list(FIG_GLUE.finditer(cell.source)) if cell.cell_type == "code" else []
        if len(glued) > 1:
            first = glued[0]
            close = re.compile(rf"^plt\.close\({first['var']}\)[ \t]*\n", re.M).search(cell.source, first.end())
            if close is None:
                raise SystemExit(f"cell {cell.id}: glue({first['key']!r}) and no plt.close({first['var']}) to split at")
            rest = cell.source[close.end():].lstrip("\n")
            cell.source = cell.source[:close.end()].rstrip("\n")
            cell.outputs = []
            nb.cells.insert(i + 1, new_cell("code", rest, f"{cell.id[:40]}-{glued[1]['key']}"[:64],
                                            [t for t in tags(cell) if t != "hide-input"]))
        i += 1


def split_markdown_at_figure_blocks(nb) -> None:
    i = 0
    while i < len(nb.cells):
        cell = nb.cells[i]
        if cell.cell_type == "markdown":
            m = next((b for b in FIG_BLOCK.finditer(cell.source) if b.start() > 0), None)
            if m:
                before, after = cell.source[:m.start()].rstrip("\n"), cell.source[m.start():]
                cell.source = before
                nb.cells.insert(i + 1, new_cell("markdown", after, f"{cell.id[:40]}-{m['key']}"[:64], tags(cell)))
        i += 1


def caption_cell_source(number: int, caption: str) -> str:
    return f"**Fig. {number}.** {caption}"


def convert_figure_blocks(nb, path: Path) -> None:
    i = 0
    while i < len(nb.cells):
        cell = nb.cells[i]
        m = FIG_BLOCK.match(cell.source) if cell.cell_type == "markdown" else None
        if not m:
            i += 1
            continue
        key = m["key"]
        opts = dict(re.findall(r"^:(\w+):[ \t]*(.*)$", m["opts"], re.M))
        code_i = next((j for j, c in enumerate(nb.cells) if c.cell_type == "code"
                       and re.search(rf'glue\("{re.escape(key)}", \w+, display=False\)', c.source)), None)
        if code_i is None or code_i > i:
            raise SystemExit(f"{path.name}: no cell before the figure block glues {key!r}")
        if all(c.cell_type == "markdown" for c in nb.cells[code_i + 1:i]):
            code = nb.cells.pop(code_i)  # down to the block, past prose only
            nb.cells.insert(i - 1, code)
        else:  # code cells in between: the block's cell moves up to its figure instead
            nb.cells.insert(code_i + 1, nb.cells.pop(i))
            i = code_i + 1
            code = nb.cells[code_i]
        glued = FIG_GLUE.search(code.source)
        var = glued["var"]
        src = code.source[:glued.start()] + code.source[glued.end():]
        src, n = re.subn(rf"^plt\.close\({var}\)[ \t]*$", "plt.show()", src, count=1, flags=re.M)
        if not n:
            src = src.rstrip("\n") + "\nplt.show()"
        code.source = src.rstrip("\n")
        figure = {"name": opts.get("name", key), "caption": re.sub(r"\s*\n\s*", " ", m["caption"].strip())}
        code.metadata.setdefault("mystnb", {})["figure"] = figure
        rest = cell.source[m.end():].lstrip("\n")
        if rest:
            cell.source = rest
            i += 1
        else:
            nb.cells.pop(i)


def figures(nb) -> list[dict]:
    return [c.metadata["mystnb"]["figure"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("mystnb", {}).get("figure")]


def sync_caption_cells(nb, first: int = 1) -> None:
    """Each figure cell is followed by its caption for JupyterLab, taken from the cell's figure options, and
    numbered as the book numbers it (``first``: the book's number of the notebook's first figure)."""
    number = first - 1
    for cell in list(nb.cells):
        figure = cell.metadata.get("mystnb", {}).get("figure") if cell.cell_type == "code" else None
        if not figure:
            continue
        number += 1
        cap_id = f"{figure['name']}-caption"[:64]
        j = index_of(nb, cap_id)
        if j is not None:
            nb.cells.pop(j)
        at = index_of(nb, cell.id) + 1
        nb.cells.insert(at, new_cell("markdown", caption_cell_source(number, figure["caption"]), cap_id,
                                     ["remove-cell"]))
