"""Misuse (issue 10): what a student may do wrong either trains correctly or stops with a clear
error, never a silently wrong result, a raw torch error or a growing autograd graph. Here: 1. shared
parameters, 2. a module used twice, 3. never an autograd graph. Targets (4-6):
tests/test_misuse_targets.py; divergence, and clear errors instead of raw crashes (7):
tests/test_misuse_crashes.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import minidl
from minidl.models import report_net


def tied_nets(seed: int = 0):
    """minidl and torch.nn versions of Linear(3, 3) → Tanh → Linear(3, 3) with the two weights tied."""
    gen = minidl.seeded(seed)
    l1, l2 = minidl.Linear(3, 3, init="xavier", generator=gen), minidl.Linear(3, 3, init="xavier", generator=gen)
    l2.weight = l1.weight
    net = minidl.Sequential(l1, minidl.Tanh(), l2)
    ref = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.Linear(3, 3)).double()
    ref[2].weight = ref[0].weight
    with torch.no_grad():
        ref[0].weight.copy_(l1.weight.value.T)
        ref[0].bias.copy_(l1.bias.value)
        ref[2].bias.copy_(l2.bias.value)
    return net.to(dtype=torch.float64), ref


# -- 1. shared parameters ----------------------------------------------------------------------------

def test_a_shared_parameter_is_listed_once_and_saved_under_each_name():
    net, ref = tied_nets()
    assert len(net.param()) == len(list(ref.parameters())) == 3
    assert [n for n, _ in net.named_param()] == ["0.weight", "0.bias", "2.bias"]
    assert list(net.state_dict()) == list(ref.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    net.load_state_dict(net.state_dict())


def test_the_gradients_of_both_uses_add_up_in_the_shared_grad():
    net, ref = tied_nets()
    x = torch.randn(4, 3, generator=minidl.seeded(1), dtype=torch.float64)
    net.backward(torch.ones_like(net(x)))
    ref(x).sum().backward()
    torch.testing.assert_close(net[0].weight.grad, ref[0].weight.grad.T)


@pytest.mark.parametrize("method", ["hand-written loop over model.param()", "SGD", "Adam"])
def test_tied_weights_train_as_in_torch(method):
    net, ref = tied_nets()
    gen = minidl.seeded(2)
    x, y = torch.randn(8, 3, generator=gen, dtype=torch.float64), torch.randint(0, 3, (8,), generator=gen)
    loss_fn = minidl.SoftmaxCrossEntropyLoss()
    if method == "Adam":
        opt, ref_opt = minidl.Adam(net.param(), lr=0.05), torch.optim.Adam(ref.parameters(), lr=0.05)
    else:
        opt, ref_opt = minidl.SGD(net.param(), lr=0.1, momentum=0.0), torch.optim.SGD(ref.parameters(), lr=0.1)
    for _ in range(5):
        net.zero_grad()
        loss_fn(net(x), y)
        net.backward(loss_fn.backward())
        if method.startswith("hand"):
            for p in net.param():
                p.value -= 0.1 * p.grad
        else:
            opt.step()
        ref_opt.zero_grad()
        torch.nn.functional.cross_entropy(ref(x), y).backward()
        ref_opt.step()
    torch.testing.assert_close(net[0].weight.value, ref[0].weight.detach().T)
    assert net[2].weight is net[0].weight


# -- 2. a module used twice -------------------------------------------------------------------------------

def test_a_layer_used_twice_is_refused():
    lin = minidl.Linear(2, 2)
    with pytest.raises(ValueError, match=r"Sequential: module 2 \(Linear\(.*\)\) is the same instance as module 0; "
                                         r"a module caches its forward pass"):
        minidl.Sequential(lin, minidl.Tanh(), lin)


def test_an_activation_used_twice_is_refused():
    tanh = minidl.Tanh()
    with pytest.raises(ValueError, match=r"module 3 \(Tanh\(\)\) is the same instance as module 1"):
        minidl.Sequential(minidl.Linear(2, 2), tanh, minidl.Linear(2, 2), tanh)


def test_a_module_used_twice_across_nested_sequentials_is_refused():
    tanh = minidl.Tanh()
    with pytest.raises(ValueError, match=r"module 1\.0 \(Tanh\(\)\) is the same instance as module 0\.1"):
        minidl.Sequential(minidl.Sequential(minidl.Linear(2, 2), tanh), minidl.Sequential(tanh))
    inner = minidl.Sequential(minidl.Linear(2, 2))
    with pytest.raises(ValueError, match=r"module 1 \(Sequential"):
        minidl.Sequential(inner, inner)


# -- 3. never an autograd graph ----------------------------------------------------------------------

def graph_nodes(tensors) -> int:
    """How many autograd nodes hang on ``tensors`` (every node reachable from their ``grad_fn``)."""
    seen, stack = set(), [t.grad_fn for t in tensors if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(n for n, _ in node.next_functions)
    return len(seen)


def held_tensors(net: minidl.Module, opt: minidl.Optimizer) -> list[torch.Tensor]:
    """Every tensor the model and the optimizer keep from one step to the next."""
    tensors = [t for p in net.param() for t in (p.value, p.grad)] + [t for b in opt.m + opt.v for t in [b]]
    for module in net.modules:
        tensors += [v for v in vars(module).values() if isinstance(v, torch.Tensor)]
    return tensors


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc (Linux) for the RSS")
def test_400_steps_on_inputs_that_require_grad_build_no_graph_and_hold_memory_flat():
    torch.manual_seed(0)
    net = report_net(generator=minidl.seeded(0))
    opt, loss_fn = minidl.Adam(net.param(), lr=1e-3), minidl.MSELoss()
    x, y = minidl.disk_dataset(20, minidl.seeded(1))
    x.requires_grad_()
    rss = []
    with torch.set_grad_enabled(True):
        for step in range(400):
            opt.zero_grad()
            out = net(x)
            loss_fn(out, y)
            net.backward(loss_fn.backward())
            opt.step()
            if step in (99, 399):
                rss.append(rss_bytes())
    tensors = held_tensors(net, opt)
    assert len(tensors) > 20
    assert not any(t.requires_grad for t in tensors)
    assert graph_nodes(tensors) == 0
    # Before the fix the graph held every step's tensors: +22 MiB over 400 steps, still growing.
    assert rss[1] - rss[0] < 4 * 2**20


def test_other_ways_in_build_no_graph():
    net = report_net(generator=minidl.seeded(0))
    state = {k: v.clone().requires_grad_() for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    p = minidl.Parameter(torch.ones(3).requires_grad_())
    x = torch.rand(5, 2)
    out = net(x)
    grad_in = net.backward(torch.ones_like(out).requires_grad_(), input_grad=True)
    loss_fn = minidl.SoftmaxCrossEntropyLoss()
    loss = loss_fn(torch.randn(5, 2).requires_grad_(), torch.softmax(torch.randn(5, 2), 1).requires_grad_())
    grads = [loss, loss_fn.backward(), grad_in, p.value, p.grad]
    tensors = [q.value for q in net.param()] + [q.grad for q in net.param()] + grads
    assert not any(t.requires_grad or t.grad_fn is not None for t in tensors)
