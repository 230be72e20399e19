"""``minidl.check``: the student edition's checker, ``minidl.check("linear")`` or ``minidl.check(MyLinear)``.

For each exercise it runs forward and backward against ``torch.autograd`` and against central finite
differences, on several shapes, and prints one line: pass, or fail with the mistake named when it is a
common one (a missing transpose, a missing sum over the batch, a factor of N, a wrong sign, a gradient
overwritten instead of accumulated, a cache overwritten before it was read).

The framework never uses autograd. This subpackage does, as the oracle only; it is the one part of
``minidl`` that the no-autograd scans (``tests/test_no_autograd.py``) leave out.
"""

from __future__ import annotations

import sys
import types
from dataclasses import asdict, dataclass

import torch

from .exercises import EXERCISES, SHAPES, Exercise, find
from .run import run_loss, run_module, run_optimizer


@dataclass
class Result:
    name: str
    title: str
    passed: bool
    message: str
    points: int
    max_points: int

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name:<22} {self.message}"


class Report(list):
    """The results, one per exercise; ``passed`` is True when all passed."""

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self)

    def as_dict(self) -> dict:
        return {"passed": self.passed, "score": sum(r.points for r in self),
                "max_score": sum(r.max_points for r in self), "exercises": [asdict(r) for r in self]}

    def __repr__(self) -> str:
        return f"<minidl.check: {sum(r.passed for r in self)} of {len(self)} exercises pass>"


def check_one(ex: Exercise, cls: type | None = None) -> Result:
    """Every check of one exercise, on ``cls`` (default: the class minidl has now)."""
    cls = ex.reference if cls is None else cls
    gen = torch.Generator().manual_seed(0)
    if ex.kind == "optimizer":
        cases = [(run_optimizer, m) for m in (0.0, 0.9)]
        done = "every step against torch.optim.SGD, with and without momentum"
    else:
        shapes = SHAPES["linear" if ex.name == "linear" else ex.kind]
        cases = [(run_module if ex.kind == "module" else run_loss, s) for s in shapes]
        done = f"forward and backward on {len(shapes)} shapes, against autograd and finite differences"
    failures = []
    for run, arg in cases:
        try:
            run(ex, cls, arg, gen)
        except Exception as exc:  # a student's code may raise anything; the message is the result
            failures.append(exc)
    if not failures:
        return Result(ex.name, ex.title, True, f"{ex.title}: {done}", ex.points, ex.points)
    named = [f for f in failures if getattr(f, "named", False)]
    first = (named or failures)[0]
    text = str(first).strip().splitlines()[0] if str(first).strip() else type(first).__name__
    if not hasattr(first, "named") and not isinstance(first, NotImplementedError):
        text = f"{ex.title} raised {type(first).__name__}: {text}"
    return Result(ex.name, ex.title, False, text, 0, ex.points)


def check(*names_or_classes: str | type, quiet: bool = False) -> Report:
    """Check the named exercises (``"linear"``, ``"Linear"``) or classes (a student's own ``Linear``);
    all of them when none is given. Prints one line per exercise and returns the ``Report``."""
    todo = [(find(x), x if isinstance(x, type) else None) for x in names_or_classes]
    report = Report(check_one(ex, cls) for ex, cls in (todo or [(ex, None) for ex in EXERCISES]))
    if not quiet:
        for r in report:
            print(r.line())
    return report


class CallableModule(types.ModuleType):
    """``minidl.check(...)`` calls ``check``, while ``minidl.check`` stays this package."""

    def __call__(self, *names_or_classes: str | type, quiet: bool = False) -> Report:
        return check(*names_or_classes, quiet=quiet)


sys.modules[__name__].__class__ = CallableModule

__all__ = ["EXERCISES", "Exercise", "Report", "Result", "check", "check_one", "find"]
