"""``glue``: hand a computed value to the HTML book's prose, and still run where myst-nb is absent.

In the Jupyter Book build, ``glue(name, value)`` is ``myst_nb.glue(name, value, display=False)``: the
text cites the value with ``{glue:text}`name```. A reader's notebook (JupyterLab, Colab, a download)
has no myst-nb; there the value is printed as ``name = value`` so that the number is still on the page,
and a glued figure is left alone: its cell shows it with ``plt.show()``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

try:
    from myst_nb import glue as _myst_glue
except ImportError:  # a reader's install: pip install "minidl[notebooks]"
    _myst_glue = None


def _is_figure(value) -> bool:
    return type(value).__name__ == "Figure" and hasattr(value, "savefig")


def glue(name: str, value, display: bool = False):
    """Glue ``value`` under ``name`` for the book (``myst_nb.glue``); without myst-nb, print it.

    ``display`` is myst-nb's: False (the default here) keeps the value out of the cell's output.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"glue: the name must be a non-empty string, got {name!r}")
    if _myst_glue is not None:
        return _myst_glue(name, value, display=display)
    if not _is_figure(value):
        print(f"{name} = {value}")
    return None


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.split())
    match = re.search(r"\.(?=\s+[A-Z`]|$)", text)  # "eq. (5)" and "et al. (2013)" do not end it
    sentence = text[: match.start() + 1] if match else text
    return re.sub(r"``(.+?)``", r"`\1`", sentence).replace("|", "\\|")


def package_map() -> str:
    """A Markdown table of minidl's files: each module's path and the first sentence of its docstring."""
    import minidl

    rows = ["| file | what it holds |", "| --- | --- |"]
    for info in pkgutil.walk_packages(minidl.__path__, prefix="minidl."):
        module = importlib.import_module(info.name)
        path = info.name.replace(".", "/") + ("/__init__.py" if info.ispkg else ".py")
        rows.append(f"| `{path}` | {_first_sentence(inspect.getdoc(module) or '')} |")
    return "\n".join(rows)
