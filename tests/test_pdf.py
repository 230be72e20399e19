"""``make pdf`` (tools/pdf.py): the whole book in one PDF, read back with poppler's pdftotext and pdfimages.

The PDF is printed, as ``make pdf`` does, from the book the session builds (``book_build``, shared with
tests/test_browser.py), into ``_build/pdf/minidl.pdf`` for a person to look at. The expected chapter titles
come from the HTML pages' ``<h1>``, in ``_toc.yml`` order. Without Chromium or Playwright these tests skip
(tests/book_fixtures.py); without poppler-utils too (``apt-get install poppler-utils``; .ci/run installs it).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from book_fixtures import HTML, ROOT

from tools.pdf import toc_pages

PDF = ROOT / "_build" / "pdf" / "minidl.pdf"
PAGES = toc_pages()
RAW_TEX = re.compile(r"\\frac|\$\$|\\begin\{|\\\(|\\\[")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_title(path: str) -> str:
    """The page's ``<h1>`` without its tags and its ``#`` permalink."""
    page = (HTML / f"{path}.html").read_text(encoding="utf-8")
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert h1, f"{path}.html has no <h1>"
    inner = re.sub(r'<a class="headerlink".*?</a>', "", h1.group(1), flags=re.S)
    return squash(html.unescape(re.sub(r"<[^>]+>", "", inner)))


def content_images(path: str) -> int:
    """``<img>`` elements of the page's article: figures and explorer frames, not the theme's logos."""
    page = (HTML / f"{path}.html").read_text(encoding="utf-8")
    return len([src for src in re.findall(r'<img[^>]*\ssrc="([^"]+)"', page) if "_static/" not in src])


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not found: apt-get install poppler-utils")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def book_pdf(book_build) -> Path:
    if book_build is not None and book_build.returncode != 0:
        pytest.fail("the book did not build (see test_book_builds_without_warnings)")
    PDF.unlink(missing_ok=True)
    command = [sys.executable, str(ROOT / "tools" / "pdf.py"), "--html", str(HTML), "--out", str(PDF)]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "pdf: blocked" not in result.stdout, f"the print tried to leave the machine:\n{result.stdout[-2000:]}"
    return PDF


@pytest.fixture(scope="module")
def pages_text(book_pdf) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    return poppler("pdftotext", str(book_pdf), "-").split("\f")[:-1]


@pytest.fixture(scope="module")
def outline(book_pdf) -> list[tuple[str, int]]:
    from pypdf import PdfReader

    reader = PdfReader(book_pdf)
    return [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]


def test_every_chapter_title_is_in_the_pdf(pages_text):
    text = squash(" ".join(pages_text))
    missing = [t for t in map(html_title, PAGES) if t not in text]
    assert not missing, f"chapter titles missing from the PDF: {missing}"


def test_no_raw_tex(pages_text):
    raw = {i + 1: sorted(set(RAW_TEX.findall(page))) for i, page in enumerate(pages_text) if RAW_TEX.search(page)}
    assert not raw, f"raw TeX left in the PDF (MathJax did not typeset it), by page: {raw}"


def test_the_first_page_lists_the_chapters_in_order_with_their_pages(pages_text, outline):
    contents = squash(pages_text[0])
    assert "Contents" in contents
    titles = [html_title(p) for p in PAGES]
    expected = [f"{title} {page + 1}" for title, page in outline[1:]]
    assert [t for t, _ in outline] == ["Contents", *titles], "the bookmarks are not the chapters in _toc.yml order"
    positions = [contents.find(entry) for entry in expected]
    assert -1 not in positions, f"contents page lacks {[e for e, p in zip(expected, positions, strict=True) if p < 0]}"
    assert positions == sorted(positions), "the contents page is not in _toc.yml order"


def test_each_contents_entry_links_to_its_chapter(book_pdf, outline):
    """The links of the contents page, in order: each covers its entry's text and opens the chapter's page."""
    from pypdf import PdfReader

    reader = PdfReader(book_pdf)
    height = float(reader.pages[0].mediabox.height)
    links = []
    for annotation in reader.pages[0].get("/Annots", []):
        annotation = annotation.get_object()
        if annotation.get("/Subtype") != "/Link":
            continue
        x0, y0, x1, y1 = (float(v) for v in annotation["/Rect"])
        box = {"-x": int(x0), "-y": int(height - y1), "-W": int(x1 - x0) + 1, "-H": int(y1 - y0) + 1}
        crop = [str(v) for item in box.items() for v in item]
        text = squash(poppler("pdftotext", "-f", "1", "-l", "1", *crop, str(book_pdf), "-"))
        target = annotation["/Dest"][0]
        page = next(i for i, pg in enumerate(reader.pages) if pg.indirect_reference == target)
        links.append((text, page))
    assert links == [(f"{title} {page + 1}", page) for title, page in outline[1:]]


def test_each_chapter_starts_on_the_page_its_bookmark_names(pages_text, outline):
    firsts = [page for _, page in outline]
    assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)
    wrong = [title for title, page in outline[1:] if title not in squash(pages_text[page])]
    assert not wrong, f"chapters that do not start on their bookmarked page: {wrong}"


def test_every_page_is_numbered(pages_text):
    n = len(pages_text)
    unnumbered = [i for i, page in enumerate(pages_text, 1) if f"{i} / {n}" not in page]
    assert not unnumbered, f"pages without their number 'i / {n}': {unnumbered[:20]}"


def test_the_figures_are_in(book_pdf, outline, pages_text):
    """Each chapter's page range holds at least as many images as its HTML page shows."""
    bounds = [page for _, page in outline[1:]] + [len(pages_text)]
    short = {}
    for path, first, end in zip(PAGES, bounds[:-1], bounds[1:], strict=True):
        listed = poppler("pdfimages", "-list", "-f", str(first + 1), "-l", str(end), str(book_pdf)).splitlines()[2:]
        if len(listed) < content_images(path):
            short[path] = (len(listed), content_images(path))
    assert sum(map(content_images, PAGES)) > 10, "the HTML scan found too few figures to check anything"
    assert not short, f"chapters with fewer images in the PDF than in the HTML (pdf, html): {short}"


def test_without_chromium_the_browser_and_pdf_tests_skip_even_in_ci(tmp_path):
    """CHROMIUM naming no file stands for a machine without Chromium: the tests skip and say why."""
    env = {**os.environ, "CI": "true", "CHROMIUM": str(tmp_path / "no-chromium")}
    node_ids = ["tests/test_browser.py::test_every_page_of_the_toc_is_built",
                "tests/test_pdf.py::test_every_chapter_title_is_in_the_pdf"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *node_ids],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "2 skipped" in out and f"CHROMIUM={tmp_path / 'no-chromium'} is not a file" in out, out[-3000:]
