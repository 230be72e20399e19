"""The report's network trained through the tape reaches the explicit modules' parameters."""

from __future__ import annotations

import pytest
import torch

import minidl
from minidl import autograd as ag
from minidl.autograd.layers import linear_layer
from minidl.data import disk_dataset
from minidl.models import report_net


def params(net):
    return [p for m in net.modules for p in m.param()]


def twins(softmax: bool):
    return [report_net(softmax=softmax, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
            for _ in range(2)]


@pytest.mark.parametrize("softmax", [False, True], ids=["mse", "softmax+cross-entropy"])
def test_the_tape_trains_the_report_net_to_the_same_parameters(softmax):
    x, t = disk_dataset(200, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    explicit, taped = twins(softmax)
    loss = minidl.CrossEntropyLoss() if softmax else minidl.MSELoss()
    tape_loss = ag.cross_entropy if softmax else ag.mse_loss
    opt_e, opt_t = minidl.SGD(params(explicit), lr=0.05, momentum=0.9), minidl.SGD(params(taped), lr=0.05, momentum=0.9)
    tape = ag.TapeNet(taped)
    for step in range(25):
        batch = slice(8 * step % 200, 8 * step % 200 + 8)
        opt_e.zero_grad()
        loss(explicit.forward(x[batch]), t[batch])
        explicit.backward(loss.backward())
        opt_e.step()
        opt_t.zero_grad()
        tape.zero_grad()
        tape_loss(tape(x[batch]), t[batch]).backward()
        tape.to_params()
        opt_t.step()
    start = params(twins(softmax)[0])
    moved = max((p.value - q.value).abs().max().item() for p, q in zip(params(explicit), start, strict=True))
    assert moved > 1e-3  # training did move the parameters
    for p, q in zip(params(explicit), params(taped), strict=True):
        assert torch.equal(p.value, q.value)  # the same bits: the tape runs the modules' own backward


def test_the_tape_keeps_more_than_the_modules_caches():
    net = report_net(generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x = torch.randn(10, 2, dtype=torch.float64)
    loss = minidl.MSELoss()
    loss(net.forward(x), torch.zeros(10, 2, dtype=torch.float64))
    cached = ag.cache_bytes(*net.modules, loss)
    # the explicit modules: the three hidden layers' inputs (the Tanh outputs), x and the loss's p − t
    assert cached == 8 * (3 * 10 * 25 + 10 * 2 + 10 * 2)
    out = ag.mse_loss(ag.TapeNet(net)(x), torch.zeros(10, 2, dtype=torch.float64))
    # the tape keeps the same caches (inside the modules it saved), each Linear's output s and the scalar loss
    assert ag.tape_bytes(out) == cached + 8 * (3 * 10 * 25 + 10 * 2) + 8


def test_the_tapes_linear_layer_shares_its_tensors_and_draws_nothing():
    w, b = torch.randn(3, 4), torch.randn(4)
    state = torch.get_rng_state()
    layer = linear_layer(w, b, needs_input_grad=True)
    assert torch.equal(torch.get_rng_state(), state)
    assert layer.weight.value.data_ptr() == w.data_ptr() and layer.bias.value.data_ptr() == b.data_ptr()
    assert vars(layer).keys() == vars(minidl.Linear(3, 4)).keys()  # every attribute Linear.__init__ sets
    assert torch.allclose(layer.forward(torch.ones(2, 3)), torch.ones(2, 3) @ w + b)
    with pytest.raises(ValueError, match=r"bias \(out,\), got \(3, 4\) and \(3,\)"):
        linear_layer(w, torch.randn(3), needs_input_grad=True)
