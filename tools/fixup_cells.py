"""Cell helpers shared by the steps of tools/notebook_fixups.py: tags, a new cell, a cell's index by id."""

from __future__ import annotations

import nbformat


def tags(cell) -> list[str]:
    return cell.metadata.setdefault("tags", [])


def add_tag(cell, tag: str) -> None:
    if tag not in tags(cell):
        tags(cell).append(tag)


def new_cell(kind: str, source: str, cell_id: str, cell_tags: list[str]):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    cell.metadata["tags"] = list(cell_tags)
    return cell


def index_of(nb, cell_id: str) -> int | None:
    return next((i for i, c in enumerate(nb.cells) if c.get("id") == cell_id), None)
