"""``Unwritten``: what a stub of the student edition raises, and the one-line message a notebook shows for it."""

from __future__ import annotations

import sys

#: ``tools/student.py`` sets this to True in the student edition it writes.
STUDENT_EDITION = False


class Unwritten(NotImplementedError):
    """Raised by an exercise stub: ``"Linear.backward is not written yet: ... (chapter 2, eq. (2))"``."""

    def __init__(self, where: str, hint: str) -> None:
        super().__init__(f"{where} is not written yet: {hint}")
        self.where, self.hint = where, hint


def one_line(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython's custom-exception handler: the stub's message instead of a traceback through minidl.

    IPython leaves the showing to the handler; ``_showtraceback`` is what it uses itself (in a Jupyter kernel
    it sends the cell's error output), so the cell still fails and "Run all" still stops there."""
    stb = [f"{etype.__name__}: {value}  (then check it with minidl.check)"]
    shell._showtraceback(etype, value, stb)
    return stb


def install(shell=None) -> bool:
    """In the student edition, under IPython, show an ``Unwritten`` as one line. True if installed."""
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not STUDENT_EDITION:
        return False
    shell.set_custom_exc((Unwritten,), one_line)
    return True
