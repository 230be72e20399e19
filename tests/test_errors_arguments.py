"""Bad arguments get a clear error that names the class and the values (issue 2, section 3): an optimizer's
learning rate, momentum and parameters, what Sequential is given, a state_dict that does not fit, and
Linear's and disk_dataset's sizes. One test per case."""

from __future__ import annotations

import re

import pytest
import torch
from error_messages import shape

import minidl
from minidl.models import report_net

# -- optimizer ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, float("nan"), float("inf")])
def test_sgd_refuses_a_learning_rate_that_is_not_positive_and_finite(lr):
    msg = rf"SGD: learning rate must be a finite number > 0, got lr={re.escape(repr(lr))}"
    with pytest.raises(ValueError, match=msg):
        minidl.SGD(minidl.Linear(2, 2).param(), lr=lr)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5, float("nan")])
def test_sgd_refuses_momentum_outside_0_1(momentum):
    msg = rf"SGD: momentum must lie in \[0, 1\), got momentum={re.escape(repr(momentum))}"
    with pytest.raises(ValueError, match=msg):
        minidl.SGD(minidl.Linear(2, 2).param(), lr=0.1, momentum=momentum)


@pytest.mark.parametrize("model", [minidl.Linear(3, 4), report_net()], ids=["Linear", "Sequential"])
def test_sgd_given_a_module_says_to_pass_its_parameters(model):
    name = type(model).__name__
    with pytest.raises(TypeError, match=rf"SGD: pass the parameters, SGD\(model.param\(\), ...\), not the {name}"):
        minidl.SGD(model, lr=0.1)


@pytest.mark.parametrize("optimizer", [minidl.Adam, minidl.GD], ids=["Adam", "GD"])
def test_other_optimizers_given_a_module_say_to_pass_its_parameters(optimizer):
    who = optimizer.__name__
    with pytest.raises(TypeError, match=rf"{who}: pass the parameters, {who}\(model.param\(\), ...\), not the Linear"):
        optimizer(minidl.Linear(3, 4), lr=0.1)


def test_sgd_refuses_something_that_is_not_a_parameter():
    with pytest.raises(TypeError, match=r"SGD: params\[1\] is Tensor, not a minidl Parameter"):
        minidl.SGD([minidl.Parameter(torch.zeros(3)), torch.zeros(3)], lr=0.1)  # a raw tensor in the list


# -- Sequential and state_dict ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "bad, index, kind",
    [("tanh", 1, "str"), (minidl.Tanh, 1, "type"), (torch.nn.Tanh(), 1, "Tanh"), ([minidl.Tanh()], 1, "list")],
    ids=["string", "class-not-instance", "torch.nn-module", "list"],
)
def test_sequential_refuses_something_that_is_not_a_module(bad, index, kind):
    with pytest.raises(TypeError, match=rf"Sequential: argument {index} is {kind} .*not a minidl Module"):
        minidl.Sequential(minidl.Linear(2, 2), bad)


def test_load_state_dict_with_a_missing_key():
    net = report_net()
    state = net.state_dict()
    del state["0.bias"]
    with pytest.raises(KeyError, match=r"Sequential.load_state_dict: missing keys \['0.bias'\]"):
        net.load_state_dict(state)


def test_load_state_dict_with_an_unexpected_key():
    net = report_net()
    state = net.state_dict()
    state["8.weight"] = torch.ones(2, 2)
    msg = r"Sequential.load_state_dict: missing keys \[\], unexpected keys \['8.weight'\]"
    with pytest.raises(KeyError, match=msg):
        net.load_state_dict(state)


def test_load_state_dict_with_a_mismatched_shape():
    net = report_net()
    state = net.state_dict()
    state["2.weight"] = torch.ones(25, 24)
    before = net.state_dict()
    with pytest.raises(
        ValueError, match=rf"Sequential.load_state_dict: '2.weight' has shape {shape(25, 24)}, expected {shape(25, 25)}"
    ):
        net.load_state_dict(state)
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # nothing was half-loaded


def test_load_state_dict_on_a_single_layer_names_it():
    lin = minidl.Linear(3, 2)
    with pytest.raises(ValueError, match=rf"Linear.load_state_dict: 'bias' has shape {shape(3)}, expected {shape(2)}"):
        lin.load_state_dict({"weight": torch.ones(3, 2), "bias": torch.ones(3)})


# -- constructors ---------------------------------------------------------------------------------

def test_linear_refuses_non_positive_sizes_and_unknown_inits():
    with pytest.raises(ValueError, match=r"Linear: sizes must be positive, got \(0, 3\)"):
        minidl.Linear(0, 3)
    with pytest.raises(ValueError, match=r"Linear: init must be 'gaussian' or 'xavier', got 'he'"):
        minidl.Linear(2, 3, init="he")


def test_disk_dataset_refuses_an_empty_set():
    with pytest.raises(ValueError, match="disk_dataset: n must be positive, got 0"):
        minidl.disk_dataset(0)
