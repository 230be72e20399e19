"""Step 7 of tools/notebook_fixups.py: numbers in the prose cite glued values with MyST's ``{eval}`` role.

JupyterLab shows a ``{glue:text}`` role as its key, so the prose (and each figure's caption) cites glued
values with ``{eval}``: {glue:text}`k` becomes {eval}`k`, and {glue:text}`k:.1f` becomes
{eval}`format(k, ".1f")`. A key that the notebook's code also assigns with another value is renamed
``k_cited``, and each markdown cell's ``user_expressions`` metadata (what jupyterlab-myst shows before
anything runs) is filled from the glued outputs as committed. See notebook_fixups.py's docstring, step 7.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GLUE_TEXT = re.compile(r"\{glue:text\}`(?P<key>[A-Za-z_]\w*)(?::(?P<spec>[^`:]*))?`")
EVAL_ROLE = re.compile(r"\{eval\}`(?P<expr>[^`]+)`")
GLUE_CALL = re.compile(r'\bglue\(\s*"(?P<key>[A-Za-z_]\w*)",\s*(?P<value>[^,)]+)')


def as_eval(match: re.Match) -> str:
    key, spec = match["key"], match["spec"]
    return f"{{eval}}`{key}`" if not spec else f'{{eval}}`format({key}, "{spec}")`'


def cite_with_eval(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = GLUE_TEXT.sub(as_eval, cell.source)
        figure = cell.metadata.get("mystnb", {}).get("figure") if cell.cell_type == "code" else None
        if figure and figure.get("caption"):
            figure["caption"] = GLUE_TEXT.sub(as_eval, figure["caption"])


def assigned_names(nb) -> set[str]:
    """The names the notebook's code binds in its namespace (not inside functions, classes or lambdas)."""
    names: set[str] = set()

    def visit(node) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    for cell in nb.cells:
        if cell.cell_type == "code":
            code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.split("\n"))
            try:
                visit(ast.parse(code))
            except SyntaxError:
                pass
    return names


def rename_shadowing_keys(nb) -> None:
    code = [c for c in nb.cells if c.cell_type == "code"]
    names = assigned_names(nb)
    clash = {m["key"] for c in code for m in GLUE_CALL.finditer(c.source)
             if m["key"] in names and m["value"].strip() != m["key"]}
    for key in sorted(clash):
        new = f"{key}_cited"
        for cell in code:
            cell.source = re.sub(rf'\bglue\(\s*"{key}",', f'glue("{new}",', cell.source)
            for output in cell.get("outputs", []):  # the glue record, as re-executing would name it
                record = output.get("metadata", {}).get("scrapbook")
                if record and record.get("name") == key:
                    record["name"] = new
        cited = re.compile(rf"(\{{eval\}}`(?:format\()?){key}\b")
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = cited.sub(rf"\g<1>{new}", cell.source)
            figure = cell.metadata.get("mystnb", {}).get("figure") if cell.cell_type == "code" else None
            if figure and figure.get("caption"):
                figure["caption"] = cited.sub(rf"\g<1>{new}", figure["caption"])


def glued_text(nb) -> dict[str, str]:
    """Each glued name's ``text/plain`` in the notebook's outputs (myst-nb's glue records)."""
    glued = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            record = output.get("metadata", {}).get("scrapbook")
            plain = output.get("data", {}).get(f"{record['mime_prefix']}text/plain") if record else None
            if plain is not None:
                glued[record["name"]] = plain
    return glued


def fill_user_expressions(nb) -> None:
    """Each markdown cell's ``user_expressions``: what jupyterlab-myst stores when the kernel evaluates it."""
    if str(ROOT) not in sys.path:  # run as a script, the tools folder is on the path, not the repository
        sys.path.insert(0, str(ROOT))
    from minidl.book import cited

    glued = glued_text(nb)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        entries = []
        for match in EVAL_ROLE.finditer(cell.source):
            try:
                plain = cited(match["expr"], glued)
            except ValueError:
                continue  # not glued (yet): JupyterLab shows the expression until the reader runs the cell
            entries.append({"expression": match["expr"],
                            "result": {"status": "ok", "data": {"text/plain": plain}, "metadata": {}}})
        if entries:
            cell.metadata["user_expressions"] = entries
        else:
            cell.metadata.pop("user_expressions", None)
