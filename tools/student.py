"""Write the student edition: a copy of the repository in which every exercise region is a stub.

    python tools/student.py [--out _build/student]       (or: make student)

* In the package, each region between ``### BEGIN SOLUTION  <hint>`` and ``### END SOLUTION`` (nbgrader's
  markers) becomes ``raise Unwritten("Class.method", "<hint>")``, a ``NotImplementedError`` that names the
  chapter and the equation to use; ``minidl.unwritten.STUDENT_EDITION`` is set, so that a notebook cell that
  reaches a stub says so in one line.
* In the notebooks, the ``{solution}`` blocks (and ``solution-start`` ... ``solution-end``) are removed, and
  so are the stored outputs of the cells that show an exercise's source.
* ``_config.yml`` hides solutions and does not execute the notebooks (they would stop at the first stub),
  so the edition's ``make book`` builds the HTML book from the stored outputs, without solutions.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
IMPORT = "from minidl.unwritten import Unwritten  # the exercise stubs below raise it\n"
EXERCISE_CLASSES = ("Linear", "Tanh", "ReLU", "Softmax", "MSELoss", "CrossEntropyLoss", "SGD")
BANNER = (
    "**Student edition.** The forward and backward passes of minidl's exercises are stubs here: each raises\n"
    "`minidl.Unwritten`, naming the chapter and equation to use. Write them chapter by chapter, and check each with\n"
    "`python -m minidl check linear` (or `minidl.check(\"linear\")` in a notebook); `python -m minidl check` checks\n"
    "them all.\n\n"
)
SOLUTION = re.compile(r"^(?P<fence>:{3,}|`{3,})\{solution\}.*?^(?P=fence)[ \t]*$\n?", re.S | re.M)
GATED = re.compile(r"^(?P<fence>:{3,}|`{3,})\{solution-start\}.*?^(?P=fence)\{solution-end\}[^\n]*$\n?", re.S | re.M)


def enclosing_function(tree: ast.AST, line: int) -> str:
    """``Class.method`` (or ``function``) of the function whose body holds ``line`` (1-based)."""
    best = None

    def visit(node: ast.AST, prefix: str) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if isinstance(child, ast.ClassDef):
                    visit(child, name + ".")
                elif child.lineno <= line <= child.end_lineno:
                    best = name
                    visit(child, name + ".")

    visit(tree, "")
    if best is None:
        raise ValueError(f"line {line}: an exercise marker outside any function")
    return best


def stub_source(text: str, filename: str = "<source>") -> str:
    """``text`` with every marked region replaced by a stub raising ``Unwritten``, and its import added."""
    if not any(line.lstrip().startswith(BEGIN) for line in text.splitlines()):
        return text
    tree = ast.parse(text, filename)
    lines = text.splitlines(keepends=True)
    out, i = [], 0
    while i < len(lines):
        stripped = lines[i].lstrip()
        if not stripped.startswith(BEGIN):
            if stripped.startswith(END):
                raise ValueError(f"{filename}:{i + 1}: {END} without {BEGIN}")
            out.append(lines[i])
            i += 1
            continue
        indent = lines[i][: len(lines[i]) - len(stripped)]
        hint = stripped[len(BEGIN):].strip() or "see the book"
        where = enclosing_function(tree, i + 1)
        end = next((k for k in range(i + 1, len(lines)) if lines[k].lstrip().startswith((END, BEGIN))), None)
        if end is None or not lines[end].lstrip().startswith(END):
            raise ValueError(f"{filename}:{i + 1}: {BEGIN} without its {END}")
        out.append(f"{indent}raise Unwritten({where!r}, {hint!r})\n")
        i = end + 1
    future = next((k for k, line in enumerate(out) if line.startswith("from __future__ import")), None)
    if future is None:
        raise ValueError(f"{filename}: no 'from __future__ import annotations' line to put the import after")
    out.insert(future + 1, IMPORT)
    result = "".join(out)
    ast.parse(result, filename)  # the edition must at least compile
    return result


def strip_solutions(markdown: str) -> str:
    """``markdown`` without its ``{solution}`` directives (dropdown or not) and gated solution blocks."""
    return GATED.sub("", SOLUTION.sub("", markdown))


def student_notebook(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = strip_solutions(cell.source).rstrip("\n")
        elif cell.cell_type == "code" and "source(" in cell.source:
            if any(re.search(rf"\b{name}\b", cell.source) for name in EXERCISE_CLASSES):
                cell.outputs, cell.execution_count = [], None  # the stored output is the reference code
    return nb


def student_config(text: str) -> str:
    """The book's ``_config.yml`` for the edition: solutions hidden, notebooks not executed."""
    new, n = re.subn(r"(?m)^(\s*execute_notebooks:).*$", r'\1 "off"  # the stubs would stop execution', text)
    new, m = re.subn(r"(?m)^(  config:\n)", r"\1    hide_solutions: true\n", new)
    if n != 1 or m != 1:
        raise ValueError("_config.yml: expected one execute_notebooks key and one sphinx 'config:' block")
    return new


def repository_files(root: Path) -> list[Path]:
    names = subprocess.run(["git", "ls-files", "-z"], cwd=root,
                           check=True, capture_output=True, text=True).stdout.split("\0")
    files = sorted({root / n for n in names if n})
    return [f for f in files if f.is_file() and not f.is_symlink()]


def write_edition(out: Path, root: Path = ROOT) -> list[str]:
    """Write the edition into ``out`` (emptied first); return the stubbed ``Class.method`` names."""
    out, root = out.resolve(), root.resolve()
    inside = out == root or root in out.parents or out in root.parents
    if inside and (root / "_build") not in out.parents:  # it is emptied first: never a folder of the repository
        raise ValueError(f"refusing to write the student edition to {out}: choose a folder under _build/ or outside")
    if out.exists():
        shutil.rmtree(out)
    stubbed = []
    for src in repository_files(root):
        rel = src.relative_to(root)
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if rel.parts[0] == "minidl" and src.suffix == ".py":
            text = src.read_text(encoding="utf-8")
            new = stub_source(text, str(rel))
            if rel.as_posix() == "minidl/unwritten.py":
                new, n = re.subn(r"(?m)^STUDENT_EDITION = False$", "STUDENT_EDITION = True", new)
                assert n == 1, "minidl/unwritten.py: STUDENT_EDITION = False not found"
            starts = [k + 1 for k, line in enumerate(text.splitlines()) if line.lstrip().startswith(BEGIN)]
            stubbed += [enclosing_function(ast.parse(text), k) for k in starts]
            dst.write_text(new, encoding="utf-8")
        elif rel.parts[0] == "book" and src.suffix == ".ipynb":
            nbformat.write(student_notebook(src), dst)
        elif rel.as_posix() == "README.md":
            dst.write_text(BANNER + src.read_text(encoding="utf-8"), encoding="utf-8")
        elif rel.as_posix() == "_config.yml":
            dst.write_text(student_config(src.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copy2(src, dst)
    return stubbed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "_build" / "student", help="default: _build/student")
    args = p.parse_args(argv)
    stubbed = write_edition(args.out)
    print(f"student edition written to {args.out}: {len(stubbed)} stubs")
    for name in stubbed:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
