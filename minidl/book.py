"""``glue``: hand a computed value to the prose, in the HTML book and in JupyterLab alike.

Where myst-nb is installed (the book's build), ``glue(name, value)`` writes the cell output that
``myst_nb.glue(name, value, display=False)`` writes (``_record``). The
text cites the value with MyST's inline role ``{eval}`name``` (or ``{eval}`format(name, ".1f")```):
the book renders it from the glued data (``book/_ext/eval_glue.py``), and JupyterLab (jupyterlab-myst)
from the markdown cell's ``user_expressions`` metadata, which ``tools/notebook_fixups.py`` fills from
the same glued data, or from the kernel when the reader runs the cell. So ``glue`` also binds ``name``
in the notebook's namespace (IPython's ``user_ns``), where that evaluation looks it up.

A reader's notebook (JupyterLab, Colab, a download) may have no myst-nb; there the value is printed as
``name = value`` so that the number is still on the page, and a glued figure is left alone: its cell
shows it with ``plt.show()``.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import re

GLUE_PREFIX = "application/papermill.record/"  # myst_nb.ext.glue.GLUE_PREFIX


def _record(name: str, value, display: bool = True) -> None:
    """``myst_nb.glue``, line for line (``myst_nb/ext/glue/__init__.py``): the value's display data as a
    cell output that myst-nb's build reads back, under ``name``, with the MIME types prefixed unless shown.

    Written out rather than imported: ``myst_nb.ext.glue`` imports nbformat, whose jsonschema imports
    rfc3987-syntax, which builds its grammars at import, 2.6 s in every notebook's kernel
    (``python -X importtime``), more than most chapters compute. ``tests/test_book_glue.py`` checks that
    both write the same output.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    mimebundle, metadata = format_display_data(value)
    mime_prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=mime_prefix)
    ipy_display({mime_prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)


# a reader's install (pip install "minidl[notebooks]") has no myst-nb: glue prints instead
_myst_glue = _record if importlib.util.find_spec("myst_nb") is not None else None


def _is_figure(value) -> bool:
    return type(value).__name__ == "Figure" and hasattr(value, "savefig")


def glue(name: str, value, display: bool = False):
    """Glue ``value`` under ``name`` for the book (``myst_nb.glue``); without myst-nb, print it.

    ``display`` is myst-nb's: False (the default here) keeps the value out of the cell's output.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"glue: the name must be a non-empty string, got {name!r}")
    if name.isidentifier():
        _bind(name, value)
    if _myst_glue is not None:
        return _myst_glue(name, value, display=display)
    if not _is_figure(value):
        print(f"{name} = {value}")
    return None


def _user_ns() -> dict | None:
    """The running notebook's namespace (IPython's ``user_ns``); None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return None if shell is None else shell.user_ns


_bound: dict[str, object] = {}  # what glue bound, by name: glue may replace its own values


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - a tensor or an array: no single truth value, so not the same
        return False


def _bind(name: str, value) -> None:
    """Bind ``name`` to the glued value in the notebook, so that ``{eval}`name``` finds it there.

    A variable of the notebook already named ``name`` and holding something else (say the unrounded
    value) is not overwritten: the code after this cell would silently compute with the rounded one.
    """
    ns = _user_ns()
    if ns is None:
        return
    glued_before = name in _bound and ns.get(name) is _bound[name]  # a cell run again: glue anew
    if name in ns and not glued_before and not _same(ns[name], value):
        raise ValueError(f"glue: {name!r} is already a variable of this notebook, holding {ns[name]!r}, and "
                         f"the glued value is {value!r}; binding it would change the code that uses {name!r}. "
                         f"Glue it under another name, e.g. glue({name + '_shown'!r}, ...)")
    ns[name] = _bound[name] = value


#: What the prose may cite with ``{eval}``: a glued name, or ``format(name, "spec")``.
CITATION = re.compile(r'^(?:(?P<name>[A-Za-z_]\w*)|format\((?P<fname>[A-Za-z_]\w*), "(?P<spec>[^"\\]*)"\))$')


def cited(expression: str, glued: dict[str, str]) -> str:
    """The ``text/plain`` that ``{eval}`expression``` gives in the notebook, from the glued ``text/plain``.

    ``glued`` maps each glued name to its ``text/plain`` (IPython's repr of the value). A name gives its
    repr unchanged; ``format(name, spec)`` gives the repr of the formatted string, as the kernel would.
    """
    match = CITATION.match(expression)
    if match is None:
        raise ValueError(f"{{eval}}`{expression}`: the book cites a glued name or format(name, \"spec\") only")
    name = match["name"] or match["fname"]
    if name not in glued:
        raise ValueError(f"{{eval}}`{expression}`: {name!r} is not glued in this notebook; "
                         f"glue it first: glue({name!r}, value)")
    if match["name"]:
        return glued[name]
    return repr(format(_plain_value(glued[name], match["spec"]), match["spec"]))


def _plain_value(text: str, spec: str):
    """The value behind a ``text/plain`` repr, as ``format`` with ``spec`` wants it (myst-nb's rule)."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    kind = spec[-1:] or "s"
    if kind in "bcdoxX":
        return int(value)
    if kind in "eEfFgGn%":
        return float(value)
    return value


def shown(plain: str) -> str:
    """The text a reader sees for a ``text/plain`` repr: a string's quotes dropped (both renderers do)."""
    return str(_plain_value(plain, "s"))


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.split("\n\n")[0].split())  # the first paragraph: a numbered list after it never joins it
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
