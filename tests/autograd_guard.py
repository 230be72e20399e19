"""The no-autograd guard: the rule "minidl uses no autograd and no torch.nn", checked two ways.

Shared by ``tests/test_no_autograd.py``, ``tests/test_no_autograd_runtime.py``, ``tests/test_pure_tensor_ops.py``
and ``tests/mutate.py``.

(a) ``violations(source)``: a static scan (AST) of a file's code for every way into autograd or torch.nn
    that plain tensor code never needs;
(b) ``problems(step)``: runs a training step three times, under a recorder of every torch function
    call, with autograd's entry points booby-trapped, and with gradients disabled; it reports any
    tensor that carries a graph, any torch.nn function, any autograd call, and any result that
    depends on the grad mode.

Files of ``minidl/`` that are not the framework are excluded from (a), by name, in ``NOT_FRAMEWORK``
(path relative to ``minidl/``; a folder excludes everything below it), each with its reason. Nothing
else is: every other ``*.py`` under ``minidl/``, at any depth, is scanned.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from torch.overrides import TorchFunctionMode

import minidl

PACKAGE = Path(minidl.__file__).parent

NOT_FRAMEWORK = {
    "check": "the student checker: it compares a student's backward with torch.autograd, the oracle, as verify.py "
             "does; the framework never imports it for training",
    "verify.py": "the oracle: autograd and torch.nn.functional are the reference a backward is checked against",
}

FORBIDDEN = ("torch.nn", "torch.autograd", "torch.func", "torch.optim", "functorch", "torch._functorch",
             "torch._C._ImperativeEngine", "torch._C._EngineBase", "torch._C._autograd", "torch._C._functions",
             "torch._C._set_grad_enabled", "torch.Tensor.backward", "torch._tensor.Tensor.backward")
# attributes that only autograd code needs (turning gradients *off* is harmless, and not listed)
GRAD_NAMES = {"requires_grad_", "enable_grad", "retain_grad", "register_hook", "grad_fn", "_set_grad_enabled",
              "_execution_engine", "_functorch", "_ImperativeEngine", "_EngineBase", "_autograd",
              "_engine_run_backward"}
# names that reach autograd when looked up by string: getattr(torch, "autograd"), vars(torch)["nn"]
GRAD_STRINGS = {"autograd", "nn", "func", "optim", "functorch", "requires_grad", *GRAD_NAMES}
TENSOR_BACKWARD_KEYWORDS = {"gradient", "retain_graph", "create_graph", "inputs"}


def forbidden(dotted: str) -> bool:
    return any(dotted == f or dotted.startswith(f + ".") for f in FORBIDDEN)


def excluded(path: Path) -> bool:
    rel = path.relative_to(PACKAGE).as_posix()
    return any(rel == name or rel.startswith(name + "/") for name in NOT_FRAMEWORK)


def package_files() -> list[Path]:
    """Every ``*.py`` of the package, recursively, but those in ``NOT_FRAMEWORK``."""
    return [p for p in sorted(PACKAGE.rglob("*.py")) if not excluded(p)]


def _is_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


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
    allowed_calls = set()  # set_grad_enabled(False): turning gradients off is harmless
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = dotted(node.func) or ""
            if name.split(".")[-1] == "set_grad_enabled" and len(node.args) == 1 and _is_false(node.args[0]):
                allowed_calls.add(id(node.func))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = dotted(node)
            parent_reported = isinstance(node.value, ast.Attribute) and forbidden(dotted(node.value) or "")
            if name and forbidden(name) and not parent_reported:  # report torch.nn.functional.relu once
                report(node, name)
            if node.attr in GRAD_NAMES:
                report(node, f".{node.attr}")
            if node.attr == "set_grad_enabled" and id(node) not in allowed_calls:
                report(node, "set_grad_enabled(...) other than False")
            if node.attr == "backward" and name and name.split(".")[-2:-1] == ["Tensor"]:
                report(node, name)
        elif isinstance(node, ast.Name) and node.id in aliases and isinstance(node.ctx, ast.Load):
            if forbidden(aliases[node.id]):
                report(node, f"{node.id} ({aliases[node.id]})")
            elif aliases[node.id].endswith(".set_grad_enabled") and id(node) not in allowed_calls:
                report(node, f"{node.id} ({aliases[node.id]}) other than False")
        elif isinstance(node, ast.keyword) and node.arg == "requires_grad" and not _is_false(node.value):
            report(node.value, "requires_grad=...")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr == "requires_grad" and not _is_false(node.value):
                    report(node, ".requires_grad = ...")
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            if node.slice.value in GRAD_STRINGS:
                report(node, f"[{node.slice.value!r}]")
        elif isinstance(node, ast.Call):
            func = dotted(node.func) if isinstance(node.func, ast.Attribute | ast.Name) else None
            args = node.args
            if func in ("importlib.import_module", "__import__") and args and isinstance(args[0], ast.Constant):
                if forbidden(str(args[0].value)):
                    report(node, f"import of {args[0].value!r}")
            elif func in ("getattr", "setattr", "hasattr", "delattr") and len(args) >= 2:
                key = args[1].value if isinstance(args[1], ast.Constant) else None
                owner = dotted(args[0]) if isinstance(args[0], ast.Attribute | ast.Name) else None
                is_false = func == "setattr" and len(args) == 3 and _is_false(args[2])
                if key in GRAD_STRINGS and not is_false or (owner and key and forbidden(f"{owner}.{key}")):
                    report(node, f"{func}(..., {key!r})")
            if isinstance(node.func, ast.Attribute) and node.func.attr == "backward":
                if {k.arg for k in node.keywords} & TENSOR_BACKWARD_KEYWORDS:
                    report(node, "Tensor.backward(...) keywords")
    return found


# -- run time ---------------------------------------------------------------------------------------

def nn_function(func) -> bool:
    """A function of torch.nn (its Python wrappers, or the C functions behind torch.nn.functional)."""
    module = getattr(func, "__module__", None) or ""
    return forbidden(module) or module.startswith("torch._C._nn")


class Recorder(TorchFunctionMode):
    """Sees every torch function called inside it, and every tensor it returns."""

    def __init__(self) -> None:
        super().__init__()
        self.funcs: list = []
        self.tensors: list[torch.Tensor] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        self.funcs.append(func)
        for r in result if isinstance(result, tuple | list) else [result]:
            if isinstance(r, torch.Tensor):
                self.tensors.append(r)
        return result


class AutogradCalled(AssertionError):
    """Raised by a booby-trapped autograd entry point."""


TRAPPED = [(torch.autograd, "backward"), (torch.autograd, "grad"), (torch.Tensor, "backward"),
           (torch.autograd, "_engine_run_backward"), (torch.autograd.graph, "_engine_run_backward")]


@contextmanager
def autograd_trapped() -> Iterator[None]:
    """Every entry point into autograd's backward engine raises ``AutogradCalled`` inside this block."""
    def trap(name: str):  # one function per entry point: torch._dynamo rejects one object under two names
        def trapped(*args, **kwargs):
            raise AutogradCalled(f"autograd was called ({name})")
        return trapped

    saved = [(owner, name, getattr(owner, name)) for owner, name in TRAPPED]
    try:
        for owner, name, _ in saved:
            setattr(owner, name, trap(f"{owner.__name__}.{name}"))
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


Step = Callable[[], dict[str, torch.Tensor]]


def problems(step: Step) -> list[str]:
    """What betrays autograd or torch.nn in ``step()`` (which returns every tensor it produced); [] if nothing.

    ``step`` must build everything it uses (seeded): it runs twice, with gradients enabled (recorded,
    autograd trapped) and disabled, and both runs must give the same tensors bit for bit.
    """
    try:
        with torch.set_grad_enabled(True), Recorder() as rec, autograd_trapped():
            enabled = step()
    except AutogradCalled as e:
        return [f"autograd was called: {e}"]
    found = []
    graph = [t for t in [*rec.tensors, *enabled.values()] if t.requires_grad or t.grad_fn is not None]
    if graph:
        found.append(f"{len(graph)} tensors carry an autograd graph")
    nn_funcs = sorted({f"{f.__module__}.{f.__name__}" for f in rec.funcs if nn_function(f)})
    if nn_funcs:
        found.append(f"torch.nn functions ran: {nn_funcs}")
    if not rec.funcs:
        found.append("the recorder saw no torch function: the step did nothing")
    with torch.set_grad_enabled(False):
        disabled = step()
    differ = sorted(k for k in enabled if k not in disabled or not torch.equal(enabled[k], disabled[k]))
    if differ or enabled.keys() != disabled.keys():
        found.append(f"results depend on the grad mode: {differ}")
    return found
