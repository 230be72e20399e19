"""``make lab``: JupyterLab with live widgets. JupyterLab, started as ``make lab`` starts it, renders a live
explorer in Debian's Chromium (the session's ``browser`` fixture, tests/book_fixtures.py), and choosing in
its list redraws it. The screenshot goes to ``_build/screenshots/jupyterlab.png``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from book_pages import SHOTS


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
