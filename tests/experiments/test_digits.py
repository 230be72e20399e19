"""minidl.digits: the 8×8 digits split and the digits chapter's two models."""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits

import minidl
from minidl.experiments import digits
from minidl.verify import reference_for, verify


def test_split_is_fixed_and_scaled():
    (x, y), (xt, yt) = digits.load_digits()
    assert x.shape == (1297, 1, 8, 8) and xt.shape == (500, 1, 8, 8) and y.shape == (1297,) and yt.shape == (500,)
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert x.min() == 0 and x.max() == 1 and set(y.tolist()) == set(range(10)) == set(yt.tolist())
    (x2, _), (_, yt2) = digits.load_digits()
    assert torch.equal(x, x2) and torch.equal(yt, yt2)
    (x3, _), (xt3, _) = digits.load_digits(n_test=100, seed=1, dtype=torch.float64)
    assert x3.dtype == torch.float64 and len(xt3) == 100 and len(x3) == 1697


def test_split_uses_every_image_once():
    """Training and test sets together are the 1,797 images, each once, with their own labels."""
    (x, y), (xt, yt) = digits.load_digits()
    data = load_digits()
    every = torch.cat([torch.tensor(data.images, dtype=torch.float32).flatten(1) / 16,
                       torch.tensor(data.target, dtype=torch.float32).unsqueeze(1)], dim=1)
    ours = torch.cat([torch.cat([x, xt]).flatten(1), torch.cat([y, yt]).float().unsqueeze(1)], dim=1)
    assert sorted(map(tuple, ours.tolist())) == sorted(map(tuple, every.tolist()))


@pytest.mark.parametrize("n_test", [0, 1797, -5])
def test_bad_split(n_test):
    with pytest.raises(ValueError, match=r"load_digits: n_test must lie in \(0, 1797\)"):
        digits.load_digits(n_test=n_test)


def test_mlp(gen):
    assert digits.mlp(gen)(torch.randn(5, 1, 8, 8, generator=gen)).shape == (5, 10)
    verify(digits.mlp(gen, hidden=8), torch.randn(3, 1, 8, 8, generator=gen), show=False)


def test_cnn_gradients_against_autograd(gen):
    """The CNN maps images to 10 scores; its first convolution returns no input gradient (the data needs none),
    and every parameter gradient matches autograd."""
    model = digits.cnn(gen).to(dtype=torch.float64)
    x = torch.randn(4, 1, 8, 8, generator=gen, dtype=torch.float64)
    g = torch.randn(4, 10, generator=gen, dtype=torch.float64)
    assert model.forward(x).shape == (4, 10)
    assert model.backward(g) is None
    params = {n: p.value.clone().requires_grad_(True) for n, p in model.named_param()}
    (reference_for(model)(x, params) * g).sum().backward()
    for name, p in model.named_param():
        torch.testing.assert_close(p.grad, params[name].grad)


def test_two_epochs_learn(gen):
    (x, y), (xt, yt) = digits.load_digits()
    model = digits.mlp(gen)
    opt = minidl.SGD(model.param(), lr=0.05, momentum=0.9)
    for _ in range(2):
        minidl.train_epoch(model, minidl.SoftmaxCrossEntropyLoss(), opt, x, y, batch_size=32, generator=gen)
    _, error = minidl.evaluate(model, minidl.SoftmaxCrossEntropyLoss(), xt, yt)
    assert error < 0.15
