"""The rule of the project: minidl uses no autograd and no torch.nn, checked at run time (``autograd_guard``):
one forward, backward and optimizer step of every module, loss and optimizer of the catalog
(``minidl.catalog``), of the stacked ensemble and of ``fit``, with autograd booby-trapped and every torch
call recorded: no graph, no torch.nn function, no autograd call, and the same tensors bit for bit with
gradients disabled. The guard is shown to fail when a module does use autograd.

The static scan of the source: tests/test_no_autograd.py.
"""

from __future__ import annotations

import inspect

import pytest
import torch
from autograd_guard import AutogradCalled, Recorder, autograd_trapped, nn_function, problems

import minidl
from minidl import catalog
from minidl.experiments import ensemble
from minidl.experiments import report as R
from minidl.models import report_net
from minidl.sequential import input_backward

# -- run time ---------------------------------------------------------------------------------------


def module_step(name: str, optimizer: str = "sgd-momentum", seed: int = 0) -> dict[str, torch.Tensor]:
    """Two forward/backward/optimizer steps of a catalog entry (one forward/backward for a loss), float32."""
    gen = minidl.seeded(seed)
    obj, x, target = catalog.example(catalog.ENTRIES[name], gen, torch.float32)
    if target is not None:
        return {"loss": obj(x, target), "grad": obj.backward()}
    opt = catalog.OPTIMIZERS[optimizer](obj.param()) if obj.param() else None
    out = {}
    for step in range(2):
        if opt:
            opt.zero_grad()
        out[f"output{step}"] = y = obj(x)
        out[f"dx{step}"] = input_backward(obj, torch.randn(y.shape, generator=gen))
        if opt:
            opt.step()
    for n, p in obj.named_param():
        out[n], out[n + ".grad"] = p.value, p.grad
    if opt:
        state = opt.state_dict()
        out.update({f"state.{k}.{i}": t for k, ts in state.items() if isinstance(ts, list)
                    for i, t in enumerate(ts) if isinstance(t, torch.Tensor)})
    return out


def ensemble_step() -> dict[str, torch.Tensor]:
    """One epoch of the stacked ensemble (both stacked losses), through ``fit_stacked``."""
    seeds = [0, 1]
    rounds = [R.round_data(s, n=20) for s in seeds]
    train = tuple(torch.stack([tr[i] for tr, _ in rounds]) for i in (0, 1))
    test = tuple(torch.stack([te[i] for _, te in rounds]) for i in (0, 1))
    net = ensemble.stack([R.round_model(s) for s in seeds], needs_input_grad=False)
    histories = R.fit_stacked(net, ensemble.StackedLoss(["mse", "ce"]), train, test, 1, 0.01, 5)
    out = {n: p.value for n, p in net.named_param()} | {n + ".grad": p.grad for n, p in net.named_param()}
    out["losses"] = torch.tensor([h.train_loss[-1] for h in histories])
    return out


def fit_step() -> dict[str, torch.Tensor]:
    net = report_net(softmax=True, generator=minidl.seeded(0))
    data = minidl.disk_dataset(40, minidl.seeded(1))
    opt = minidl.SGD(net.param(), lr=0.01, momentum=0.5)
    history = minidl.fit(net, minidl.CrossEntropyLoss(), opt, data, data, epochs=2, batch_size=8)
    return {n: p.value for n, p in net.named_param()} | {"loss": torch.tensor(history.train_loss)}


@pytest.mark.parametrize("name", catalog.ENTRIES)
def test_every_module_and_loss_of_the_catalog_is_autograd_free(name):
    assert problems(lambda: module_step(name)) == []


@pytest.mark.parametrize("optimizer", catalog.OPTIMIZERS)
def test_every_optimizer_of_the_catalog_is_autograd_free(optimizer):
    assert problems(lambda: module_step("cnn", optimizer)) == []


def test_the_stacked_ensemble_is_autograd_free():
    assert problems(ensemble_step) == []


def test_fit_is_autograd_free():
    assert problems(fit_step) == []


def test_the_runtime_guard_flags_a_conv2d_whose_weight_gradient_is_autograds(monkeypatch):
    """Conv2d's weight gradient computed by autograd, patched in memory: the guard must say so."""
    assert problems(lambda: module_step("conv")) == []
    original = minidl.Conv2d.backward

    def backward(self, grad_output):
        grad_input = original(self, grad_output)
        with torch.enable_grad():
            w = self.weight.value.detach().requires_grad_()
            s = torch.conv2d(self.cached_input, w, None, self.stride, self.padding)
            self.weight.grad.copy_(torch.autograd.grad((s * grad_output).sum(), w)[0])
        return grad_input

    def forward(self, x):
        self.cached_input = x
        return original_forward(self, x)

    original_forward = minidl.Conv2d.forward
    monkeypatch.setattr(minidl.Conv2d, "forward", forward)
    monkeypatch.setattr(minidl.Conv2d, "backward", backward)
    found = problems(lambda: module_step("conv"))
    assert found and "autograd was called" in found[0]
    with torch.set_grad_enabled(True), Recorder() as rec:  # without the trap, the recorder sees the graph
        module_step("conv")
    assert any(t.grad_fn is not None for t in rec.tensors)
    assert inspect.getsource(backward)  # the patch is real code, not a stub


def test_the_runtime_guard_flags_torch_nn_and_grad_mode_dependence(monkeypatch):
    relu_forward = minidl.ReLU.forward

    def nn_relu(self, s):
        relu_forward(self, s)
        return torch.nn.functional.relu(s)

    monkeypatch.setattr(minidl.ReLU, "forward", nn_relu)
    assert any("torch.nn functions ran" in p for p in problems(lambda: module_step("relu")))
    monkeypatch.undo()

    tanh_forward = minidl.Tanh.forward

    def moody(self, s):
        return tanh_forward(self, s) * (2.0 if torch.is_grad_enabled() else 1.0)

    monkeypatch.setattr(minidl.Tanh, "forward", moody)
    assert any("grad mode" in p for p in problems(lambda: module_step("tanh")))


def test_the_recorder_would_see_torch_nn_and_a_graph():
    with torch.set_grad_enabled(True), Recorder() as rec:
        x = torch.ones(2, 2, requires_grad=True)
        torch.nn.functional.softplus(x * 2)
    assert any(nn_function(f) for f in rec.funcs)
    assert any(t.grad_fn is not None for t in rec.tensors)
    with Recorder() as rec:
        torch.nn.functional.relu(torch.ones(2))  # a Python wrapper in torch.nn.functional
    assert any(nn_function(f) for f in rec.funcs)


@pytest.mark.parametrize("call", [
    lambda y, x: y.backward(),
    lambda y, x: torch.autograd.backward(y),
    lambda y, x: torch.autograd.grad(y, x),
    lambda y, x: torch.autograd.functional.vjp(lambda t: (t * t).sum(), x),
    lambda y, x: torch.func.grad(lambda t: (t * t).sum())(x.detach()),
], ids=["Tensor.backward", "autograd.backward", "autograd.grad", "autograd.functional", "func.grad"])
def test_the_trap_catches_each_entry_point(call):
    x = torch.ones(3, requires_grad=True)
    with autograd_trapped(), pytest.raises(AutogradCalled):
        call((x * x).sum(), x)
    call((x * x).sum(), x)  # restored afterwards


def test_fit_runs_with_autograd_trapped_and_gradients_disabled():
    with autograd_trapped(), torch.set_grad_enabled(False):
        out = fit_step()
    assert out["loss"][1] < out["loss"][0]
