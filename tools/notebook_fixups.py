"""Make the chapters work as a learner runs them (issue 11): `python tools/notebook_fixups.py [book/X.ipynb ...]`.

Idempotent and mechanical: run it again after any edit to the notebooks (it changes only what is not yet
right) and then re-execute them (`make execute`). It edits sources, tags and metadata through nbformat,
keeping every cell id, and never executes anything. Without arguments it fixes every notebook of _toc.yml.

What it does, per notebook:

1. glue comes from the package: `from myst_nb import glue` becomes `from minidl.book import glue`.
2. A first code cell (id `colab-install`) installs minidl from the repository when `google.colab` can be
   imported; tagged `remove-cell` (not in the HTML) and `nbval-skip`. The URL is `repository.url` of
   _config.yml, the one place it is set.
3. Figures: a ```{glue:figure} block becomes the options of the cell that draws the figure
   (cell metadata `mystnb.figure`: name and caption; myst-nb renders its output as the numbered, captioned,
   referenceable figure), the cell shows the figure (`plt.show()` instead of glue + `plt.close`), so that
   it appears in the notebook too. A markdown cell (id `<name>-caption`, tagged `remove-cell`) after it
   carries the caption for JupyterLab and Colab, with the figure's number in the book ("Fig. 4."), counted
   over the notebooks of _toc.yml in order as the book numbers figures (jupyterlab-myst cannot number a
   figure that is a code cell's output). A cell that draws two figures is split in two, one per
   figure; a markdown cell with a figure block in its middle is split at the block.
4. Equations: JupyterLab (jupyterlab-myst) numbers every display per notebook, the book only the labelled
   ones, across the whole book. So an unlabelled `$$ ... $$` becomes `\\begin{equation*} ... \\end{equation*}`
   (unnumbered in both), and a notebook whose first labelled equation is not the book's (1) gets a first
   markdown cell (id `myst-frontmatter`, tagged `remove-cell`) with MyST front matter
   `numbering: equation: start: N`, N counted over the notebooks of _toc.yml in order.
5. HTML reading: the set-up cell (the imports) and the cells that draw figures are tagged `hide-input`.
6. Two pages: the intro's package map comes from `minidl.book.package_map()`; the linear chapter's glue
   loop no longer prints every key.
7. Numbers in the prose (in tools/eval_citations.py). JupyterLab shows a `{glue:text}` role as its key,
   so the prose (and each figure's caption) cites glued values with MyST's `{eval}` role instead:
   {glue:text}`k` becomes {eval}`k`, and
   {glue:text}`k:.1f` becomes {eval}`format(k, ".1f")`. `minidl.book.glue` binds `k` in the notebook, so a
   key that the notebook's code also assigns, glued with another value (`glue("eps", round(eps, 3))`), is
   renamed `k_cited` (in the glue call, its recorded output and the prose): binding it would change the
   code after it.
   Each markdown cell's `user_expressions` metadata (what jupyterlab-myst shows before any cell runs, and
   refills when the reader runs the cell) is filled from the glued outputs of the notebook as committed:
   the same text the HTML book renders (book/_ext/eval_glue.py). An unexecuted notebook gets none.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]

COLAB_ID = "colab-install"
FRONTMATTER_ID = "myst-frontmatter"
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

LABELLED = re.compile(r"^\$\$[ \t]*\((eq-[\w-]+)\)[ \t]*$", re.M)
FIG_BLOCK = re.compile(r"^```\{glue:figure\}[ \t]*(?P<key>[\w-]+)[ \t]*\n(?P<opts>(?::[^\n]*\n)*)\n?"
                       r"(?P<caption>.*?)\n```[ \t]*\n?", re.S | re.M)
FIG_GLUE = re.compile(r'^[ \t]*glue\("(?P<key>fig-[\w-]+)", (?P<var>\w+), display=False\)[^\n]*\n', re.M)


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/")


def on_path() -> None:
    if str(ROOT) not in sys.path:  # run as a script, this file's folder is on the path, not the repository
        sys.path.insert(0, str(ROOT))


def toc_notebooks() -> list[Path]:
    """The book's notebooks in reading order, as ``tools/pdf.py`` reads ``_toc.yml``."""
    on_path()
    from tools.pdf import toc_pages

    return [ROOT / f"{p}.ipynb" for p in toc_pages(ROOT / "_toc.yml") if (ROOT / f"{p}.ipynb").is_file()]


def tags(cell) -> list[str]:
    return cell.metadata.setdefault("tags", [])


def add_tag(cell, tag: str) -> None:
    if tag not in tags(cell):
        tags(cell).append(tag)


def visible_markdown(nb):
    return [c for c in nb.cells if c.cell_type == "markdown" and "remove-cell" not in c.metadata.get("tags", [])]


def labelled_equations(nb) -> list[str]:
    return [label for c in visible_markdown(nb) for label in LABELLED.findall(c.source)]


def new_cell(kind: str, source: str, cell_id: str, cell_tags: list[str]):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    cell.metadata["tags"] = list(cell_tags)
    return cell


def index_of(nb, cell_id: str) -> int | None:
    return next((i for i, c in enumerate(nb.cells) if c.get("id") == cell_id), None)


# -- 1, 2: imports and the Colab cell --------------------------------------------------------------


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


# -- 3: figures --------------------------------------------------------------------------------------


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


# -- 4: equations --------------------------------------------------------------------------------------


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


# -- 5, 6: HTML reading ---------------------------------------------------------------------------------


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


# -- 7: numbers in the prose (tools/eval_citations.py) ---------------------------------------------------

on_path()
from tools.eval_citations import cite_with_eval, fill_user_expressions, rename_shadowing_keys  # noqa: E402

__all__ = ["cite_with_eval", "fill_user_expressions", "rename_shadowing_keys"]


def fix(path: Path, start: int, url: str, first_figure: int | None = None) -> bool:
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    fix_imports(nb)
    split_code_cells_with_two_figures(nb)
    split_markdown_at_figure_blocks(nb)
    convert_figure_blocks(nb, path)
    if first_figure is None:
        first_figure = figure_starts().get(path.resolve(), 1)
    sync_caption_cells(nb, first_figure)
    unnumber_unlabelled(nb)
    page_fixes(nb, path)
    hide_boilerplate(nb)
    cite_with_eval(nb)
    rename_shadowing_keys(nb)
    if path.parent.name == "book":
        colab_cell(nb, url)
        frontmatter_cell(nb, start)
    fill_user_expressions(nb)
    for cell in nb.cells:
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    after = nbformat.writes(nb)
    if after != before:
        nbformat.validate(nb)
        nbformat.write(nb, path)
    return after != before


def numbering_starts(count) -> dict[Path, int]:
    """Each page's first number when the book counts ``count(nb)`` items per page across all pages of
    _toc.yml in order (numfig_secnum_depth: 0): labelled equations, or figures (Fig. 1 is the intro's)."""
    starts, total = {}, 0
    for path in toc_notebooks():
        starts[path.resolve()] = total + 1
        total += count(nbformat.read(path, as_version=4))
    return starts


def equation_starts() -> dict[Path, int]:
    return numbering_starts(lambda nb: len(labelled_equations(nb)))


def figure_starts() -> dict[Path, int]:
    return numbering_starts(lambda nb: len(figures(nb)))


def main(argv: list[str]) -> int:
    url = repository_url()
    paths = [Path(a).resolve() for a in argv] or toc_notebooks()
    # equation* first everywhere, so that the counts below see only the labelled displays
    starts, fig_starts = equation_starts(), figure_starts()
    for path in paths:
        changed = fix(path, starts.get(path.resolve(), 1), url, fig_starts.get(path.resolve(), 1))
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {'fixed' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
