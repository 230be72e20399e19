"""Hypothesis property tests over random batch sizes and widths: backward against finite
differences and autograd (float64), and invariants of the forward passes."""

from __future__ import annotations

import itertools

import torch
from hypothesis import example, given
from hypothesis import strategies as st

import minidl
from minidl import verify

F64 = torch.float64
sizes = st.integers(min_value=1, max_value=6)
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def assert_gradients_right(module, x, target=None) -> None:
    fd = minidl.gradcheck(module, x, target)
    ag = verify.autograd_errors(module, x, target)
    assert not verify.failures(fd, verify.FD_TOL), fd
    assert not verify.failures(ag, verify.AG_TOL), ag


# square layers, always: W and Wᵀ have the same shape there, so a transposed gradient shows only in its values
@example(n=3, fan_in=4, fan_out=4, init="gaussian", seed=0)
@example(n=1, fan_in=5, fan_out=5, init="xavier", seed=1)
@given(n=sizes, fan_in=sizes, fan_out=sizes, init=st.sampled_from(["gaussian", "xavier"]), seed=seeds)
def test_linear_gradients(n, fan_in, fan_out, init, seed):
    gen = minidl.seeded(seed)
    lin = minidl.Linear(fan_in, fan_out, init=init, generator=gen, dtype=F64)
    x = torch.randn(n, fan_in, generator=gen, dtype=F64)
    assert lin(x).shape == (n, fan_out)
    assert_gradients_right(lin, x)


@given(n=sizes, width=sizes, cls=st.sampled_from([minidl.Tanh, minidl.ReLU, minidl.Softmax]), seed=seeds)
def test_activation_gradients(n, width, cls, seed):
    x = torch.randn(n, width, generator=minidl.seeded(seed), dtype=F64) * 3
    assert_gradients_right(cls(), x)


@given(widths=st.lists(sizes, min_size=2, max_size=4),
       act=st.sampled_from([minidl.Tanh, minidl.ReLU]), softmax=st.booleans(), n=sizes, seed=seeds)
def test_sequential_gradients(widths, act, softmax, n, seed):
    gen = minidl.seeded(seed)
    layers = []
    for a, b in itertools.pairwise(widths):
        layers += [minidl.Linear(a, b, init="xavier", generator=gen, dtype=F64), act()]
    if softmax:
        layers.append(minidl.Softmax())
    net = minidl.Sequential(*layers)
    x = torch.randn(n, widths[0], generator=gen, dtype=F64)
    assert net(x).shape == (n, widths[-1])
    assert_gradients_right(net, x)


@given(n=sizes, c=st.integers(min_value=2, max_value=6),
       cls=st.sampled_from([minidl.MSELoss, minidl.CrossEntropyLoss, minidl.SoftmaxCrossEntropyLoss]),
       reduction=st.sampled_from(["mean", "sum"]), index_target=st.booleans(), seed=seeds)
def test_loss_gradients(n, c, cls, reduction, index_target, seed):
    gen = minidl.seeded(seed)
    s = torch.randn(n, c, generator=gen, dtype=F64) * 2
    # probabilities kept ≥ 1/(2c): near p = 0, central differences of log p lose accuracy (error ~ ε²/p²)
    prediction = (torch.softmax(s, dim=1) + 1 / c) / 2 if cls is minidl.CrossEntropyLoss else s
    if index_target:
        target = torch.randint(0, c, (n,), generator=gen)
    else:
        target = torch.softmax(torch.randn(n, c, generator=gen, dtype=F64), dim=1)
    loss = cls(reduction=reduction)
    value = loss(prediction, target)
    assert value.dim() == 0 and bool(torch.isfinite(value))
    assert loss.backward().shape == (n, c)
    assert_gradients_right(loss, prediction, target)


@given(n=sizes, c=sizes, shift=st.floats(min_value=-1e4, max_value=1e4), seed=seeds)
def test_softmax_rows_are_distributions_invariant_to_a_shift(n, c, shift, seed):
    s = torch.randn(n, c, generator=minidl.seeded(seed), dtype=F64) * 5
    p = minidl.Softmax()(s)
    assert bool((p >= 0).all())
    torch.testing.assert_close(p.sum(dim=1), torch.ones(n, dtype=F64))
    torch.testing.assert_close(minidl.Softmax()(s + shift), p)


@given(n=sizes, c=st.integers(min_value=2, max_value=6), seed=seeds)
def test_fused_loss_gradient_rows_sum_to_zero(n, c, seed):
    gen = minidl.seeded(seed)
    loss = minidl.SoftmaxCrossEntropyLoss()
    loss(torch.randn(n, c, generator=gen, dtype=F64), torch.randint(0, c, (n,), generator=gen))
    # p − t: both rows sum to 1, so the gradient cannot move the total score of a row
    torch.testing.assert_close(loss.backward().sum(dim=1), torch.zeros(n, dtype=F64))


@example(n=4, fan_in=3, fan_out=3, seed=0)
@given(n=sizes, fan_in=sizes, fan_out=sizes, seed=seeds)
def test_linear_batch_is_the_rows_one_by_one(n, fan_in, fan_out, seed):
    gen = minidl.seeded(seed)
    lin = minidl.Linear(fan_in, fan_out, generator=gen, dtype=F64)
    x = torch.randn(n, fan_in, generator=gen, dtype=F64)
    g = torch.randn(n, fan_out, generator=gen, dtype=F64)
    lin(x)
    grad_x = lin.backward(g)
    batch_grads = [p.grad.clone() for p in lin.param()]
    lin.zero_grad()
    for i in range(n):  # per-sample backward calls accumulate to the batch gradient
        lin(x[i : i + 1])
        torch.testing.assert_close(lin.backward(g[i : i + 1]), grad_x[i : i + 1])
    for p, expected in zip(lin.param(), batch_grads, strict=True):
        torch.testing.assert_close(p.grad, expected)
