"""A small Sphinx extension: the built book loads nothing from the network, and its pages log no
console errors (issue 5). Loaded by _config.yml (``sphinx.local_extensions``); tested by
tests/test_browser.py, which opens every page in Chromium with every non-local request blocked.

* **MathJax 3** is copied at build time into ``_build/html/_static/mathjax/`` from the PyPI package
  ``django-static-mathjax`` (MathJax 3.2.2's es5 build, pinned in requirements.txt); _config.yml's
  ``mathjax_path: mathjax/tex-chtml.js`` points at it. Nothing is vendored in the repository.
* **ipywidgets**: no saved widget state on a page (``nb_ipywidgets_js: {}`` in _config.yml keeps
  require.js and the html-manager off the CDNs; the state script would be dead weight without them).
  The book's explorers are precomputed HTML players; the live widgets run in Jupyter only.
* **sphinx-thebe** (always loaded by jupyter-book) adds its ``const THEBE_JS_URL`` script twice, a
  console error on every page, and would fetch thebe from unpkg. Its scripts and style are dropped;
  the Binder and Colab launch buttons are plain links and stay.
* **pydata-sphinx-theme** logs "Got invalid theme mode" on a first visit when no default mode is set:
  the default becomes ``auto`` (follow the reader's system: light or dark).
* matplotlib's ``to_jshtml()`` players link Font Awesome 4 from a CDN; the theme already ships Font
  Awesome, so that link is removed from the written pages.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

MATHJAX_PARTS = ["tex-chtml.js", "input/tex/extensions", "output/chtml", "ui", "a11y", "adaptors", "sre"]
FONT_AWESOME_CDN = re.compile(r'<link[^>]*href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*"[^>]*>\s*')


def mathjax_source() -> Path:
    """MathJax's es5 folder inside the installed ``django-static-mathjax`` package."""
    try:
        import mathjax
    except ImportError as err:  # pragma: no cover - a missing requirement
        raise RuntimeError("offline_book: MathJax comes from the PyPI package django-static-mathjax; "
                           "install requirements.txt") from err
    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (source / "tex-chtml.js").is_file():
        raise RuntimeError(f"offline_book: no tex-chtml.js in {source}")
    return source


def copy_mathjax(app, exception) -> None:
    """Copy the parts of MathJax that tex-chtml.js loads (fonts, TeX extensions, menu) into _static."""
    if app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def strip_cdn_links(app, exception) -> None:
    """Remove Font Awesome 4's CDN link (matplotlib's animation players) from the written pages."""
    if app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "maxcdn.bootstrapcdn.com/font-awesome" in text:
            page.write_text(FONT_AWESOME_CDN.sub("", text), encoding="utf-8")


def _is_thebe(asset) -> bool:
    name = getattr(asset, "filename", None) or str(asset)
    body = getattr(asset, "attributes", {}).get("body", "") or ""
    return "sphinx-thebe" in name or "thebe@" in name or "THEBE_JS_URL" in body


def _is_widget_state(asset) -> bool:
    return getattr(asset, "attributes", {}).get("type") == "application/vnd.jupyter.widget-state+json"


def clean_page(app, pagename, templatename, context, doctree) -> None:
    """Drop sphinx-thebe's assets and saved widget state from a page; default the theme mode to auto."""
    for key, drop in (("script_files", lambda a: _is_thebe(a) or _is_widget_state(a)), ("css_files", _is_thebe)):
        if key in context:
            context[key][:] = [asset for asset in context[key] if not drop(asset)]
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def setup(app):
    app.connect("html-page-context", clean_page, priority=900)  # after myst-nb and sphinx-thebe add theirs
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", strip_cdn_links)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
