"""The built book in a real browser, offline (issue 5).

The session builds the book (``jupyter-book build``, from the notebooks' committed outputs, which nbval
checks), serves ``_build/html`` on 127.0.0.1, and opens every page of ``_toc.yml`` in Debian's
Chromium (``/usr/bin/chromium``, driven by Playwright; no browser is ever downloaded), in light and in
dark mode, with every request that is not for the local server blocked. On each page:

* no console errors, no page errors, no failed or blocked requests;
* every equation typeset by MathJax (served from _build/html), and no raw ``$$``, ``\\frac``,
  ``\\(`` or ``\\[`` left in the text;
* every image loaded (``naturalWidth > 0``), and in dark mode no dark figure on a transparent
  background (it would vanish on the dark page);
* every static explorer responds: moving each slider, choosing in each list and pressing play
  changes the frame.

Screenshots of every page go to ``_build/screenshots/`` (``light/`` and ``dark/``) for a person to look at.
Without Chromium (``$CHROMIUM``, ``chromium`` on PATH, ``/usr/bin/chromium``) or Playwright the tests skip and
say so, on any machine (tests/book_fixtures.py). What runs inside each page: tests/book_pages.py.
JupyterLab with a live explorer: tests/test_lab_explorer.py; the launch buttons: tests/test_launch_links.py.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest
from book_fixtures import HTML  # the fixtures browser and book_build come through conftest.py
from book_pages import (
    DARK_ILLEGIBLE,
    LOAD_IMAGES,
    PAGES,
    SHOTS,
    VISIBLE_TEXT,
    WAIT_FOR_MATHJAX,
    check_explorers,
    open_page,
    page_name,
)


@pytest.fixture(scope="session")
def base_url(book_build) -> str:
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def test_book_builds_without_warnings(book_build):
    if book_build is None:
        pytest.skip(f"MINIDL_BOOK_HTML is set: testing the book in {HTML} as it is")
    log = book_build.stdout + book_build.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line and "Kernel is running over TCP" not in line]
    assert book_build.returncode == 0 and not warnings, "\n".join(warnings[:30] or log.splitlines()[-30:])


def test_every_page_of_the_toc_is_built(book_build):
    missing = [p for p in PAGES if not (HTML / f"{p}.html").is_file()]
    assert not missing, f"pages of _toc.yml missing from _build/html: {missing}"
    mathjax = HTML / "_static" / "mathjax" / "tex-chtml.js"
    assert mathjax.is_file(), "MathJax was not copied into _build/html (book/_ext/offline_book.py)"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_page_offline(browser, base_url, path, scheme):
    if not (HTML / f"{path}.html").is_file():
        pytest.fail(f"{path}.html was not built")
    context, page, problems = open_page(browser, base_url, path, scheme)
    try:
        math = page.evaluate(WAIT_FOR_MATHJAX)
        broken_images = page.evaluate(LOAD_IMAGES)
        text = page.evaluate(VISIBLE_TEXT)
        # "$\\" is inline TeX that MathJax never saw (e.g. a wrapped line opened a blockquote)
        raw_tex = sorted(set(re.findall(r"\$\$|\$\\|\\frac|\\begin\{|\\\(|\\\[", text)))
        illegible = page.evaluate(DARK_ILLEGIBLE) if scheme == "dark" else []
        theme = page.evaluate("document.documentElement.dataset.theme")
        page.evaluate("window.scrollTo(0, 0)")
        SHOTS.joinpath(scheme).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / scheme / f"{page_name(path)}.png"), full_page=True)
        explorers, unresponsive = check_explorers(page)
    finally:
        context.close()

    failures = []
    if theme != scheme:
        failures.append(f"the page shows the {theme} theme, not {scheme}")
    if problems["blocked"]:
        failures.append(f"requests that left the machine (blocked): {problems['blocked']}")
    if problems["failed"]:
        failures.append(f"failed requests: {problems['failed']}")
    if problems["console"]:
        failures.append(f"console errors: {problems['console']}")
    if math["maths"] and not math["loaded"]:
        failures.append(f"{math['maths']} equations but MathJax never started")
    elif math["maths"] and (math["raw"] or math["errors"]):
        failures.append(f"equations not typeset: {math['raw'][:5]}; MathJax errors: {math['errors'][:5]}")
    if raw_tex:
        failures.append(f"raw TeX left in the page's text: {raw_tex}")
    if broken_images:
        failures.append(f"images that did not load: {broken_images}")
    if illegible:
        failures.append(f"dark figures on a transparent background, unreadable in dark mode: {illegible}")
    failures += unresponsive
    if path.endswith("explorers") and explorers < 5:
        failures.append(f"expected the five static explorers, found {explorers}")
    assert not failures, f"{path}.html ({scheme}):\n" + "\n".join(failures)
