"""SGD with momentum against torch.optim.SGD, 100 steps from the same parameters, float64."""

from __future__ import annotations

import pytest
import torch

import minidl
from minidl import verify
from minidl.models import report_net

F64 = torch.float64
MOMENTA = [0.0, 0.5, 0.9]
STEPS = 100


@pytest.mark.parametrize("momentum", MOMENTA)
def test_matches_torch_sgd_on_a_quadratic(momentum, gen):
    # ℓ(θ) = ½ θᵀ A θ − bᵀ θ, gradient A θ − b, evaluated at each optimizer's own θ every step
    m = torch.randn(6, 6, generator=gen, dtype=F64)
    a, b = m @ m.T / 6 + torch.eye(6, dtype=F64), torch.randn(6, generator=gen, dtype=F64)
    start = torch.randn(6, generator=gen, dtype=F64)
    ours = minidl.Parameter(start.clone())
    theirs = start.clone().requires_grad_(True)
    sgd = minidl.SGD([ours], lr=0.05, momentum=momentum)
    ref = torch.optim.SGD([theirs], lr=0.05, momentum=momentum)
    for _ in range(STEPS):
        sgd.zero_grad()
        ours.grad += a @ ours.value - b
        sgd.step()
        ref.zero_grad()
        (0.5 * theirs @ a @ theirs - b @ theirs).backward()
        ref.step()
    torch.testing.assert_close(ours.value, theirs.detach(), rtol=1e-12, atol=1e-12)
    assert not torch.equal(ours.value, start)  # it moved: the comparison is not of two idle optimizers


@pytest.mark.parametrize("momentum", MOMENTA)
def test_matches_torch_sgd_with_the_same_gradient_sequence(momentum, gen):
    shapes = [(3, 4), (4,)]
    starts = [torch.randn(s, generator=gen, dtype=F64) for s in shapes]
    ours = [minidl.Parameter(s.clone()) for s in starts]
    theirs = [s.clone().requires_grad_(True) for s in starts]
    sgd = minidl.SGD(ours, lr=0.01, momentum=momentum)
    ref = torch.optim.SGD(theirs, lr=0.01, momentum=momentum)
    for _ in range(STEPS):
        gs = [torch.randn(s, generator=gen, dtype=F64) for s in shapes]
        for p, t, g in zip(ours, theirs, gs, strict=True):
            p.grad.copy_(g)
            t.grad = g.clone()
        sgd.step()
        ref.step()
    for p, t in zip(ours, theirs, strict=True):
        torch.testing.assert_close(p.value, t.detach(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("momentum", MOMENTA)
def test_training_the_report_net_matches_torch_sgd(momentum, gen):
    net = report_net(generator=gen, dtype=F64)
    x, y = minidl.disk_dataset(20, gen, dtype=F64)
    target = torch.eye(2, dtype=F64)[y]
    leaves = {n: p.value.clone().requires_grad_(True) for n, p in net.named_param()}
    start = net.state_dict()
    loss_fn = minidl.MSELoss()
    sgd = minidl.SGD(net.param(), lr=0.01, momentum=momentum)
    ref = torch.optim.SGD(list(leaves.values()), lr=0.01, momentum=momentum)
    forward = verify.reference_for(net)
    for _ in range(STEPS):
        sgd.zero_grad()
        loss_fn(net(x), y)
        net.backward(loss_fn.backward())
        sgd.step()
        ref.zero_grad()
        ((forward(x, leaves) - target) ** 2).mean().backward()
        ref.step()
    for name, p in net.named_param():
        torch.testing.assert_close(p.value, leaves[name].detach(), rtol=1e-10, atol=1e-10)
        assert not torch.equal(p.value, start[name])


def test_plain_sgd_step_is_theta_minus_lr_grad():
    p = minidl.Parameter(torch.tensor([1.0, 2.0], dtype=F64))
    p.grad += torch.tensor([0.5, -1.0], dtype=F64)
    minidl.SGD([p], lr=0.1).step()
    torch.testing.assert_close(p.value, torch.tensor([0.95, 2.1], dtype=F64))


def test_momentum_accumulates_the_velocity():
    # v1 = −η g, θ1 = θ0 + v1; v2 = μ v1 − η g, θ2 = θ1 + v2 (the same g twice)
    p = minidl.Parameter(torch.zeros(1, dtype=F64))
    sgd = minidl.SGD([p], lr=0.1, momentum=0.9)
    p.grad += 1.0
    sgd.step()
    torch.testing.assert_close(p.value, torch.tensor([-0.1], dtype=F64))
    sgd.step()
    torch.testing.assert_close(p.value, torch.tensor([-0.1 + (0.9 * -0.1 - 0.1)], dtype=F64))
