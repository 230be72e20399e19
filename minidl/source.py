"""``source``: an object's source code as the book shows it, without the exercise markers."""

from __future__ import annotations

import inspect

#: nbgrader's markers around an exercise region (``tools/student.py`` turns each region into a stub).
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def strip_markers(text: str) -> str:
    """``text`` without the lines that hold a ``### BEGIN SOLUTION`` or ``### END SOLUTION`` marker."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith(MARKERS))


def source(obj: object) -> str:
    """``inspect.getsource(obj)`` with the exercise markers removed: the reference code as a reader sees it."""
    return strip_markers(inspect.getsource(obj))
