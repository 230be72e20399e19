"""Bad input to a module gets a clear error that names the module and the shapes or values (issue 2,
section 3): an input of the wrong shape, dtype or type, backward before forward, a grad_output of the
wrong shape. One test per case. The losses' targets: tests/test_errors_targets.py; optimizers,
Sequential, load_state_dict and constructors: tests/test_errors_arguments.py."""

from __future__ import annotations

import pytest
import torch
from error_messages import LOSSES, loss_ids, shape

import minidl
from minidl.models import report_net

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
