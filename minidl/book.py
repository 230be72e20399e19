"""``glue``: hand a computed value to the HTML book's prose, and still run where myst-nb is absent.

In the Jupyter Book build, ``glue(name, value)`` is ``myst_nb.glue(name, value, display=False)``: the
text cites the value with ``{glue:text}`name```. A reader's notebook (JupyterLab, Colab, a download)
has no myst-nb; there the value is printed as ``name = value`` so that the number is still on the page,
and a glued figure is left alone: its cell shows it with ``plt.show()``.
"""

from __future__ import annotations

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
