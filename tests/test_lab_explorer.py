"""``make lab``: JupyterLab with live widgets. JupyterLab, started as ``make lab`` starts it, renders a live
explorer in Debian's Chromium (the session's ``browser`` fixture, tests/book_fixtures.py), and choosing in
its list redraws it. The screenshot goes to ``_build/screenshots/jupyterlab.png``."""

from __future__ import annotations

import os
import re

from book_pages import SHOTS
from lab_server import jupyter_lab


def test_jupyterlab_runs_a_live_explorer(browser, tmp_path):
    """JupyterLab (as ``make lab`` starts it) renders a live explorer, and choosing in its list redraws it."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell("from minidl import explorers\nexplorers.activation_explorer()"))
    nbformat.write(nb, tmp_path / "lab.ipynb")
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    with jupyter_lab(tmp_path, tmp_path / "lab.log", env=env) as url:
        context = browser.new_context(viewport={"width": 1300, "height": 1000})
        try:
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
            context.close()
