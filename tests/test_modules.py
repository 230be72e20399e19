"""Every module's forward and backward, against torch.autograd and against finite differences
(float64), and the oracles themselves: each catches a wrong backward, a NaN and a float32 detour.
Each module against its torch.nn equivalent, and the facts particular to one module:
tests/test_modules_torch_nn.py."""

from __future__ import annotations

import inspect
import math

import pytest
import torch

import minidl
from minidl import catalog, verify
from minidl.models import report_net

F64 = torch.float64
FD_TOL, AG_TOL = verify.FD_TOL, verify.AG_TOL  # 1e-6: central differences; 1e-10: float64 rounding


def tensors(module: minidl.Module | minidl.Loss) -> set[str]:
    """What the oracles check: the input's gradient, and each parameter's."""
    return {"input"} | ({n for n, _ in module.named_param()} if isinstance(module, minidl.Module) else set())


@pytest.mark.parametrize("name", catalog.ENTRIES)
def test_backward_matches_finite_differences(name, gen):
    module, x, target = catalog.example(catalog.ENTRIES[name], gen)
    errors = minidl.gradcheck(module, x, target)
    assert set(errors) == tensors(module)
    assert not verify.failures(errors, FD_TOL), errors


@pytest.mark.parametrize("name", catalog.ENTRIES)
def test_forward_and_backward_match_autograd(name, gen):
    module, x, target = catalog.example(catalog.ENTRIES[name], gen)
    errors = verify.autograd_errors(module, x, target)
    assert set(errors) == {"output"} | tensors(module)
    assert not verify.failures(errors, AG_TOL), errors


def exported(base: type) -> set[type]:
    return {obj for obj in vars(minidl).values() if inspect.isclass(obj) and issubclass(obj, base) and obj is not base}


def test_the_catalog_has_every_class_that_minidl_exports(gen):
    built = [catalog.example(entry, gen)[0] for entry in catalog.ENTRIES.values()]
    leaves = {type(m) for m in built}
    leaves |= {type(layer) for m in built if isinstance(m, minidl.Sequential) for layer in m.modules}
    assert exported(minidl.Module) | exported(minidl.Loss) <= leaves
    linear = catalog.MODULES["linear-square"].make(gen, F64)
    assert linear.in_features == linear.out_features  # W and Wᵀ of the same shape: only values tell them apart
    params = minidl.Linear(2, 2).param()
    assert exported(minidl.Optimizer) <= {type(make(params)) for make in catalog.OPTIMIZERS.values()}


def test_failures_sees_a_nan_anywhere():
    # Python's max skips a NaN that is not first: max([1e-12, nan]) == 1e-12
    assert max([1e-12, float("nan")]) < FD_TOL
    bad = verify.failures({"input": 1e-12, "weight": float("nan")}, FD_TOL)
    assert list(bad) == ["weight"] and math.isnan(bad["weight"])
    assert set(verify.failures({"a": 1e-12, "b": float("inf"), "c": FD_TOL}, FD_TOL)) == {"b", "c"}
    assert verify.failures({"a": 0.0, "b": 1e-7}, FD_TOL) == {}


class NaNBiasGrad(minidl.Linear):
    """Linear whose bias gradient is NaN: the input's and the weight's are right."""

    def backward(self, grad_output):
        grad_input = super().backward(grad_output)
        self.bias.grad.fill_(float("nan"))
        return grad_input


def test_verify_fails_on_a_nan_gradient(gen):
    # a subclass that changes only backward is checked against its base class's reference
    with pytest.raises(AssertionError, match="bias"):
        verify.verify(NaNBiasGrad(3, 4, generator=gen), torch.randn(5, 3, generator=gen), show=False)


class Float32Tanh(minidl.Tanh):
    """Tanh whose backward takes a float32 detour: an error of about 1e-7, which finite differences miss."""

    def backward(self, grad_output):
        y, g = self.output.float(), grad_output.float()  # the detour: float32 arithmetic
        return (g * (1 - y * y)).to(grad_output.dtype)


def test_a_float32_detour_is_caught_by_autograd_only(gen):
    x = torch.randn(6, 5, generator=gen, dtype=F64)
    assert minidl.gradcheck(Float32Tanh(), x)["input"] < FD_TOL  # finite differences cannot see it
    assert verify.autograd_errors(Float32Tanh(), x)["input"] > AG_TOL
    with pytest.raises(AssertionError, match="input vs autograd"):
        verify.verify(Float32Tanh(), x, show=False)


def test_a_shape_mismatch_is_an_infinite_error():
    assert verify.error(torch.zeros(3), torch.zeros(1, 3)) == float("inf")


def test_verify_passes_and_reports_every_tensor(gen, capsys):
    net = report_net(softmax=True, generator=gen, dtype=F64)
    rows = verify.verify(net, torch.randn(4, 2, generator=gen, dtype=F64))
    assert set(rows) == {"output", "input"} | {n for n, _ in net.named_param()}
    assert "Sequential" in capsys.readouterr().out


class WrongTanh(minidl.Tanh):
    """Tanh with the classic mistake: the derivative written with s instead of tanh(s)."""

    def forward(self, s):
        self.s = s
        return super().forward(s)

    def backward(self, grad_output):
        return grad_output * (1 - self.s * self.s)

    def reference(self, x, params):
        return torch.tanh(x)


def test_both_oracles_catch_a_wrong_backward(gen):
    x = torch.randn(5, 4, generator=gen, dtype=F64)
    assert minidl.gradcheck(WrongTanh(), x)["input"] > 0.1
    assert verify.autograd_errors(WrongTanh(), x)["input"] > 0.1
    with pytest.raises(AssertionError, match="WrongTanh"):
        verify.verify(WrongTanh(), x, show=False)
