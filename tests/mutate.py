"""``make mutate``: plant classic backprop bugs in a copy of minidl, one at a time, and check the tests catch each.

For each mutation (the list is tests/mutations.py), a fresh temporary copy of ``minidl/`` and ``tests/``
gets one source patch (the pattern must be found exactly once in that file, or the check fails: a patch that
no longer applies is an error, never a silent pass), and the mutation's fast tests run on it with
``pytest -x``. A mutation is caught when a test fails (pytest's exit status 1); the check fails if any
mutation is not caught, if a mutated copy does not even import (status 2: the patch is broken), or if the
unpatched copy fails the same tests.

    python tests/mutate.py            # every mutation
    python tests/mutate.py --list     # their names
    python tests/mutate.py NAME ...   # some of them
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mutations import LINEAR_TESTS, MUTATIONS, M, Mutation

ROOT = Path(__file__).resolve().parent.parent


# a change that alters nothing: no test can catch it, and the check must say so (--self-test)
NO_OP = M("no-op: the same weight gradient, spelt differently", "nn/linear.py",
          "self.weight.grad.addmm_(x.T, g)", "self.weight.grad.addmm_(x.T, g, beta=1)", *LINEAR_TESTS)


def make_copy() -> Path:
    """A temporary copy of the package, its tests and tools, with the project's pytest configuration."""
    tmp = Path(tempfile.mkdtemp(prefix="minidl-mutate-"))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    shutil.copytree(ROOT / "minidl", tmp / "minidl", ignore=ignore)
    shutil.copytree(ROOT / "tests", tmp / "tests", ignore=ignore)
    shutil.copytree(ROOT / "tools", tmp / "tools", ignore=ignore)  # tests/book_fixtures.py imports tools.pdf
    shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")
    return tmp


def patched(mutation: Mutation, source: str) -> str:
    """``source`` with the mutation's patches; ``ValueError`` if a pattern is not found exactly once."""
    for old, new in mutation.patches:
        count = source.count(old)
        if count != 1:
            raise ValueError(f"mutate: {mutation.name!r}: {old!r} occurs {count} times in minidl/{mutation.file}, "
                             "not once; re-anchor the pattern on the current source")
        source = source.replace(old, new)
    return source


def apply(mutation: Mutation, copy: Path) -> None:
    path = copy / "minidl" / mutation.file
    path.write_text(patched(mutation, path.read_text(encoding="utf-8")), encoding="utf-8")


def preload() -> None:
    """Import torch, pytest and pytest's plugins once, so that each forked run only imports minidl and the tests."""
    import importlib.metadata

    import pytest  # noqa: F401
    import torch

    torch.set_num_threads(1)
    for entry in importlib.metadata.entry_points(group="pytest11"):
        entry.load()


def pytest(copy: Path, args: tuple[str, ...]) -> tuple[int, str]:
    """``pytest -x args`` on the copy: (exit status, output). A forked child of this process where possible
    (torch is imported once, not once per run), a fresh interpreter elsewhere."""
    options = ["-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "console_output_style=classic", *args]
    if not hasattr(os, "fork"):
        env = {**os.environ, "PYTHONPATH": str(copy), "OMP_NUM_THREADS": "1"}
        done = subprocess.run([sys.executable, "-m", "pytest", *options], cwd=copy, env=env,
                              capture_output=True, text=True)
        return done.returncode, done.stdout + done.stderr
    return forked(copy, lambda: __import__("pytest").main(options))


def forked(copy: Path, func) -> tuple[int, str]:
    """``func()`` (an exit status) in a forked child whose working directory and first import path are the copy."""
    log = copy / "child.log"
    pid = os.fork()
    if pid == 0:  # the child: minidl is imported here for the first time, from the copy
        status = 3
        try:
            with open(log, "w") as out:
                os.dup2(out.fileno(), 1)
                os.dup2(out.fileno(), 2)
                os.chdir(copy)
                sys.path.insert(0, str(copy))
                status = int(func())
                sys.stdout.flush()
                sys.stderr.flush()
        finally:
            os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status), log.read_text(errors="replace")


def imported_from(copy: Path) -> str:
    """Where the copy's ``import minidl`` resolves (it must be the copy, not an installed minidl)."""
    if not hasattr(os, "fork"):
        env = {**os.environ, "PYTHONPATH": str(copy)}
        done = subprocess.run([sys.executable, "-c", "import minidl; print(minidl.__file__)"], cwd=copy, env=env,
                              capture_output=True, text=True)
        return done.stdout.strip()
    return forked(copy, lambda: print(__import__("minidl").__file__) or 0)[1].strip()


def first_failure(output: str) -> str:
    found = re.search(r"^FAILED (\S+)", output, re.M) or re.search(r"^ERROR (\S+)", output, re.M)
    return found.group(1) if found else "?"


def run(mutations: list[Mutation]) -> list[str]:
    """Each mutation in turn; returns the problems (empty when every mutation was caught)."""
    if "minidl" in sys.modules:  # a forked child would reuse it, not the copy's
        raise RuntimeError("mutate.run: minidl is already imported in this process; run mutate.py on its own")
    problems = []
    copy = make_copy()
    try:
        where = imported_from(copy)
        if not where.startswith(str(copy)):
            return [f"the copy's minidl is not the one imported: {where[-500:]}"]
        originals = {m.file: (copy / "minidl" / m.file).read_text(encoding="utf-8") for m in mutations}
        selections = sorted({m.tests for m in mutations})
        for tests in selections:  # the unmutated copy passes every selection
            status, output = pytest(copy, tests)
            if status != 0:
                problems.append(f"the unmutated copy fails {' '.join(tests)}:\n{output[-2000:]}")
        if problems:
            return problems
        for m in mutations:
            apply(m, copy)
            start = time.perf_counter()
            status, output = pytest(copy, m.tests)
            seconds = time.perf_counter() - start
            (copy / "minidl" / m.file).write_text(originals[m.file], encoding="utf-8")
            if status == 1:
                print(f"caught      {seconds:5.1f} s  {m.name}  <- {first_failure(output)}", flush=True)
            elif status == 0:
                print(f"NOT CAUGHT  {seconds:5.1f} s  {m.name}", flush=True)
                problems.append(f"not caught by {' '.join(m.tests)}: {m.name}")
            else:
                print(f"BROKEN      {seconds:5.1f} s  {m.name}", flush=True)
                problems.append(f"{m.name}: pytest exit status {status} (the mutated copy does not run):\n"
                                f"{output[-3000:]}")
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="mutations to run (a substring of the name); all by default")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="check the checker: a change that alters nothing must be reported as not caught")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(m.name for m in MUTATIONS))
        return 0
    if args.self_test:
        preload()
        problems = run([NO_OP, MUTATIONS[0]])
        expected = [f"not caught by {' '.join(NO_OP.tests)}: {NO_OP.name}"]
        print("mutate --self-test:", "ok" if problems == expected else f"FAILED: {problems}")
        return 0 if problems == expected else 1
    chosen = [m for m in MUTATIONS if not args.names or any(n in m.name for n in args.names)]
    if not chosen:
        parser.error(f"no mutation matches {args.names}")
    start = time.perf_counter()
    preload()
    problems = run(chosen)
    print(f"{len(chosen)} mutations, {time.perf_counter() - start:.0f} s")
    if problems:
        print("mutate: FAILED\n" + "\n".join(problems))
        return 1
    print(f"mutate: every planted bug was caught ({len(chosen)} of {len(chosen)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
