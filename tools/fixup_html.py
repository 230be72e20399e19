"""Steps 5 and 6 of tools/notebook_fixups.py: the HTML book reads well.

The set-up cell (the imports) and the cells that draw figures are tagged ``hide-input``; the intro's package
map comes from ``minidl.book.package_map()``, and the linear chapter's glue loop no longer prints every
key. See notebook_fixups.py's docstring, steps 5 and 6.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.fixup_cells import add_tag
from tools.fixup_colab import COLAB_ID


def hide_boilerplate(nb) -> None:
    code = [c for c in nb.cells if c.cell_type == "code" and c.get("id") != COLAB_ID]
    if code and re.match(r"^(import|from) ", code[0].source):
        add_tag(code[0], "hide-input")
    for cell in code:
        if cell.metadata.get("mystnb", {}).get("figure"):
            add_tag(cell, "hide-input")


PACKAGE_MAP = '''\
from IPython.display import Markdown

from minidl.book import package_map

Markdown(package_map())'''


def page_fixes(nb, path: Path) -> None:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if path.stem == "intro" and "pkgutil.iter_modules(minidl.__path__)" in cell.source:
            cell.source = PACKAGE_MAP
        if path.stem == "02_linear":
            dump = r"^    print\(f\"\{name:<20\} \{value\}\"\)\n?"
            cell.source = re.sub(dump, "", cell.source, flags=re.M).rstrip("\n")
    if path.stem == "intro":  # the map no longer needs these imports
        code = [c for c in nb.cells if c.cell_type == "code"]
        for name in ("inspect", "pkgutil"):
            if not any(f"{name}." in c.source for c in code):
                for c in code:
                    c.source = re.sub(rf"^import {name}\n", "", c.source, flags=re.M).lstrip("\n")
