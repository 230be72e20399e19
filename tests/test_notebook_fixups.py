"""The notebooks as a learner runs them (issue 11): tools/notebook_fixups.py has been run, and is a no-op again."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("notebook_fixups", ROOT / "tools" / "notebook_fixups.py")
fixups = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixups)

NOTEBOOKS = fixups.toc_notebooks()
URL = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"].rstrip("/")


@pytest.mark.slow
def test_the_committed_notebooks_are_what_the_script_makes(tmp_path, monkeypatch):
    for name in ("book", "tools"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("_build", "__pycache__"))
    for name in ("_toc.yml", "_config.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    monkeypatch.setattr(fixups, "ROOT", tmp_path)
    changed = [p.name for p in fixups.toc_notebooks()
               if fixups.fix(p, fixups.equation_starts()[p.resolve()], fixups.repository_url())]
    assert not changed, f"run `python tools/notebook_fixups.py` and commit: it still changes {changed}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_runs_as_a_learner_opens_it(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.id == fixups.COLAB_ID and f"git+{URL}" in first.source
    assert {"remove-cell", "nbval-skip"} <= set(first.metadata["tags"])
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "myst_nb" not in code, "glue comes from minidl.book"
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    text = "\n".join(c.source for c in markdown)
    assert "{glue:figure}" not in text, "jupyterlab-myst shows it as an Unknown Directive"
    bare = [line for line in text.splitlines() if line.strip() == "$$"]
    labelled = fixups.LABELLED.findall(text)
    assert len(bare) == len(labelled), "an unlabelled $$ display: JupyterLab would number it"
    for cell in nb.cells:
        figure = cell.metadata.get("mystnb", {}).get("figure")
        if figure:
            assert "plt.show()" in cell.source and "hide-input" in cell.metadata["tags"]
            caption = nb.cells[nb.cells.index(cell) + 1]
            assert caption.id == f"{figure['name']}-caption" and caption.metadata["tags"] == ["remove-cell"]


def test_the_book_numbers_match_jupyterlabs():
    """JupyterLab numbers a notebook's labelled equations from its front matter's start; the book across pages."""
    count = 0
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        labelled = fixups.labelled_equations(nb)
        front = [c for c in nb.cells if c.get("id") == fixups.FRONTMATTER_ID]
        if labelled and count:
            start = yaml.safe_load(front[0].source.strip("-\n"))["numbering"]["equation"]["start"]
            assert start == count + 1, path.name
            assert nb.cells.index(front[0]) < min(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                                                  and c is not front[0]), "front matter must be the first markdown"
        else:
            assert not front, path.name
        count += len(labelled)
    linear = fixups.labelled_equations(nbformat.read(ROOT / "book" / "02_linear.ipynb", as_version=4))
    assert linear[:2] == ["eq-linear", "eq-linear-backward"]  # the report's (1) and (2) open the count


def test_the_figure_block_conversion_splits_a_cell_with_two_figures():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('fig = 1\nglue("fig-a", fig, display=False)\nplt.close(fig)\n'
                                  'fig = 2\nglue("fig-b", fig, display=False)\nplt.close(fig)'),
        nbformat.v4.new_markdown_cell("```{glue:figure} fig-a\n:name: fig-a\n\nCaption a.\n```\n\nText a.\n\n"
                                      "```{glue:figure} fig-b\n:name: fig-b\n\nCaption\nb.\n```\n\nText b."),
    ]
    fixups.split_code_cells_with_two_figures(nb)
    fixups.split_markdown_at_figure_blocks(nb)
    fixups.convert_figure_blocks(nb, Path("x.ipynb"))
    fixups.sync_caption_cells(nb)
    kinds = [(c.cell_type, re.sub(r"\s+", " ", c.source)[:20]) for c in nb.cells]
    assert kinds == [("code", "fig = 1 plt.show()"), ("markdown", "**Fig. 1.** Caption "), ("markdown", "Text a."),
                     ("code", "fig = 2 plt.show()"), ("markdown", "**Fig. 2.** Caption "), ("markdown", "Text b.")]
    assert nb.cells[3].metadata["mystnb"]["figure"] == {"name": "fig-b", "caption": "Caption b."}


def test_glued_numbers_are_cited_with_eval_and_filled_for_jupyterlab():
    record = {"scrapbook": {"name": "eps", "mime_prefix": "application/papermill.record/"}}
    code = nbformat.v4.new_code_cell('eps = 1.1920929e-07\nglue("eps", float(f"{eps:.3g}"), display=False)\n'
                                     'err = 0.123\nglue("err", err, display=False)',
                                     outputs=[nbformat.v4.new_output("display_data", {"application/papermill."
                                              "record/text/plain": "1.19e-07"}, metadata=record)])
    code.metadata["mystnb"] = {"figure": {"name": "fig-a", "caption": "Within {glue:text}`eps:.1e`."}}
    prose = nbformat.v4.new_markdown_cell("Off by {glue:text}`err`, at least {glue:text}`eps`.")
    nb = nbformat.v4.new_notebook(cells=[code, prose])
    fixups.cite_with_eval(nb)
    fixups.rename_shadowing_keys(nb)
    fixups.fill_user_expressions(nb)
    # eps is a variable of the notebook, glued rounded: binding the key would change it, so it is renamed
    assert 'glue("eps_cited", float' in code.source and 'glue("err", err,' in code.source
    assert prose.source == "Off by {eval}`err`, at least {eval}`eps_cited`."
    assert code.metadata["mystnb"]["figure"]["caption"] == 'Within {eval}`format(eps_cited, ".1e")`.'
    assert code.outputs[0].metadata["scrapbook"]["name"] == "eps_cited"
    # err has no glued output yet (not executed since): JupyterLab gets only what the outputs hold
    assert prose.metadata["user_expressions"] == [
        {"expression": "eps_cited", "result": {"status": "ok", "data": {"text/plain": "1.19e-07"}, "metadata": {}}}]
    before = nbformat.writes(nb)
    fixups.cite_with_eval(nb)
    fixups.rename_shadowing_keys(nb)
    fixups.fill_user_expressions(nb)
    assert nbformat.writes(nb) == before
