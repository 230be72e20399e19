"""A missing optional package fails at import (or before training), naming the pip extra that installs it.

``sys.modules[name] = None`` makes a package look uninstalled: ``import name`` raises and
``importlib.util.find_spec(name)`` returns None, as on a machine with ``pip install minidl`` alone.
"""

from __future__ import annotations

import importlib
import sys
import time

import pytest

from minidl.extras import require


def hide(monkeypatch, *packages: str) -> None:
    for name in packages:
        monkeypatch.setitem(sys.modules, name, None)


def test_require_passes_when_present():
    require("torch", extra="notebooks", feature="a test")


def test_require_names_the_missing_packages_and_the_extra(monkeypatch):
    hide(monkeypatch, "matplotlib")
    with pytest.raises(ModuleNotFoundError) as info:
        require("torch", "matplotlib", extra="notebooks", feature="the feature")
    message = str(info.value)
    assert 'pip install "minidl[notebooks]"' in message
    assert "the feature needs matplotlib," in message and "torch" not in message
    assert info.value.name == "matplotlib"


@pytest.mark.parametrize(
    ("module", "hidden"),
    [
        ("minidl.explorers", "matplotlib"),
        ("minidl.explorers", "ipywidgets"),
        ("minidl.experiments.digits", "sklearn"),
    ],
)
def test_importing_a_feature_without_its_extra_names_the_extra(monkeypatch, module, hidden):
    hide(monkeypatch, hidden)
    monkeypatch.delitem(sys.modules, module, raising=False)  # restored afterwards
    expected = rf'{module}.* needs {hidden}.*pip install "minidl\[notebooks\]"'
    with pytest.raises(ImportError, match=expected):
        importlib.import_module(module)


def test_reproduce_figures_without_matplotlib_fails_before_training(monkeypatch, tmp_path):
    from minidl.experiments import report

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking that the figures can be drawn")

    monkeypatch.setattr(report, "run", no_training)
    hide(monkeypatch, "matplotlib")
    start = time.perf_counter()
    with pytest.raises(ImportError, match=r'--figures needs matplotlib.*pip install "minidl\[notebooks\]"'):
        report.main(["--figures", "--out", str(tmp_path)])
    assert time.perf_counter() - start < 5
    assert not list(tmp_path.iterdir()), "nothing is written when the figures cannot be drawn"
