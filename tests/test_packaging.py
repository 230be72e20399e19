"""pyproject.toml: the wheel holds every subpackage and the explorers' data files, and the extras cover
what the chapters import."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
EXTRAS = PYPROJECT["project"]["optional-dependencies"]


def requirement_name(spec: str) -> str:
    return re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0].lower().replace("_", "-")


def extra_names(extra: str) -> set[str]:
    """The distributions an extra installs, following ``minidl[other]`` references."""
    names = set()
    for spec in EXTRAS[extra]:
        nested = re.fullmatch(r"minidl\[(\w+)\]", spec)
        names |= extra_names(nested.group(1)) if nested else {requirement_name(spec)}
    return names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """A wheel built (no build isolation: offline) from a copy of the tree, with a probe .html and .js
    dropped beside the explorers, as the data files of their static player are."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "minidl", src / "minidl", ignore=shutil.ignore_patterns("__pycache__"))
    (src / "minidl" / "explorers" / "probe_player.html").write_text("<div></div>")
    (src / "minidl" / "explorers" / "probe_player.js").write_text("// probe")
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
               "-w", str(out), str(src)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = out.glob("minidl-*.whl")
    return zipfile.ZipFile(path)


@pytest.mark.slow
def test_the_wheel_holds_every_module_and_the_explorers_data(wheel):
    names = set(wheel.namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "minidl").rglob("*.py")}
    assert modules - names == set(), "modules left out of the wheel (tool.setuptools.packages.find)"
    probes = {"minidl/explorers/probe_player.html", "minidl/explorers/probe_player.js"}
    assert probes <= names, "the explorers' .html/.js data files are left out (tool.setuptools.package-data)"
    assert not [n for n in names if n.startswith(("tests/", "book/", "bench/", "tools/"))]


def test_the_wheel_metadata(wheel):
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    text = wheel.read(metadata).decode()
    assert "Requires-Python: >=3.11" in text  # numpy 2.4, pinned in requirements.txt, needs 3.11
    for extra in ("notebooks", "book", "test"):
        assert f"Provides-Extra: {extra}" in text
    core = {requirement_name(s) for s in PYPROJECT["project"]["dependencies"]}
    # the framework alone; numpy only because torch warns at import without it
    assert core == {"torch", "tqdm", "numpy"}, "`pip install minidl` is the framework alone"


def test_the_extras_agree_with_the_pins():
    """Every pinned version in requirements.txt satisfies the range the extras give it."""
    from packaging.requirements import Requirement

    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[requirement_name(name)] = version.strip()
    specs = PYPROJECT["project"]["dependencies"] + [s for e in EXTRAS.values() for s in e]
    checked = []
    for spec in specs:
        req = Requirement(spec)
        name = requirement_name(req.name)
        if name in pins:
            assert req.specifier.contains(pins[name]), f"{spec} excludes the pin {name}=={pins[name]}"
            checked.append(name)
    assert {"torch", "jupyter-book", "matplotlib", "pytest"} <= set(checked)


@pytest.mark.slow
def test_the_notebooks_extra_covers_what_the_chapters_import():
    modules = set()
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    modules |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    modules.add(node.module.split(".")[0])
    for path in (ROOT / "book").glob("*.py"):  # helpers the chapters import (verify.py)
        modules.discard(path.stem)
    distributions = importlib.metadata.packages_distributions()
    third_party = {m for m in modules if m in distributions and m != "minidl"}
    needed = {requirement_name(d) for m in third_party for d in distributions[m]}
    covered = extra_names("notebooks") | {requirement_name(s) for s in PYPROJECT["project"]["dependencies"]}
    assert "matplotlib" in needed and "torch" in needed, f"the import scan found too little: {needed}"
    assert needed <= covered, f"chapters import packages that minidl[notebooks] does not install: {needed - covered}"
