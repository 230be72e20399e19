"""The book's pages in Chromium, shared by the browser tests (tests/test_browser.py, tests/test_lab.py,
tests/test_lab_explorer.py, tests/test_launch_links.py): the pages of ``_toc.yml``, where the screenshots
go, the scripts run inside a page, opening a page with the network cut off, and moving its explorers.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from book_fixtures import ROOT

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
