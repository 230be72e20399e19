"""The rule of the project: minidl uses no autograd and no torch.nn, checked two ways.

(a) statically: an AST scan of every file of the package;
(b) at run time: training runs with gradients disabled, bit for bit as with them enabled, builds no
    graph, calls no torch.nn function, and survives autograd's entry points being booby-trapped.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
from torch.overrides import TorchFunctionMode

import minidl
from minidl.models import report_net

PACKAGE = Path(minidl.__file__).parent
FORBIDDEN = ("torch.nn", "torch.autograd", "torch.func", "torch.optim", "functorch")
GRAD_NAMES = {"requires_grad_", "enable_grad"}  # turning gradients *off* is harmless


def forbidden(dotted: str) -> bool:
    return any(dotted == f or dotted.startswith(f + ".") for f in FORBIDDEN)


def violations(source: str, filename: str = "<snippet>") -> list[str]:
    """Every import or use of autograd or torch.nn in ``source``, as 'file:line: what'."""
    tree = ast.parse(source, filename)
    aliases: dict[str, str] = {}  # local name -> the dotted module it stands for
    found = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{node.lineno}: {what}")

    def dotted(node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            return ".".join([aliases.get(node.id, node.id), *reversed(parts)])
        return None

    for node in ast.walk(tree):  # imports first, so that aliases are known
        if isinstance(node, ast.Import):
            for a in node.names:
                if forbidden(a.name):
                    report(node, f"import {a.name}")
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if forbidden(node.module) or forbidden(full):
                    report(node, f"from {node.module} import {a.name}")
                aliases[a.asname or a.name] = full
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = dotted(node)
            parent_reported = isinstance(node.value, ast.Attribute) and forbidden(dotted(node.value) or "")
            if name and forbidden(name) and not parent_reported:  # report torch.nn.functional.relu once
                report(node, name)
            if node.attr in GRAD_NAMES:
                report(node, f".{node.attr}")
        elif isinstance(node, ast.Name) and node.id in aliases and forbidden(aliases[node.id]):
            if isinstance(node.ctx, ast.Load):
                report(node, f"{node.id} ({aliases[node.id]})")
        elif isinstance(node, ast.keyword) and node.arg == "requires_grad":
            if not (isinstance(node.value, ast.Constant) and node.value.value is False):
                report(node.value, "requires_grad=...")
        elif isinstance(node, ast.Call) and dotted(node.func) in ("importlib.import_module", "__import__"):
            if node.args and isinstance(node.args[0], ast.Constant) and forbidden(str(node.args[0].value)):
                report(node, f"import of {node.args[0].value!r}")
    return found


def package_files() -> list[Path]:
    """Every file of the framework; minidl/check/ is left out: the checker uses autograd as its oracle."""
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] != "check")


def test_the_scan_covers_the_whole_package():
    names = {p.name for p in package_files()}
    assert {"linear.py", "softmax.py", "sgd.py", "cross_entropy.py", "__main__.py"} <= names


@pytest.mark.parametrize("path", package_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_autograd_or_torch_nn_in_the_source(path):
    assert violations(path.read_text(encoding="utf-8"), path.name) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch.nn",
        "import torch.nn.functional as F",
        "import torch.autograd",
        "import torch.optim as optim",
        "import torch.func",
        "from torch import nn",
        "from torch import autograd as ag",
        "from torch.nn import functional",
        "from torch.nn.functional import relu",
        "from torch.autograd import grad",
        "from torch.optim import SGD",
        "from torch.func import vjp",
        "import torch\ny = torch.nn.functional.relu(x)",
        "import torch\ntorch.autograd.grad(y, x)",
        "import torch as T\nT.nn.Linear(2, 3)",
        "import torch\nf = torch.func.grad",
        "import torch\nx.requires_grad_()",
        "import torch\nx = torch.ones(3, requires_grad=True)",
        "import torch\nwith torch.enable_grad():\n    pass",
        "import importlib\nimportlib.import_module('torch.nn')",
    ],
)
def test_the_scan_catches_each_way_in(snippet):
    assert violations(snippet), snippet


def test_the_scan_passes_plain_tensor_code():
    ok = "import torch\nfrom torch import Tensor\ny = torch.tanh(x) @ w\nz = torch.zeros(3, requires_grad=False)\n"
    ok += '"""Compare with torch.nn.MSELoss in the docs."""\n'
    assert violations(ok) == []


# -- run time ---------------------------------------------------------------------------------------

def training_step(loss_name: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """Two steps of SGD with momentum on a batch of 16; everything the step produced."""
    net = report_net(softmax=loss_name == "ce", generator=minidl.seeded(seed))
    loss_fn = {"mse": minidl.MSELoss(), "ce": minidl.CrossEntropyLoss(), "fused": minidl.SoftmaxCrossEntropyLoss()}
    loss_fn = loss_fn[loss_name]
    x, y = minidl.disk_dataset(16, minidl.seeded(seed + 1))
    opt = minidl.SGD(net.param(), lr=0.01, momentum=0.9)
    out = {}
    for step in range(2):
        opt.zero_grad()
        out[f"output{step}"] = net(x)
        out[f"loss{step}"] = loss_fn(out[f"output{step}"], y)
        out[f"dloss{step}"] = loss_fn.backward()
        out[f"dx{step}"] = net.backward(out[f"dloss{step}"])
        opt.step()
    for name, p in net.named_param():
        out[name], out[name + ".grad"] = p.value, p.grad
    out.update({f"velocity{i}": v for i, v in enumerate(opt.velocity)})
    return out


LOSS_NAMES = ["mse", "ce", "fused"]


@pytest.mark.parametrize("loss_name", LOSS_NAMES)
def test_training_with_gradients_disabled_is_identical(loss_name):
    with torch.set_grad_enabled(True):
        enabled = training_step(loss_name)
    with torch.set_grad_enabled(False):
        disabled = training_step(loss_name)
    assert enabled.keys() == disabled.keys()
    for name in enabled:
        assert torch.equal(enabled[name], disabled[name]), name


@pytest.mark.parametrize("loss_name", LOSS_NAMES)
def test_no_tensor_has_a_graph(loss_name):
    with torch.set_grad_enabled(True):
        produced = training_step(loss_name)
    assert len(produced) > 20
    for name, t in produced.items():
        assert not t.requires_grad and t.grad_fn is None, name


def nn_function(func) -> bool:
    """A function of torch.nn (its Python wrappers, or the C functions behind torch.nn.functional)."""
    module = getattr(func, "__module__", None) or ""
    return forbidden(module) or module.startswith("torch._C._nn")


class Recorder(TorchFunctionMode):
    """Sees every torch function minidl calls, and every tensor it returns."""

    def __init__(self) -> None:
        super().__init__()
        self.funcs: list = []
        self.tensors: list[torch.Tensor] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        self.funcs.append(func)
        for r in result if isinstance(result, (tuple, list)) else [result]:
            if isinstance(r, torch.Tensor):
                self.tensors.append(r)
        return result


@pytest.mark.parametrize("loss_name", LOSS_NAMES)
def test_every_tensor_of_a_training_step_is_graph_free_and_no_torch_nn_function_runs(loss_name):
    with torch.set_grad_enabled(True), Recorder() as rec:
        training_step(loss_name)
    assert len(rec.tensors) > 50
    assert not any(t.requires_grad or t.grad_fn is not None for t in rec.tensors)
    assert len(rec.funcs) > 50
    assert [f for f in rec.funcs if nn_function(f)] == []


def test_the_recorder_would_see_torch_nn_and_a_graph():
    with torch.set_grad_enabled(True), Recorder() as rec:
        x = torch.ones(2, 2, requires_grad=True)
        torch.nn.functional.softplus(x * 2)
    assert any(nn_function(f) for f in rec.funcs)
    assert any(t.grad_fn is not None for t in rec.tensors)
    with Recorder() as rec:
        torch.nn.functional.relu(torch.ones(2))  # a Python wrapper in torch.nn.functional
    assert any(nn_function(f) for f in rec.funcs)


@pytest.fixture
def autograd_trapped(monkeypatch):
    def trap(*args, **kwargs):
        raise AssertionError("autograd was called")

    monkeypatch.setattr(torch.autograd, "backward", trap)
    monkeypatch.setattr(torch.autograd, "grad", trap)
    monkeypatch.setattr(torch.Tensor, "backward", trap)
    with pytest.raises(AssertionError, match="autograd was called"):  # the trap is armed
        torch.ones(1, requires_grad=True).sum().backward()


@pytest.mark.usefixtures("autograd_trapped")
@pytest.mark.parametrize("loss_name", LOSS_NAMES)
def test_training_runs_with_autograd_booby_trapped(loss_name):
    produced = training_step(loss_name)
    assert torch.isfinite(produced["loss1"])


@pytest.mark.usefixtures("autograd_trapped")
def test_fit_runs_with_autograd_booby_trapped_and_gradients_disabled():
    net = report_net(generator=minidl.seeded(0))
    opt = minidl.SGD(net.param(), lr=1e-3, momentum=0.5)
    data = minidl.disk_dataset(50, minidl.seeded(1))
    with torch.set_grad_enabled(False):
        history = minidl.fit(net, minidl.MSELoss(), opt, data, data, epochs=2, batch_size=5)
    assert len(history.train_loss) == 2
    assert history.train_loss[1] < history.train_loss[0]
