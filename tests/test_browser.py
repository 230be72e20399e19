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
say so, on any machine (tests/book_fixtures.py).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from book_fixtures import HTML, ROOT  # the fixtures browser and book_build come through conftest.py

SHOTS = ROOT / "_build" / "screenshots"


def toc_pages() -> list[str]:
    """Every page of the book, in order: the root and each ``file`` of _toc.yml, without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(p).with_suffix("")) for p in pages]


PAGES = toc_pages()


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


# -- what runs inside each page --------------------------------------------------------------------

WAIT_FOR_MATHJAX = """async () => {
  const maths = document.querySelectorAll(".math");
  if (!maths.length) return {maths: 0};
  for (let i = 0; i < 100 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
    await new Promise(r => setTimeout(r, 100));
  }
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return {maths: maths.length, loaded: false};
  await MathJax.startup.promise;
  await document.fonts.ready;
  const raw = [...maths].filter(m => !m.querySelector("mjx-container")).map(m => m.textContent.slice(0, 80));
  const errors = [...document.querySelectorAll("mjx-merror")].map(e => e.textContent.slice(0, 80));
  return {maths: maths.length, loaded: true, raw, errors};
}"""

VISIBLE_TEXT = """() => {
  const skip = "script, style, pre, code, textarea, mjx-container, .highlight, .cell_input, .output";
  const walker = document.createTreeWalker(document.querySelector("main") || document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement.closest(skip)) parts.push(n.textContent);
  }
  return parts.join(" ");
}"""

LOAD_IMAGES = """async () => {
  const images = [...document.images];
  images.forEach(i => { i.loading = "eager"; });
  await Promise.all(images.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  return images.filter(i => !(i.naturalWidth > 0)).map(i => (i.currentSrc || i.src).slice(0, 120));
}"""

# In dark mode, a figure with a transparent background and dark ink disappears into the page.
DARK_ILLEGIBLE = """() => {
  const lum = (r, g, b) => (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  function background(el) {
    for (; el; el = el.parentElement) {
      const m = getComputedStyle(el).backgroundColor.match(/[\\d.]+/g);
      if (m && (m.length < 4 || Number(m[3]) > 0.5)) return lum(+m[0], +m[1], +m[2]);
    }
    return 1;
  }
  const bad = [];
  for (const img of document.querySelectorAll("main img")) {
    if (!img.naturalWidth || !img.offsetWidth) continue;
    const c = document.createElement("canvas");
    c.width = c.height = 48;
    const ctx = c.getContext("2d");
    let px;
    try { ctx.drawImage(img, 0, 0, 48, 48); px = ctx.getImageData(0, 0, 48, 48).data; } catch (e) { continue; }
    let clear = 0, ink = 0, inkLum = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] < 32) clear++; else { ink++; inkLum += lum(px[i], px[i + 1], px[i + 2]); }
    }
    const n = px.length / 4;
    const dark = clear / n > 0.3 && ink && inkLum / ink < 0.45 && background(img) < 0.5;
    if (dark) bad.push((img.currentSrc || img.src).slice(-80));
  }
  return bad;
}"""


def page_name(path: str) -> str:
    return path.replace("/", "_")


def open_page(browser, base_url: str, path: str, scheme: str):
    """A fresh page with the network cut off; returns it with the lists its listeners fill."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    context.add_init_script(f"localStorage.setItem('mode', '{scheme}'); localStorage.setItem('theme', '{scheme}');")
    problems = {"console": [], "blocked": [], "failed": []}

    def route(r):
        if r.request.url.startswith(base_url):
            r.continue_()
        else:
            problems["blocked"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: problems["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems["console"].append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems["failed"].append(f"{r.url} ({r.failure})")
            if r.url.startswith(base_url) else None)
    page.on("response", lambda r: problems["failed"].append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    page.goto(base_url + path + ".html", wait_until="load")
    return context, page, problems


def check_explorers(page) -> tuple[int, list[str]]:
    """Move every control of every static explorer; return how many there were and what did not respond."""
    players = page.locator(".minidl-player, div.animation")
    failures = []
    for i in range(players.count()):
        player = players.nth(i)
        player.scroll_into_view_if_needed()
        img = player.locator("img").first
        controls = player.locator("input[type=range], select")
        for j in range(controls.count()):
            control = controls.nth(j)
            before = img.get_attribute("src")
            if control.evaluate("e => e.tagName") == "SELECT":
                n = control.locator("option").count()
                if n < 2:
                    continue
                current = int(control.evaluate("e => e.selectedIndex"))
                control.select_option(index=(current + 1) % n)
            else:
                at_max = control.evaluate("e => Number(e.value) >= Number(e.max)")
                control.focus()
                control.press("Home" if at_max else "End")
            after = img.get_attribute("src")
            loaded = img.evaluate("i => i.complete && i.naturalWidth > 0")
            if after == before or not loaded:
                failures.append(f"explorer {i}, control {j}: frame {'unchanged' if after == before else 'not loaded'}")
        play = player.locator("[data-play]")
        if play.count():
            before = img.get_attribute("src")
            play.first.click()
            try:
                changed = "([img, src]) => img.getAttribute('src') !== src"
                page.wait_for_function(changed, arg=[img.element_handle(), before], timeout=5000)
            except Exception:  # noqa: BLE001 - reported below
                failures.append(f"explorer {i}: play did not change the frame")
            play.first.click()  # pause
    return players.count(), failures


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


# -- `make lab`: JupyterLab with live widgets ---------------------------------------------------------


def test_jupyterlab_runs_a_live_explorer(browser, tmp_path):
    """JupyterLab (as ``make lab`` starts it) renders a live explorer, and choosing in its list redraws it."""
    import socket
    import urllib.request

    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell("from minidl import explorers\nexplorers.activation_explorer()"))
    nbformat.write(nb, tmp_path / "lab.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={port}",
               "--ip=127.0.0.1", "--IdentityProvider.token=minidl", f"--ServerApp.root_dir={tmp_path}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.getuid() == 0:
        command.append("--allow-root")  # as the Makefile's lab target
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    log = (tmp_path / "lab.log").open("w")
    lab = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    context = None
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token=minidl", timeout=2)
                break
            except OSError:
                assert lab.poll() is None, (tmp_path / "lab.log").read_text()
                time.sleep(0.5)
        context = browser.new_context(viewport={"width": 1300, "height": 1000})
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
        page = context.new_page()
        page.goto(f"{url}/lab/tree/lab.ipynb?token=minidl")
        SHOTS.mkdir(parents=True, exist_ok=True)
        try:
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.get_by_text(re.compile(r"\(ipykernel\) \| Idle")).wait_for(timeout=90_000)  # kernel connected
            image = page.locator(".widget-image").first
            for _ in range(3):  # a run sent while the kernel is still connecting can be lost: send it again
                page.locator(".jp-Cell .jp-InputArea-editor").first.click()
                page.keyboard.press("Control+Enter")  # run the cell in place
                try:
                    image.wait_for(timeout=30_000)
                    break
                except Exception:  # noqa: BLE001 - retried, then reported by the wait below
                    pass
            image.wait_for(timeout=10_000)
            before = image.get_attribute("src")
            page.locator(".widget-dropdown select").first.select_option(label="ReLU")
            changed = "([img, src]) => img.getAttribute('src') !== src"
            page.wait_for_function(changed, arg=[image.element_handle(), before], timeout=30_000)
        finally:
            page.screenshot(path=str(SHOTS / "jupyterlab.png"))
    finally:
        if context is not None:
            context.close()
        lab.terminate()
        lab.wait(timeout=20)
        log.close()


# -- launch buttons (issue 11): the repository of _config.yml, and notebooks that it holds ----------------


def launch_links(page: str) -> list[str]:
    from html import unescape

    html = (HTML / f"{page}.html").read_text(encoding="utf-8")
    links = [unescape(u) for u in re.findall(r'href="([^"]+)"', html)]
    return [u for u in links if re.match(r"https://(mybinder\.org|colab\.research\.google\.com|github\.com)/", u)]


@pytest.mark.parametrize("page", [p for p in PAGES if (ROOT / f"{p}.ipynb").is_file()])
def test_launch_links_point_at_the_repository(book_build, page):
    import posixpath
    from urllib.parse import urlparse

    repository = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    url, branch = repository["url"].rstrip("/"), repository.get("branch", "main")
    org_repo = urlparse(url).path.strip("/")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    links = launch_links(page)
    launchers = [u for u in links if "mybinder.org" in u or "colab.research" in u]
    assert len(launchers) == 2, f"{page}: expected a Binder and a Colab link, found {launchers}"
    for link in launchers:
        m = (re.match(rf"^https://mybinder\.org/v2/gh/{org_repo}/{branch}\?urlpath=lab/tree/(.+)$", link)
             or re.match(rf"^https://colab\.research\.google\.com/github/{org_repo}/blob/{branch}/(.+)$", link))
        assert m, f"{page}: {link} does not point at {url} ({branch})"
        path = m[1]
        assert posixpath.normpath(path) == path == f"{page}.ipynb", f"{page}: {link}"
        assert path in tracked, f"{page}: {link} names {path}, which the repository does not hold"
    github = [u for u in links if u.startswith("https://github.com/")]
    assert github and all(u.startswith(url) for u in github), f"{page}: {github}"
