"""The rule of the project: minidl uses no autograd and no torch.nn, checked statically (``autograd_guard``):
an AST scan of every file of the package, at any depth, but the oracle (``autograd_guard.NOT_FRAMEWORK``,
each exclusion with its reason). The scan is shown to fail when a module does use autograd.

The same rule checked at run time: tests/test_no_autograd_runtime.py.
"""

from __future__ import annotations

import textwrap

import pytest
from autograd_guard import NOT_FRAMEWORK, PACKAGE, excluded, package_files, violations

# -- static -----------------------------------------------------------------------------------------


def test_the_scan_covers_the_whole_package_at_any_depth():
    scanned = {p.relative_to(PACKAGE).as_posix() for p in package_files()}
    every = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    assert {"nn/linear.py", "nn/conv.py", "optim/sgd.py", "losses/cross_entropy.py", "experiments/ensemble.py",
            "catalog.py", "gradcheck.py", "__main__.py", "autograd/tensor.py", "autograd/layers.py"} <= scanned
    assert every - scanned == {p for p in every if excluded(PACKAGE / p)}
    assert every - scanned <= {"verify.py"} | {p for p in every if p.startswith("check/")}


def test_each_exclusion_is_documented_and_the_oracle_would_be_caught():
    assert all(len(reason) > 20 for reason in NOT_FRAMEWORK.values())
    assert excluded(PACKAGE / "check" / "run.py") and not excluded(PACKAGE / "check_helpers.py")
    oracle = (PACKAGE / "verify.py").read_text(encoding="utf-8")
    assert violations(oracle)  # excluded by name, not because the scan would pass it


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
        "import torch\ntorch.set_grad_enabled(True)",
        "import torch\nwith torch.set_grad_enabled(mode):\n    pass",
        "from torch import set_grad_enabled as on\non(True)",
        "x.requires_grad = True",
        "x.requires_grad = flag",
        'setattr(x, "requires_grad", True)',
        "import torch\ntorch.Tensor.backward(y, g)",
        "from torch import Tensor\nTensor.backward(y)",
        "y.backward(gradient=g)",
        "y.backward(g, retain_graph=True)",
        'import torch\nag = getattr(torch, "autograd")',
        'import torch\nvars(torch)["autograd"].grad(y, x)',
        "import torch\ntorch._functorch.apis.grad(f)",
        "import torch._functorch",
        "import torch\nengine = torch._C._ImperativeEngine()",
        "import torch\ntorch.autograd.graph._engine_run_backward(y)",
        "y.grad_fn.next_functions",
        "y.register_hook(print)",
    ],
)
def test_the_scan_catches_each_way_in(snippet):
    assert violations(snippet), snippet


def test_the_scan_passes_plain_tensor_code():
    ok = "import torch\nfrom torch import Tensor\ny = torch.tanh(x) @ w\nz = torch.zeros(3, requires_grad=False)\n"
    ok += '"""Compare with torch.nn.MSELoss in the docs."""\n'
    ok += "with torch.set_grad_enabled(False):\n    pass\nx.requires_grad = False\nmodel.backward(g)\n"
    ok += 'setattr(x, "requires_grad", False)\nh = getattr(module, "weight")\n'
    assert violations(ok) == []


def test_the_scan_flags_a_conv2d_whose_weight_gradient_is_autograds():
    source = (PACKAGE / "nn" / "conv.py").read_text(encoding="utf-8")
    assert violations(source) == []
    patched = source + textwrap.dedent("""
        def weight_grad(x, w, g):
            w = w.detach().requires_grad_()
            return torch.autograd.grad((conv(x, w) * g).sum(), w)[0]
    """)
    assert len(violations(patched)) >= 2  # .requires_grad_ and torch.autograd.grad
