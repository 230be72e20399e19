"""The Module contract around forward/backward: gradients accumulate, zero_grad, state_dict,
repr, train/eval, to(), and any dtype or device."""

from __future__ import annotations

import copy

import pytest
import torch

import minidl
from minidl.models import report_net

F64 = torch.float64


def grads(module: minidl.Module) -> list[torch.Tensor]:
    return [p.grad.clone() for p in module.param()]


@pytest.mark.parametrize("kind", ["linear", "sequential"])
def test_gradients_accumulate_over_two_backward_calls(kind, gen):
    module = minidl.Linear(2, 3, generator=gen) if kind == "linear" else report_net(softmax=True, generator=gen)
    x = torch.rand(4, 2, generator=gen)
    g = torch.randn(4, module(x).shape[1], generator=gen)
    grad_x_once = module.backward(g)
    once = grads(module)
    assert all(bool(t.abs().sum() > 0) for t in once)
    grad_x_twice = module.backward(g)
    for a, b in zip(grads(module), once, strict=True):
        torch.testing.assert_close(a, 2 * b)
    torch.testing.assert_close(grad_x_twice, grad_x_once)  # the input gradient is returned, not accumulated
    module.zero_grad()
    assert all(bool((p.grad == 0).all()) for p in module.param())


def test_gradient_of_two_batches_is_the_sum_of_their_gradients(gen):
    net = report_net(generator=gen, dtype=F64)
    xs = [torch.rand(3, 2, generator=gen, dtype=F64) for _ in range(2)]
    gs = [torch.randn(3, 2, generator=gen, dtype=F64) for _ in range(2)]
    separate = []
    for x, g in zip(xs, gs, strict=True):
        net.zero_grad()
        net(x)
        net.backward(g)
        separate.append(grads(net))
    net.zero_grad()
    for x, g in zip(xs, gs, strict=True):
        net(x)
        net.backward(g)
    for total, a, b in zip(grads(net), *separate, strict=True):
        torch.testing.assert_close(total, a + b)


def test_zero_grad_of_sgd_and_parameter(gen):
    net = report_net(generator=gen)
    net(torch.rand(5, 2, generator=gen))
    net.backward(torch.ones(5, 2))
    opt = minidl.SGD(net.param(), lr=0.1)
    assert any(bool(p.grad.abs().sum() > 0) for p in net.param())
    opt.zero_grad()
    assert all(bool((p.grad == 0).all()) for p in net.param())
    p = minidl.Parameter(torch.ones(3))
    p.grad += 1
    p.zero_grad()
    assert torch.equal(p.grad, torch.zeros(3))


def test_parameter_holds_value_and_a_zero_grad_of_the_same_shape():
    p = minidl.Parameter(torch.randn(2, 3, dtype=F64))
    assert p.grad.shape == p.value.shape == p.shape == (2, 3)
    assert p.grad.dtype == F64 and bool((p.grad == 0).all())
    with pytest.raises(TypeError, match="Parameter: value must be a floating-point tensor"):
        minidl.Parameter(torch.ones(3, dtype=torch.int64))


# -- state_dict -----------------------------------------------------------------------------

def test_state_dict_round_trip_gives_identical_outputs():
    a, b = report_net(generator=minidl.seeded(1)), report_net(generator=minidl.seeded(2))
    x = torch.rand(10, 2, generator=minidl.seeded(3))
    assert not torch.equal(a(x), b(x))
    state = a.state_dict()
    assert list(state) == [f"{i}.{w}" for i in (0, 2, 4, 6) for w in ("weight", "bias")]
    b.load_state_dict(state)
    assert torch.equal(a(x), b(x))
    state["0.weight"].add_(1.0)  # the state is a copy: changing it changes neither network
    assert torch.equal(a(x), b(x))


def test_state_dict_of_a_single_layer(gen):
    lin = minidl.Linear(3, 2, generator=gen)
    state = lin.state_dict()
    assert set(state) == {"weight", "bias"} and state["weight"].shape == (3, 2)
    other = minidl.Linear(3, 2, generator=minidl.seeded(99))
    other.load_state_dict(state)
    assert torch.equal(other.weight.value, lin.weight.value) and torch.equal(other.bias.value, lin.bias.value)


# -- repr, train/eval -----------------------------------------------------------------------

def test_repr_is_readable():
    text = repr(report_net(softmax=True))
    assert text.startswith("Sequential(")
    assert "(0): Linear(in_features=2, out_features=25, init='gaussian')" in text
    assert "(6): Linear(in_features=25, out_features=2, init='gaussian')" in text
    assert text.count("Tanh()") == 3 and "(7): Softmax()" in text
    assert repr(minidl.Linear(4, 5, init="xavier")) == "Linear(in_features=4, out_features=5, init='xavier')"
    assert "2×3" in repr(minidl.Parameter(torch.zeros(2, 3)))
    assert repr(minidl.SoftmaxCrossEntropyLoss("sum")) == "SoftmaxCrossEntropyLoss(reduction='sum')"
    assert "lr=0.1" in repr(minidl.SGD(minidl.Linear(1, 1).param(), lr=0.1, momentum=0.5))


def test_train_and_eval_propagate_to_children():
    inner = minidl.Sequential(minidl.Linear(2, 3), minidl.Tanh())
    net = minidl.Sequential(inner, minidl.Linear(3, 2), minidl.Softmax())
    every = [net, inner, *inner.modules, *net.modules[1:]]
    assert net.eval() is net
    assert not any(m.training for m in every)
    net.train()
    assert all(m.training for m in every)
    net.train(False)
    assert not any(m.training for m in every)


def test_sequential_indexing_and_params(gen):
    net = report_net(generator=gen)
    assert len(net) == 7 and isinstance(net[1], minidl.Tanh)
    assert net.param() == [p for m in net.modules for p in m.param()]
    names = [n for n, _ in net.named_param()]
    assert names[:2] == ["0.weight", "0.bias"] and len(names) == 8


# -- dtype and device ------------------------------------------------------------------------

def test_to_float64_casts_values_and_grads(gen):
    net = report_net(generator=gen)
    x = torch.rand(6, 2, generator=gen)
    y32 = net(x)
    assert net.to(dtype=F64) is net
    assert all(p.value.dtype == F64 and p.grad.dtype == F64 for p in net.param())
    y64 = net(x.double())
    assert y64.dtype == F64
    torch.testing.assert_close(y64, y32.double(), rtol=1e-5, atol=1e-5)
    assert net.backward(torch.ones_like(y64), input_grad=True).dtype == F64


def run_training_steps(device: str, dtype: torch.dtype, steps: int = 5) -> tuple[list[float], minidl.Module]:
    """A few steps of SGD with momentum on the report's net, from fixed weights and data."""
    net = report_net(generator=minidl.seeded(0), dtype=F64).to(device=device, dtype=dtype)
    x, y = minidl.disk_dataset(40, minidl.seeded(1), dtype=F64)
    x, y = x.to(device=device, dtype=dtype), y.to(device)
    loss_fn, opt = minidl.MSELoss(), minidl.SGD(net.param(), lr=0.01, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        losses.append(loss_fn(net(x), y).item())
        net.backward(loss_fn.backward())
        opt.step()
    return losses, net


def test_float32_and_float64_train_alike():
    losses32, net32 = run_training_steps("cpu", torch.float32)
    losses64, net64 = run_training_steps("cpu", F64)
    assert all(p.value.dtype == torch.float32 for p in net32.param())
    assert all(p.value.dtype == F64 for p in net64.param())
    assert losses64[-1] < losses64[0]
    for a, b in zip(losses32, losses64, strict=True):
        assert abs(a - b) <= 1e-4 * abs(b)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: torch.cuda.is_available() is False")
def test_training_on_cuda_matches_cpu():
    losses_cuda, net_cuda = run_training_steps("cuda", F64)
    losses_cpu, net_cpu = run_training_steps("cpu", F64)
    assert all(p.value.is_cuda and p.grad.is_cuda for p in net_cuda.param())
    assert losses_cuda == pytest.approx(losses_cpu, rel=1e-9)
    for a, b in zip(net_cuda.param(), net_cpu.param(), strict=True):
        torch.testing.assert_close(a.value.cpu(), b.value)
    # the training helpers too: data drawn on the GPU, a CPU shuffling generator
    x, y = minidl.disk_dataset(50, minidl.seeded(0, device="cuda"), device="cuda")
    net = report_net(generator=minidl.seeded(0, device="cuda"), device="cuda")
    opt = minidl.SGD(net.param(), lr=1e-3, momentum=0.5)
    loss = minidl.train_epoch(net, minidl.MSELoss(), opt, x, y, batch_size=10, generator=minidl.seeded(2))
    assert loss == loss and all(p.value.is_cuda for p in net.param())
    loss, err = minidl.evaluate(net, minidl.SoftmaxCrossEntropyLoss(), x, y)
    assert 0 <= err <= 1 and loss == loss


def test_deepcopy_gives_an_independent_module(gen):
    net = report_net(generator=gen)
    twin = copy.deepcopy(net)
    twin.param()[0].value.add_(1.0)
    assert not torch.equal(twin.param()[0].value, net.param()[0].value)
