"""``python -m minidl check [NAME ...] [--report PATH]``: exit code 0 when every exercise passes, else 1."""

from __future__ import annotations

import argparse

from . import check
from .exercises import EXERCISES
from .report import write


def main(argv: list[str]) -> int:
    names = ", ".join(ex.name for ex in EXERCISES)
    p = argparse.ArgumentParser(
        prog="python -m minidl check",
        description="Check the exercises of the student edition against torch.autograd and finite differences; "
        "one line per exercise. Exit code 0 when all pass, 1 otherwise.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help=f"exercises to check (default: all): {names}")
    p.add_argument("--report", metavar="PATH", help="also write the results: JUnit XML if PATH ends in .xml, else JSON")
    args = p.parse_args(argv)
    try:
        report = check(*args.names)
    except ValueError as exc:
        p.error(str(exc))
    if args.report:
        write(report, args.report)
    return 0 if report.passed else 1
