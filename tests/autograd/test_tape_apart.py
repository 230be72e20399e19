"""The tape stays apart: no framework file imports ``minidl.autograd``; ``import minidl`` loads none of it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import minidl

PACKAGE = Path(minidl.__file__).parent


def imports_autograd(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(a.name.startswith("minidl.autograd") for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.startswith("minidl.autograd") or (node.level and module.split(".")[0] == "autograd"):
                return True
            if (module == "minidl" or (node.level and not module)) and any(a.name == "autograd" for a in node.names):
                return True
    return False


def test_the_scan_sees_each_way_to_import_the_tape():
    for line in ["import minidl.autograd", "from minidl.autograd import Tensor", "from minidl import autograd",
                 "from ..autograd import Tensor", "from .. import autograd"]:
        assert imports_autograd(line), line
    assert not imports_autograd("from ..nn.tanh import Tanh")


def test_no_file_outside_the_tape_imports_it():
    outside = [p for p in sorted(PACKAGE.rglob("*.py")) if "autograd" not in p.relative_to(PACKAGE).parts]
    assert len(outside) > 20
    found = [str(p.relative_to(PACKAGE)) for p in outside if imports_autograd(p.read_text(encoding="utf-8"))]
    assert not found, f"these files import minidl.autograd, which the framework must not: {found}"


def test_import_minidl_loads_no_part_of_the_tape():
    code = "import sys, minidl; print(sorted(m for m in sys.modules if m.startswith('minidl.autograd')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                          cwd=PACKAGE.parent)
    assert done.stdout.strip() == "[]"
