"""MyST's ``{eval}`name``` role, rendered from the page's glued data, so that the book keeps its execution cache.

The prose cites every computed number as ``{eval}`name``` or ``{eval}`format(name, ".1f")``` (issue 11).
JupyterLab (jupyterlab-myst) renders that role from the markdown cell's ``user_expressions`` metadata,
or by asking the kernel, where ``minidl.book.glue`` has bound ``name``. myst-nb's own ``eval`` role asks
a live kernel, which exists only in its ``inline`` execution mode: every build would then re-run every
notebook, one after another, with no cache. Here the role looks the name up in the glue data of the page
(what ``{glue:text}`` reads, from the cached outputs) and shows the same text as JupyterLab does
(``minidl.book.cited``). A name that is not glued, or another expression, is a warning (the build runs
with ``--warningiserror``). Loaded by _config.yml (``sphinx.local_extensions``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from docutils import nodes
from myst_nb.core.variables import create_warning
from myst_nb.ext.utils import RoleBase

# minidl/book.py alone: `import minidl` would import torch, seconds of every build for two small functions
_BOOK = Path(__file__).resolve().parents[2] / "minidl" / "book.py"
_spec = importlib.util.spec_from_file_location("minidl_book", _BOOK)
_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_book)
cited, shown = _book.cited, _book.shown


class EvalGlueRole(RoleBase):
    """``{eval}`expression```: the glued value's text, as the notebook's kernel would show it."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        renderer = self.document.get("nb_renderer")
        glue_data = renderer.renderer.nb_client.glue_data if renderer is not None else {}
        glued = {key: entry["data"]["text/plain"] for key, entry in glue_data.items()
                 if "text/plain" in entry.get("data", {})}
        try:
            text = shown(cited(self.text, glued))
        except ValueError as err:
            return [], [create_warning(str(err), self.document, self.line, subtype="eval")]
        node = nodes.inline(text, text, classes=["pasted-text"])
        self.set_source_info(node)
        return [node], []


def override_eval(app, config) -> None:
    # after every extension's setup, so that this replaces myst-nb's kernel-only role
    app.add_role("eval", EvalGlueRole(), override=True)


def setup(app):
    app.connect("config-inited", override_eval, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
