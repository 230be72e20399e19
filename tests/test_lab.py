"""The chapters in JupyterLab with jupyterlab-myst, as ``make lab`` starts it (issue 11).

JupyterLab serves a copy of ``book/`` (so that no checkpoint lands in the repository), and Debian's Chromium
(``/usr/bin/chromium``, driven by Playwright, every request off the local server blocked) opens two chapters,
the linear and the softmax one, which hold the report's equations (1)-(4). In each:

* the math is rendered (KaTeX) and no raw ``{eq}``, ``$$`` or "Unknown Directive" is left in the rendered text;
* each labelled equation shows the book's number (the report's, for (1)-(5)), and no unlabelled display a number;
* each figure cell (``mystnb.figure``) shows an image, and its caption the figure's number in the book;
* every solution is collapsed;
* no glued number shows its key: each ``{eval}`key``` shows the value stored in its cell's ``user_expressions``.

The notebooks are tested with their committed outputs, as a learner gets them; ``MINIDL_LAB_NOTEBOOKS=DIR``
tests executed copies in DIR instead. Screenshots go to ``_build/screenshots/lab-<chapter>.png``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from book_pages import SHOTS  # the session's Chromium is the `browser` fixture (tests/book_fixtures.py)
from lab_server import jupyter_lab

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["02_linear", "05_softmax"]
spec = importlib.util.spec_from_file_location("notebook_fixups", ROOT / "tools" / "notebook_fixups.py")
fixups = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixups)

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the open notebook, not another tab
# textContent, not innerText: JupyterLab skips rendering the cells out of view (content-visibility), and
# innerText of those is empty. KaTeX's MathML copy (which holds the TeX source) is left out.
RENDERED_TEXT = """panel => [...document.querySelector(panel).querySelectorAll('.jp-MarkdownCell .myst')].map(el => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement.closest('.katex-mathml, script, style')) parts.push(n.textContent);
  }
  return parts.join('');
}).join('\\n')"""

EQUATIONS = """panel => [...document.querySelector(panel).querySelectorAll('.jp-MarkdownCell .katex-display')]
  .map(d => {
  const box = d.closest('.flex.group') || d.parentElement.parentElement;
  const link = box.querySelector('a[title="Link to this Equation"]');
  return {id: box.id || null, number: link ? link.textContent.trim() : null};
})"""

DETAILS = """panel => [...document.querySelector(panel).querySelectorAll('.jp-MarkdownCell details')]
  .map(d => ({open: d.open, text: d.innerText.slice(0, 40)}))"""


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory):  # noqa: F811 - the fixture imported above
    """JupyterLab on a copy of book/ (or of MINIDL_LAB_NOTEBOOKS), as `make lab` runs it; yields its URL."""
    root = tmp_path_factory.mktemp("lab") / "book"
    source = Path(os.environ.get("MINIDL_LAB_NOTEBOOKS") or ROOT / "book")
    root.mkdir()
    for name in CHAPTERS:
        shutil.copy(source / f"{name}.ipynb", root)
    with jupyter_lab(root, root.parent / "lab.log") as url:
        yield url


def expected_numbers(name: str) -> dict[str, str]:
    """The book's number of each labelled equation of the chapter: counted across _toc.yml's pages."""
    starts = fixups.equation_starts()
    path = ROOT / "book" / f"{name}.ipynb"
    labels = fixups.labelled_equations(nbformat.read(path, as_version=4))
    return {label: f"({starts[path.resolve()] + i})" for i, label in enumerate(labels)}


def glue_keys(nb) -> set[str]:
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return set(re.findall(r'glue\(\s*"(\w+)"', code)) | set(re.findall(r'glue\(\s*f"(\w+)_\{', code))


def open_chapter(browser, url: str, name: str):  # noqa: F811
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    page = context.new_page()
    page.goto(f"{url}/lab/tree/{name}.ipynb?reset&token=minidl")  # reset: no tab of an earlier test
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell .katex", state="attached", timeout=120_000)
    cells = len(nbformat.read(ROOT / "book" / f"{name}.ipynb", as_version=4).cells)
    for _ in range(60):  # JupyterLab attaches the cells below the fold while idle: scroll through to the end
        page.evaluate("panel => document.querySelector(panel).querySelector('.jp-WindowedPanel-outer')"
                      ".scrollBy(0, 2000)", PANEL)
        page.wait_for_timeout(500)
        if page.locator(f"{PANEL} .jp-Cell").count() >= cells and page.locator(f"{PANEL} details").count():
            break
    page.wait_for_timeout(5000)  # the notebook-wide MyST pass (numbers, references) follows the cells
    return context, page


@pytest.fixture(scope="module")
def chapters(browser, lab):  # noqa: F811
    """Each chapter opened once: what the tests look at, and its screenshot."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    for name in CHAPTERS:
        context, page = open_chapter(browser, lab, name)
        try:
            figures = []
            for cell in page.locator(f"{PANEL} .jp-CodeCell").all():
                figures.append(cell.locator(".jp-OutputArea-output img").count())
            seen[name] = {
                "text": page.evaluate(RENDERED_TEXT, PANEL),
                "equations": page.evaluate(EQUATIONS, PANEL),
                "figures": figures,
                "katex": page.locator(f"{PANEL} .jp-MarkdownCell .katex").count(),
                "details": page.evaluate(DETAILS, PANEL),
            }
            page.evaluate("panel => document.querySelector(panel).querySelector('.jp-WindowedPanel-outer')"
                          ".scrollTo(0, 0)", PANEL)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(SHOTS / f"lab-{name}.png"))
        finally:
            context.close()
    return seen


@pytest.mark.parametrize("name", CHAPTERS)
def test_math_and_markup_are_rendered(chapters, name):
    seen = chapters[name]
    assert seen["katex"] > 10 and len(seen["text"]) > 3000, f"{name}: the MyST cells were not rendered"
    for raw in ("{eq}", "$$", "Unknown Directive", "{glue:figure}", "{solution}", "{exercise}", "\\begin{"):
        assert raw not in seen["text"], f"{name}: {raw!r} left in the rendered notebook"


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_equation_numbers_are_the_books(chapters, name):
    numbers = {e["id"]: e["number"] for e in chapters[name]["equations"]}
    expected = expected_numbers(name)
    assert {label: numbers.get(label) for label in expected} == expected
    unlabelled = [e for e in chapters[name]["equations"] if e["id"] not in expected and e["number"]]
    assert not unlabelled, f"{name}: numbered displays without a label: {unlabelled}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_each_figure_shows_an_image(chapters, name):
    nb = nbformat.read(ROOT / "book" / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    wanted = [i for i, c in enumerate(code) if c.metadata.get("mystnb", {}).get("figure")]
    assert wanted, f"{name} has no figure cell"
    missing = [code[i].metadata["mystnb"]["figure"]["name"] for i in wanted if not chapters[name]["figures"][i]]
    assert not missing, f"{name}: figures with no image in JupyterLab (re-execute the notebook): {missing}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_each_figure_caption_has_the_books_number(chapters, name):
    path = ROOT / "book" / f"{name}.ipynb"
    count = len(fixups.figures(nbformat.read(path, as_version=4)))
    first = fixups.figure_starts()[path.resolve()]
    missing = [n for n in range(first, first + count) if f"Fig. {n}." not in chapters[name]["text"]]
    assert count and not missing, f"{name}: captions without their number in the book: {missing}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_solutions_are_collapsed(chapters, name):
    nb = nbformat.read(ROOT / "book" / f"{name}.ipynb", as_version=4)
    solutions = sum(c.source.count("{solution}") for c in nb.cells if c.cell_type == "markdown")
    assert solutions
    closed = [d for d in chapters[name]["details"] if not d["open"] and d["text"].startswith("Solution")]
    assert len(closed) >= solutions, chapters[name]["details"]
    assert not any(d["open"] for d in chapters[name]["details"])


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_glue_key_is_shown(chapters, name):
    nb = nbformat.read(ROOT / "book" / f"{name}.ipynb", as_version=4)
    shown = sorted(k for k in glue_keys(nb) if re.search(rf"\b{re.escape(k)}\b", chapters[name]["text"]))
    assert not shown, f"{name}: glue keys shown instead of values: {shown}"
