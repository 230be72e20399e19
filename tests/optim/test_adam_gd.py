"""Adam against torch.optim.Adam step for step, and GD as full-batch gradient descent."""

from __future__ import annotations

import copy

import pytest
import torch

import minidl
from minidl.models import report_net


def torch_twin(net: minidl.Sequential) -> torch.nn.Sequential:
    """The same network in torch.nn, with the same weights (torch's Linear stores W transposed)."""
    layers = []
    for m in net.modules:
        if isinstance(m, minidl.Linear):
            lin = torch.nn.Linear(m.in_features, m.out_features, dtype=m.weight.value.dtype)
            with torch.no_grad():
                lin.weight.copy_(m.weight.value.T)
                lin.bias.copy_(m.bias.value)
            layers.append(lin)
        else:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def twin_params(net: torch.nn.Sequential) -> list[torch.Tensor]:
    """The twin's parameters in minidl's layout, to compare with ``net.param()``."""
    out = []
    for m in net:
        if isinstance(m, torch.nn.Linear):
            out += [m.weight.detach().T, m.bias.detach()]
    return out


@pytest.mark.parametrize(
    "kwargs",
    [{}, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6), dict(lr=0.003, weight_decay=0.1)],
    ids=["defaults", "custom", "weight-decay"],
)
def test_adam_matches_torch_over_100_steps(kwargs):
    """The same network, data and initial weights, float64: minidl's backward and Adam against autograd and
    torch.optim.Adam, 100 mini-batch steps; the trajectories agree to rounding."""
    gen = minidl.seeded(0)
    net = report_net(init="xavier", generator=gen, dtype=torch.float64)
    twin = torch_twin(net)
    x, y = minidl.disk_dataset(400, gen, dtype=torch.float64)
    loss_fn = minidl.SoftmaxCrossEntropyLoss()
    opt, ref_opt = minidl.Adam(net.param(), **kwargs), torch.optim.Adam(twin.parameters(), **kwargs)
    start = [p.value.clone() for p in net.param()]
    for step in range(100):
        xb, yb = x[4 * step : 4 * step + 4], y[4 * step : 4 * step + 4]
        opt.zero_grad()
        loss_fn(net(xb), yb)
        net.backward(loss_fn.backward())
        opt.step()
        ref_opt.zero_grad()
        torch.nn.functional.cross_entropy(twin(xb), yb).backward()
        ref_opt.step()
    for p, ref, p0 in zip(net.param(), twin_params(twin), start, strict=True):
        assert (p.value - p0).abs().max() > 1e-3  # it moved
        torch.testing.assert_close(p.value, ref, rtol=1e-10, atol=1e-12)


def test_adam_on_given_gradients_is_torchs_step_for_step():
    """Fed the same gradients, minidl's Adam and torch's agree after every one of 100 steps (float64)."""
    gen = minidl.seeded(1)
    p = minidl.Parameter(torch.randn(5, 3, generator=gen, dtype=torch.float64))
    ref = p.value.clone().requires_grad_(True)
    opt, ref_opt = minidl.Adam([p]), torch.optim.Adam([ref])
    for t in range(100):
        g = torch.randn(5, 3, generator=gen, dtype=torch.float64) * 10 ** (t % 5 - 2)  # scales 1e-2 … 1e2
        p.grad.copy_(g)
        ref.grad = g.clone()
        opt.step()
        ref_opt.step()
        torch.testing.assert_close(p.value, ref.detach(), rtol=1e-13, atol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    """After one step m̂ = g and √v̂ = |g|: every coordinate moves by η (up to ε), whatever the gradient's scale."""
    p = minidl.Parameter(torch.zeros(4, dtype=torch.float64))
    p.grad.copy_(torch.tensor([1e-3, -2.0, 50.0, -1e4], dtype=torch.float64))
    minidl.Adam([p], lr=0.01).step()
    torch.testing.assert_close(p.value, torch.tensor([-0.01, 0.01, -0.01, 0.01], dtype=torch.float64),
                               rtol=1e-5, atol=0)


def test_adam_keeps_dtype(dtype):
    p = minidl.Parameter(torch.ones(3, dtype=dtype))
    p.grad.fill_(1.0)
    opt = minidl.Adam([p])
    opt.step()
    assert p.value.dtype == dtype and opt.m[0].dtype == dtype and (p.value < 1).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(lr=0), "Adam: learning rate must be a finite number > 0"),
        (dict(lr=float("inf")), "Adam: learning rate must be"),
        (dict(betas=(0.9, 1.0)), r"Adam: betas must be two numbers in \[0, 1\)"),
        (dict(betas=(0.9,)), "Adam: betas must be"),
        (dict(eps=-1.0), "Adam: eps must be a number ≥ 0"),
        (dict(weight_decay=-0.1), "Adam: weight_decay must be a number ≥ 0"),
    ],
)
def test_adam_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        minidl.Adam([minidl.Parameter(torch.zeros(2))], **kwargs)


@pytest.mark.parametrize("cls", [minidl.Adam, minidl.GD])
def test_optimizer_rejects_tensors(cls):
    with pytest.raises(TypeError, match=f"{cls.__name__}: params\\[0\\] is Tensor, not a minidl Parameter"):
        cls([torch.zeros(2)], lr=0.1)


def test_gd_epoch_is_one_step_on_the_full_gradient():
    """One GD epoch (the whole set as one batch) = θ − η ∇L(θ), ∇L the mean loss's gradient from autograd."""
    gen = minidl.seeded(2)
    net = report_net(init="xavier", generator=gen, dtype=torch.float64)
    twin = torch_twin(net)
    x, y = minidl.disk_dataset(300, gen, dtype=torch.float64)
    gd = minidl.GD(net.param(), lr=0.5)
    loss = minidl.train_epoch(net, minidl.SoftmaxCrossEntropyLoss(), gd, x, y, batch_size=len(x))
    ref_loss = torch.nn.functional.cross_entropy(twin(x), y)
    ref_loss.backward()
    assert loss == pytest.approx(ref_loss.item(), rel=1e-12)
    with torch.no_grad():
        for p in twin.parameters():
            p -= 0.5 * p.grad
    for p, ref in zip(net.param(), twin_params(twin), strict=True):
        torch.testing.assert_close(p.value, ref, rtol=1e-12, atol=1e-14)


def test_gd_is_sgd_without_momentum():
    gen = minidl.seeded(3)
    net = report_net(init="xavier", generator=gen, dtype=torch.float64)
    other = copy.deepcopy(net)
    x, y = minidl.disk_dataset(200, gen, dtype=torch.float64)
    loss_fn = minidl.MSELoss()
    gd, sgd = minidl.GD(net.param(), lr=0.1), minidl.SGD(other.param(), lr=0.1)
    assert isinstance(gd, minidl.SGD) and gd.momentum == 0
    for _ in range(5):
        minidl.train_epoch(net, loss_fn, gd, x, y, batch_size=len(x))
        minidl.train_epoch(other, loss_fn, sgd, x, y, batch_size=len(x))
    for p, q in zip(net.param(), other.param(), strict=True):
        torch.testing.assert_close(p.value, q.value, rtol=0, atol=0)


def test_gd_is_deterministic_and_descends():
    """No sampling: two runs agree exactly, and a small step lowers the full training loss."""
    def run() -> tuple[list[float], list[torch.Tensor]]:
        gen = minidl.seeded(4)
        net = report_net(init="xavier", generator=gen, dtype=torch.float64)
        x, y = minidl.disk_dataset(200, gen, dtype=torch.float64)
        gd = minidl.GD(net.param(), lr=0.05)
        loss_fn = minidl.MSELoss()
        return [minidl.train_epoch(net, loss_fn, gd, x, y, len(x)) for _ in range(20)], net.state_dict()

    (losses, state), (again, state2) = run(), run()
    assert losses == again and all(torch.equal(state[k], state2[k]) for k in state)
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))  # strictly decreasing


def test_gd_bad_arguments():
    with pytest.raises(ValueError, match="GD: learning rate must be a finite number > 0, got lr=-1"):
        minidl.GD([minidl.Parameter(torch.zeros(2))], lr=-1)
