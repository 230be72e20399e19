"""Make the chapters work as a learner runs them (issue 11): `python tools/notebook_fixups.py [book/X.ipynb ...]`.

Idempotent and mechanical: run it again after any edit to the notebooks (it changes only what is not yet
right) and then re-execute them (`make execute`). It edits sources, tags and metadata through nbformat,
keeping every cell id, and never executes anything. Without arguments it fixes every notebook of _toc.yml.

What it does, per notebook (each step in a module of its own: 1 and 2 in tools/fixup_colab.py, 3 in
tools/fixup_figures.py, 4 in tools/fixup_equations.py, 5 and 6 in tools/fixup_html.py, 7 in
tools/eval_citations.py; ``fix`` below runs them in order):

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

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]


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


# -- the steps, one module each (tools/fixup_*.py, tools/eval_citations.py), re-exported here -----------

on_path()
from tools.eval_citations import cite_with_eval, fill_user_expressions, rename_shadowing_keys  # noqa: E402
from tools.fixup_cells import add_tag, index_of, new_cell, tags  # noqa: E402
from tools.fixup_colab import COLAB_ID, COLAB_SOURCE, colab_cell, fix_imports  # noqa: E402
from tools.fixup_equations import (  # noqa: E402
    FRONTMATTER_ID,
    LABELLED,
    frontmatter_cell,
    labelled_equations,
    unnumber_unlabelled,
    visible_markdown,
)
from tools.fixup_figures import (  # noqa: E402
    FIG_BLOCK,
    FIG_GLUE,
    caption_cell_source,
    convert_figure_blocks,
    figures,
    split_code_cells_with_two_figures,
    split_markdown_at_figure_blocks,
    sync_caption_cells,
)
from tools.fixup_html import PACKAGE_MAP, hide_boilerplate, page_fixes  # noqa: E402

__all__ = [
    "cite_with_eval", "fill_user_expressions", "rename_shadowing_keys",
    "add_tag", "index_of", "new_cell", "tags",
    "COLAB_ID", "COLAB_SOURCE", "colab_cell", "fix_imports",
    "FRONTMATTER_ID", "LABELLED", "frontmatter_cell", "labelled_equations", "unnumber_unlabelled", "visible_markdown",
    "FIG_BLOCK", "FIG_GLUE", "caption_cell_source", "convert_figure_blocks", "figures",
    "split_code_cells_with_two_figures", "split_markdown_at_figure_blocks", "sync_caption_cells",
    "PACKAGE_MAP", "hide_boilerplate", "page_fixes",
]  # fmt: skip


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
