"""Checkpoints (issue 10): ``minidl.save`` / ``minidl.load``; training resumed from a checkpoint equals
training that never stopped."""

from __future__ import annotations

import pytest
import torch

import minidl
from minidl.models import report_net

OPTIMIZERS = {
    "SGD+momentum": lambda params: minidl.SGD(params, lr=0.01, momentum=0.9),
    "Adam": lambda params: minidl.Adam(params, lr=0.003),
}


def setup(name: str):
    net = report_net(generator=minidl.seeded(0))
    return net, OPTIMIZERS[name](net.param()), minidl.disk_dataset(60, minidl.seeded(1))


def epochs(net, opt, data, n: int, generator: torch.Generator) -> None:
    for _ in range(n):
        minidl.train_epoch(net, minidl.MSELoss(), opt, *data, batch_size=6, generator=generator)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_resuming_from_a_checkpoint_equals_an_uninterrupted_run(name, tmp_path):
    net, opt, data = setup(name)
    epochs(net, opt, data, 4, minidl.seeded(2))
    uninterrupted = net.state_dict()

    net, opt, data = setup(name)
    shuffle = minidl.seeded(2)
    epochs(net, opt, data, 2, shuffle)
    minidl.save(tmp_path / "ckpt.pt", net, opt, generator=shuffle)
    del net, opt, shuffle

    net, opt, data = setup(name)  # a fresh process would start here: new model, optimizer, generator
    shuffle = minidl.seeded(99)
    minidl.load(tmp_path / "ckpt.pt", net, opt, generator=shuffle)
    epochs(net, opt, data, 2, shuffle)
    resumed = net.state_dict()
    assert all(torch.equal(uninterrupted[k], resumed[k]) for k in uninterrupted)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_resuming_without_the_optimizer_state_differs(name, tmp_path):
    """The test above could not fail if the optimizer's state did not matter: here it does."""
    net, opt, data = setup(name)
    epochs(net, opt, data, 2, None)
    minidl.save(tmp_path / "ckpt.pt", net)
    epochs(net, opt, data, 1, None)
    expected = net.state_dict()
    net, opt, data = setup(name)
    minidl.load(tmp_path / "ckpt.pt", net)
    epochs(net, opt, data, 1, None)
    assert any(not torch.equal(expected[k], v) for k, v in net.state_dict().items())


def test_the_file_holds_plain_tensors_and_loads_with_weights_only(tmp_path):
    net, opt, _ = setup("Adam")
    minidl.save(tmp_path / "ckpt.pt", net, opt)
    checkpoint = torch.load(tmp_path / "ckpt.pt", weights_only=True)
    assert checkpoint["optimizer_class"] == "Adam"
    assert set(checkpoint["model"]) == set(net.state_dict())
    assert set(checkpoint["optimizer"]) == {"lr", "betas", "eps", "weight_decay", "t", "m", "v"}


def test_load_into_another_optimizer_class_is_refused_and_changes_nothing(tmp_path):
    net, opt, _ = setup("Adam")
    minidl.save(tmp_path / "ckpt.pt", net, opt)
    other, sgd, _ = setup("SGD+momentum")
    for p in other.param():
        p.value.add_(1.0)
    before = other.state_dict()
    with pytest.raises(TypeError, match="load: the checkpoint holds the state of Adam, not of SGD"):
        minidl.load(tmp_path / "ckpt.pt", other, sgd)
    assert all(torch.equal(before[k], v) for k, v in other.state_dict().items())


def test_a_bad_optimizer_state_puts_the_model_back(tmp_path):
    net, opt, _ = setup("Adam")
    minidl.save(tmp_path / "ckpt.pt", net, opt)
    small = minidl.Sequential(minidl.Linear(2, 2))
    with pytest.raises(KeyError):
        minidl.load(tmp_path / "ckpt.pt", small)
    net2, opt2, _ = setup("Adam")
    opt2.m.pop()  # an optimizer over fewer parameters than the model's checkpointed state
    for p in net2.param():
        p.value.add_(1.0)
    before = net2.state_dict()
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: 'm' must be a list of 7 tensors"):
        minidl.load(tmp_path / "ckpt.pt", net2, opt2)
    assert all(torch.equal(before[k], v) for k, v in net2.state_dict().items())


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    torch.save({"weights": torch.ones(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="is not a minidl checkpoint"):
        minidl.load(tmp_path / "other.pt", report_net())
