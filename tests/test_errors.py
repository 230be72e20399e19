"""Bad input gets a clear error that names the module and the shapes or values (issue 2, section 3).
One test per case."""

from __future__ import annotations

import re

import pytest
import torch

import minidl
from minidl.models import report_net

LOSSES = [minidl.MSELoss, minidl.CrossEntropyLoss, minidl.SoftmaxCrossEntropyLoss]
loss_ids = [c.__name__ for c in LOSSES]


def shape(*dims: int) -> str:
    """The regex for a shape as the messages print it, e.g. (5, 3) or (3,)."""
    return re.escape(str(tuple(dims)))


# -- inputs -----------------------------------------------------------------------------------

def test_linear_rejects_the_wrong_input_width():
    with pytest.raises(ValueError, match=rf"Linear: expected input of shape \(N, 3\), got {shape(5, 2)}"):
        minidl.Linear(3, 4)(torch.randn(5, 2))


def test_sequential_reports_the_wrong_input_width_of_its_first_layer():
    with pytest.raises(ValueError, match=rf"Linear: expected input of shape \(N, 2\), got {shape(5, 3)}"):
        report_net()(torch.randn(5, 3))


@pytest.mark.parametrize("module, name", [(minidl.Linear(3, 4), "Linear"), (minidl.Softmax(), "Softmax")],
                         ids=["Linear", "Softmax"])
def test_1d_input_is_refused(module, name):
    with pytest.raises(ValueError, match=rf"{name}: input must be 2-D \(batch, features\), got shape {shape(3)}"):
        module(torch.randn(3))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_1d_prediction_is_refused(loss_cls):
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: prediction must be 2-D .* got shape {shape(5)}"):
        loss_cls()(torch.randn(5), torch.zeros(5, dtype=torch.int64))


@pytest.mark.parametrize("module", [minidl.Linear(3, 4), minidl.Tanh(), minidl.ReLU(), minidl.Softmax()],
                         ids=["Linear", "Tanh", "ReLU", "Softmax"])
def test_integer_input_is_refused(module):
    name = type(module).__name__
    with pytest.raises(TypeError, match=rf"{name}: input must be floating point, got dtype torch.int64"):
        module(torch.ones(5, 3, dtype=torch.int64))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_integer_prediction_is_refused(loss_cls):
    msg = rf"{loss_cls.__name__}: prediction must be floating point, got dtype torch.int64"
    with pytest.raises(TypeError, match=msg):
        loss_cls()(torch.ones(5, 3, dtype=torch.int64), torch.zeros(5, dtype=torch.int64))


def test_linear_input_of_another_dtype_names_the_module_and_both_dtypes():
    with pytest.raises(TypeError, match=rf"Linear: input of shape {shape(5, 3)} is torch.float64 on cpu, "
                       r"but the parameters are torch.float32 on cpu"):
        minidl.Linear(3, 4)(torch.randn(5, 3, dtype=torch.float64))


def test_input_that_is_not_a_tensor_is_refused():
    with pytest.raises(TypeError, match="Tanh: input must be a torch.Tensor, got list"):
        minidl.Tanh()([1.0, 2.0])


# -- backward before forward, wrong grad_output ------------------------------------------------------

@pytest.mark.parametrize(
    "module, name",
    [(minidl.Linear(3, 4), "Linear"), (minidl.Tanh(), "Tanh"), (minidl.ReLU(), "ReLU"),
     (minidl.Softmax(), "Softmax"), (report_net(), "Linear")],  # a Sequential reports its last module
    ids=["Linear", "Tanh", "ReLU", "Softmax", "Sequential"],
)
def test_module_backward_before_forward(module, name):
    with pytest.raises(RuntimeError, match=rf"{name}: backward\(\) called before forward\(\)"):
        module.backward(torch.ones(5, 4))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_loss_backward_before_forward(loss_cls):
    with pytest.raises(RuntimeError, match=rf"{loss_cls.__name__}: backward\(\) called before forward\(\)"):
        loss_cls().backward()


def test_linear_grad_output_of_the_wrong_width():
    lin = minidl.Linear(3, 4)
    lin(torch.randn(5, 3))
    msg = rf"Linear: grad_output has shape {shape(5, 3)}, but forward\(\) returned shape {shape(5, 4)}"
    with pytest.raises(ValueError, match=msg):
        lin.backward(torch.ones(5, 3))


def test_linear_grad_output_of_the_wrong_batch_size():
    lin = minidl.Linear(3, 4)
    lin(torch.randn(5, 3))
    msg = rf"Linear: grad_output has shape {shape(6, 4)}, but forward\(\) returned shape {shape(5, 4)}"
    with pytest.raises(ValueError, match=msg):
        lin.backward(torch.ones(6, 4))


@pytest.mark.parametrize("cls", [minidl.Tanh, minidl.ReLU, minidl.Softmax], ids=["Tanh", "ReLU", "Softmax"])
@pytest.mark.parametrize("bad", [(5, 3), (4, 4)], ids=["width", "batch"])
def test_elementwise_grad_output_of_the_wrong_shape(cls, bad):
    module = cls()
    module(torch.randn(5, 4))
    with pytest.raises(
        ValueError,
        match=rf"{cls.__name__}: grad_output has shape {shape(*bad)}, but forward\(\) returned shape {shape(5, 4)}",
    ):
        module.backward(torch.ones(*bad))


def test_sequential_grad_output_of_the_wrong_shape():
    net = report_net(softmax=True)
    net(torch.randn(5, 2))
    with pytest.raises(ValueError, match=rf"Softmax: grad_output has shape {shape(4, 2)}, .* shape {shape(5, 2)}"):
        net.backward(torch.ones(4, 2))
    net = report_net()
    net(torch.randn(5, 2))
    with pytest.raises(ValueError, match=rf"Linear: grad_output has shape {shape(5, 3)}, .* shape {shape(5, 2)}"):
        net.backward(torch.ones(5, 3))


# -- targets ---------------------------------------------------------------------------------------

P = torch.randn(5, 3)


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_probability_target_of_the_wrong_width(loss_cls):
    msg = rf"{loss_cls.__name__}: target has shape {shape(5, 4)}, prediction has {shape(5, 3)}"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.rand(5, 4))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_probability_target_of_the_wrong_batch_size(loss_cls):
    msg = rf"{loss_cls.__name__}: target has shape {shape(6, 3)}, prediction has {shape(5, 3)}"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.rand(6, 3))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_index_target_of_the_wrong_batch_size(loss_cls):
    msg = (rf"{loss_cls.__name__}: class-index target must have shape {shape(5)} "
           rf"for prediction {shape(5, 3)}, got {shape(6)}")
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.zeros(6, dtype=torch.int64))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_index_target_of_the_wrong_shape(loss_cls):
    msg = rf"{loss_cls.__name__}: class-index target must have shape {shape(5)} .* got {shape(5, 1)}"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.zeros(5, 1, dtype=torch.int64))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_integer_one_hot_rows_are_refused_with_a_hint(loss_cls):
    msg = rf"{loss_cls.__name__}: class-index target must have shape {shape(5)} .* "
    msg += rf"got {shape(5, 3)} of dtype torch.int64"
    msg += "; one-hot or probability rows must be floating point"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.eye(3, dtype=torch.int64)[[0, 1, 2, 0, 1]])


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_float_indices_are_refused_with_a_hint(loss_cls):
    msg = rf"{loss_cls.__name__}: target has shape {shape(5)}, .*must be an integer tensor"
    with pytest.raises(ValueError, match=msg):
        loss_cls()(P, torch.zeros(5))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_target_of_another_float_dtype(loss_cls):
    msg = rf"{loss_cls.__name__}: target dtype torch.float64 does not match prediction dtype torch.float32"
    with pytest.raises(TypeError, match=msg):
        loss_cls()(P, torch.rand(5, 3, dtype=torch.float64))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_boolean_target_is_refused(loss_cls):
    with pytest.raises(TypeError, match=rf"{loss_cls.__name__}: target has dtype torch.bool"):
        loss_cls()(P, torch.zeros(5, dtype=torch.bool))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_class_index_out_of_range(loss_cls):
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: class indices must lie in \[0, 3\) .* from 0 to 3"):
        loss_cls()(P, torch.tensor([0, 1, 2, 3, 0]))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_negative_class_index(loss_cls):
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: class indices must lie in \[0, 3\) .* from -1 to 1"):
        loss_cls()(P, torch.tensor([0, 1, -1, 1, 0]))


@pytest.mark.parametrize("loss_cls", LOSSES, ids=loss_ids)
def test_target_that_is_not_a_tensor(loss_cls):
    with pytest.raises(TypeError, match=rf"{loss_cls.__name__}: target must be a torch.Tensor, got list"):
        loss_cls()(P, [0, 1, 2, 1, 0])


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
