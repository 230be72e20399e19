"""The whole book as one PDF, printed from the built HTML by Chromium: ``make pdf``.

    python tools/pdf.py [--html _build/html] [--out _build/pdf/minidl.pdf]

No LaTeX. ``_build/html`` is served on 127.0.0.1 and every request that is not for that server is
blocked, so the print is offline. Each page of ``_toc.yml``, in order, is opened in Debian's Chromium
(``$CHROMIUM``, else ``chromium`` on PATH, else ``/usr/bin/chromium``; driven by Playwright, never a
downloaded browser). The script waits until MathJax has typeset every equation and every image has loaded
(it fails otherwise), then prints the page with ``page.pdf`` (A4, the chapter's title in the header).
A generated first page lists the chapters with their page numbers (each entry a link); pypdf merges the pieces, stamps
every page's number at its foot (a page printed by Chromium, laid over each page) and adds a bookmark
(PDF outline) per chapter.
What Chromium prints besides the chapters (the print CSS, the header, the contents and page-number pages)
is in ``tools/pdf_pages.py``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import io
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, this file's folder is on the path, not the repository
    sys.path.insert(0, str(ROOT))
from tools.pdf_pages import (  # noqa: E402
    A4,
    A4_MARGIN_MM,
    A4_PAGE_MM,
    MM,
    PRINT_CSS,
    WAIT_FOR_PAGE,
    contents_html,
    header,
    numbers_html,
)


def chromium_path() -> str | None:
    """``$CHROMIUM`` if set (None if it names no file: a wrong path is not silently replaced), else
    ``chromium`` on PATH, else Debian's ``/usr/bin/chromium``; None if there is none."""
    chosen = os.environ.get("CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def no_chromium_reason() -> str:
    chosen = os.environ.get("CHROMIUM")
    if chosen:
        return f"CHROMIUM={chosen} is not a file"
    return "no Chromium found (chromium on PATH, /usr/bin/chromium; or set CHROMIUM=/path/to/chromium)"


def toc_pages(toc_file: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page of the book in reading order: the root, then each ``file`` of _toc.yml, without suffix."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for key, value in node.items():
                if key != "root":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return [str(Path(p).with_suffix("")) for p in pages]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def build_pdf(html_dir: Path, out: Path, chromium: str, pages: list[str] | None = None) -> dict:
    """Print the book in ``html_dir`` into ``out``; return ``{"chapters": [(title, first page)], ...}``."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    pages = pages or toc_pages()
    missing = [p for p in pages if not (html_dir / f"{p}.html").is_file()]
    if missing:
        raise SystemExit(f"pdf: {html_dir} lacks {missing}; build the book first (make book)")
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    book_title = str(config.get("title", "minidl"))
    server, base = serve(html_dir)
    blocked: list[str] = []
    chapters: list[tuple[str, bytes]] = []
    problems: list[str] = []
    start = time.perf_counter()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--disable-gpu"])
            context = browser.new_context(viewport={"width": 1100, "height": 1400}, color_scheme="light")
            context.add_init_script("localStorage.setItem('mode', 'light'); localStorage.setItem('theme', 'light');")

            def route(r):
                if r.request.url.startswith(base) or r.request.url.startswith("data:"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            for path in pages:
                page.goto(base + path + ".html", wait_until="load")
                page.add_style_tag(content=PRINT_CSS)
                state = page.evaluate(WAIT_FOR_PAGE)
                if state["raw"] or state["mathErrors"]:
                    problems.append(f"{path}: equations not typeset: {(state['raw'] + state['mathErrors'])[:3]}")
                if state["brokenImages"]:
                    problems.append(f"{path}: images that did not load: {state['brokenImages'][:3]}")
                pdf = page.pdf(**A4, print_background=True, display_header_footer=True,
                               header_template=header(state["title"]),
                               footer_template="<span></span>")
                chapters.append((state["title"], pdf))
                print(f"pdf: {path}: {state['title']!r}, {len(PdfReader(io.BytesIO(pdf)).pages)} pages", flush=True)
            if problems:
                raise SystemExit("pdf: the book did not render completely:\n" + "\n".join(problems))

            def print_html(markup: str, **options) -> bytes:
                page.set_content(markup, wait_until="load")
                return page.pdf(**A4, **options)

            counts = [len(PdfReader(io.BytesIO(pdf)).pages) for _, pdf in chapters]
            # The contents page's length does not depend on the numbers in it: measure it, then fill them in.
            draft = print_html(contents_html(book_title, [(title, 0) for title, _ in chapters]))
            toc_count = len(PdfReader(io.BytesIO(draft)).pages)
            firsts = [toc_count + 1 + sum(counts[:i]) for i in range(len(counts))]
            entries = [(title, first) for (title, _), first in zip(chapters, firsts, strict=True)]
            contents = print_html(contents_html(book_title, entries))
            # Where each entry lies on the printed page (a viewport as wide as the printed text), for its link.
            page.set_viewport_size({"width": round((A4_PAGE_MM[0] - 2 * A4_MARGIN_MM[0]) * 96 / 25.4), "height": 1000})
            page.emulate_media(media="print")
            boxes = page.evaluate("() => [...document.querySelectorAll('li')].map(e => {"
                                  "const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
            total = toc_count + sum(counts)
            numbers = print_html(numbers_html(total), display_header_footer=True, header_template="<span></span>",
                                 footer_template='<div style="font-size:9px; width:100%; text-align:center;">'
                                 '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
            browser.close()
    finally:
        server.shutdown()
        server.server_close()

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(contents)))
    for _, pdf in chapters:
        writer.append(PdfReader(io.BytesIO(pdf)))
    overlay = PdfReader(io.BytesIO(numbers))
    if len(overlay.pages) != len(writer.pages):
        raise SystemExit(f"pdf: {len(overlay.pages)} page numbers for {len(writer.pages)} pages")
    for page, number in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(number)
    if toc_count == 1:  # each entry of the contents page links to its chapter
        from pypdf.annotations import Link

        height = A4_PAGE_MM[1] * MM
        for (left, top, right, bottom), (_, first) in zip(boxes, entries, strict=True):
            x0, y0 = A4_MARGIN_MM[0] * MM, height - A4_MARGIN_MM[1] * MM
            rect = (x0 + 0.75 * left, y0 - 0.75 * bottom, x0 + 0.75 * right, y0 - 0.75 * top)
            writer.add_annotation(page_number=0, annotation=Link(rect=rect, target_page_index=first - 1))
    writer.add_outline_item(title="Contents", page_number=0)
    for title, first in entries:
        writer.add_outline_item(title=title, page_number=first - 1)
    writer.add_metadata({"/Title": book_title, "/Creator": "minidl tools/pdf.py (Chromium page.pdf, pypdf)"})
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as f:
        writer.write(f)
    if blocked:
        print(f"pdf: blocked {len(blocked)} requests that would have left the machine: {sorted(set(blocked))[:5]}")
    print(f"pdf: wrote {out} ({total} pages, {len(chapters)} chapters) in {time.perf_counter() - start:.0f} s")
    return {"chapters": entries, "pages": total, "blocked": blocked}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/pdf.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built book (make book)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "minidl.pdf", help="the PDF to write")
    args = parser.parse_args(argv)
    chromium = chromium_path()
    if chromium is None:
        print(f"pdf: {no_chromium_reason()}; apt-get install chromium", file=sys.stderr)
        return 2
    build_pdf(args.html, args.out, chromium)
    return 0


if __name__ == "__main__":
    sys.exit(main())
