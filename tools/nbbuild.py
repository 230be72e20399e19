"""Tiny helper to write a notebook from a list of ("md"|"code", source[, tags]) cells."""

import nbformat


def build(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for c in cells:
        kind, src = c[0], c[1].strip("\n")
        tags = c[2] if len(c) > 2 else []
        cell = nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    nbformat.write(nb, path)
