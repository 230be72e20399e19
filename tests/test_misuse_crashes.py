"""Misuse (issue 10), 7.: a diverging training stops with a clear error (or is recorded, when asked), and
another dtype or device, an empty set, a bad argument, a cleared gradient or a bad state_dict gets a clear
error (or the right result) instead of a raw crash; subclasses written as the chapters do still work."""

from __future__ import annotations

import math

import pytest
import torch

import minidl
from minidl.models import report_net

# -- 7. divergence, and clear errors instead of raw crashes ------------------------------------------------


def diverging_fit(**kw):
    net = report_net(generator=minidl.seeded(0))
    data = minidl.disk_dataset(40, minidl.seeded(1))
    return minidl.fit(net, minidl.MSELoss(), minidl.SGD(net.param(), lr=1e30), data, data, epochs=3, **kw)


def test_fit_stops_with_a_clear_error_when_the_loss_diverges():
    msg = r"fit: the training diverged: the mean training loss of epoch 1 is (nan|inf); lower the learning rate"
    with pytest.raises(minidl.DivergenceError, match=msg + r" \(lr=1e\+30\)") as e:
        diverging_fit()
    assert len(e.value.history.train_loss) == 1


def test_fit_records_the_divergence_when_asked():
    history = diverging_fit(on_divergence="record")
    assert len(history.train_loss) == 3 and not any(math.isfinite(v) for v in history.train_loss)


MODULES = {
    "Linear": lambda: (minidl.Linear(3, 4), torch.randn(2, 3)),
    "Conv2d": lambda: (minidl.Conv2d(2, 3, 2), torch.randn(2, 2, 4, 4)),
    "PReLU": lambda: (minidl.PReLU(3), torch.randn(2, 3)),
    "Tanh": lambda: (minidl.Tanh(), torch.randn(2, 3)),
    "ReLU": lambda: (minidl.ReLU(), torch.randn(2, 3)),
    "Softmax": lambda: (minidl.Softmax(), torch.randn(2, 3)),
    "Dropout": lambda: (minidl.Dropout(0.5, generator=minidl.seeded(0)), torch.randn(2, 3)),
    "Flatten": lambda: (minidl.Flatten(), torch.randn(2, 2, 3)),
    "MaxPool2d": lambda: (minidl.MaxPool2d(2), torch.randn(2, 2, 4, 4)),
    "AvgPool2d": lambda: (minidl.AvgPool2d(2), torch.randn(2, 2, 4, 4)),
}


@pytest.mark.parametrize("name", ["Linear", "Conv2d", "PReLU"])
@pytest.mark.parametrize("other", ["float64", "meta"])
def test_forward_refuses_an_input_of_another_dtype_or_device(name, other):
    module, x = MODULES[name]()
    x = x.double() if other == "float64" else x.to("meta")
    got = "torch.float64 on cpu" if other == "float64" else "torch.float32 on meta"
    with pytest.raises(TypeError, match=rf"{name}: input of shape .* is {got}, but the parameters are torch.float32 "
                                        r"on cpu; use module.to\(...\) or x.to\(...\)"):
        module(x)


@pytest.mark.parametrize("name", list(MODULES))
@pytest.mark.parametrize("bad", ["float64", "int64", "meta"])
def test_backward_refuses_a_gradient_of_another_dtype_or_device(name, bad):
    module, x = MODULES[name]()
    out = module(x)
    g = {"float64": out.double(), "int64": torch.ones_like(out, dtype=torch.int64), "meta": out.to("meta")}[bad]
    msg = {"float64": r"grad_output of shape .* is torch.float64 on cpu, but the forward output is torch.float32",
           "int64": r"grad_output must be floating point, got dtype torch.int64",
           "meta": r"grad_output of shape .* is torch.float32 on meta, but the forward output is torch.float32 on cpu"}
    with pytest.raises(TypeError, match=rf"{name}: {msg[bad]}"):
        module.backward(g)


def test_conv2d_on_an_empty_batch_works_as_torch():
    conv = minidl.Conv2d(2, 3, 3, padding=1)
    x = torch.randn(0, 2, 5, 5)
    ref = torch.nn.Conv2d(2, 3, 3, padding=1)
    out = conv(x)
    assert out.shape == ref(x).shape == (0, 3, 5, 5)
    assert conv.backward(out).shape == x.shape
    assert not conv.weight.grad.any() and not conv.bias.grad.any()
    assert minidl.Flatten()(torch.randn(0, 2, 3)).shape == torch.flatten(torch.randn(0, 2, 3), 1).shape


@pytest.mark.parametrize("call", ["train_epoch", "evaluate", "fit"])
def test_an_empty_set_is_refused(call):
    net = report_net()
    x, y = torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64)
    opt = minidl.SGD(net.param(), lr=0.1)
    run = {"train_epoch": lambda: minidl.train_epoch(net, minidl.MSELoss(), opt, x, y),
           "evaluate": lambda: minidl.evaluate(net, minidl.MSELoss(), x, y),
           "fit": lambda: minidl.fit(net, minidl.MSELoss(), opt, (x, y), (x, y), epochs=1)}[call]
    with pytest.raises(ValueError, match=r"the set is empty \(x has shape \(0, 2\)\); pass at least one sample"):
        run()


BAD_ARGUMENTS = {
    "Linear(2.5, 3)": (lambda: minidl.Linear(2.5, 3), TypeError, r"Linear: sizes must be ints, got \(2\.5, 3\)"),
    "Linear(True, 3)": (lambda: minidl.Linear(True, 3), TypeError, r"Linear: sizes must be ints, got \(True, 3\)"),
    "Conv2d(True, 3, 2)": (lambda: minidl.Conv2d(True, 3, 2), ValueError, r"Conv2d: channel counts must be positive"),
    "disk_dataset(2.5)": (lambda: minidl.disk_dataset(2.5), TypeError, r"disk_dataset: n must be an int, got 2\.5"),
    'disk_dataset("10")': (lambda: minidl.disk_dataset("10"), TypeError, r"disk_dataset: n must be an int, got '10'"),
    "batch_size=2.5": (lambda: minidl.train_epoch(report_net(), minidl.MSELoss(), minidl.SGD(report_net().param(), 0.1),
                                                  *minidl.disk_dataset(4), batch_size=2.5),
                       TypeError, r"train_epoch: batch_size must be an int, got 2\.5"),
    "SGD([])": (lambda: minidl.SGD([], lr=0.1), ValueError, r"SGD: got an empty parameter list"),
    "fit(epochs=-3)": (lambda: minidl.fit(report_net(), minidl.MSELoss(), minidl.SGD(report_net().param(), 0.1),
                                          minidl.disk_dataset(4), minidl.disk_dataset(4), epochs=-3),
                       ValueError, r"fit: epochs must be ≥ 0, got -3"),
    "fit(epochs=2.0)": (lambda: minidl.fit(report_net(), minidl.MSELoss(), minidl.SGD(report_net().param(), 0.1),
                                           minidl.disk_dataset(4), minidl.disk_dataset(4), epochs=2.0),
                        TypeError, r"fit: epochs must be an int, got 2\.0"),
    "gradcheck(eps=0)": (lambda: minidl.gradcheck(minidl.Tanh(), torch.randn(2, 2), eps=0), ValueError,
                         r"gradcheck: eps must be a finite step in \(0, 1\)"),
    "lr=True": (lambda: minidl.SGD(minidl.Linear(2, 2).param(), lr=True), ValueError,
                r"SGD: learning rate must be a finite number > 0, got lr=True"),
    "Adam(betas=0.9)": (lambda: minidl.Adam(minidl.Linear(2, 2).param(), betas=0.9), ValueError,
                        r"Adam: betas must be two numbers in \[0, 1\), got betas=0\.9"),
    "to(dtype=torch.int64)": (lambda: report_net().to(dtype=torch.int64), TypeError,
                              r"Sequential.to: dtype must be a floating-point torch.dtype .* got torch.int64"),
    "grad = wrong shape": (lambda: setattr(minidl.Parameter(torch.zeros(3)), "grad", torch.zeros(2)), ValueError,
                           r"Parameter: grad must match the value \(\(3,\), torch.float32, cpu\), got \(2,\)"),
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_a_bad_argument_gets_a_clear_error(case):
    call, error, msg = BAD_ARGUMENTS[case]
    with pytest.raises(error, match=msg):
        call()


@pytest.mark.parametrize("opt_cls", [minidl.SGD, minidl.Adam])
def test_a_cleared_gradient_reads_as_zero(opt_cls):
    net = report_net(generator=minidl.seeded(0))
    opt = opt_cls(net.param(), lr=0.1)
    before = net.state_dict()
    for p in net.param():
        p.grad = None
    opt.step()  # a zero gradient: SGD leaves the values alone, Adam's update is 0 / (0 + ε) = 0
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    for p in net.param():
        p.grad = None
    opt.zero_grad()
    net.zero_grad()
    x, y = minidl.disk_dataset(5, minidl.seeded(1))
    loss_fn = minidl.MSELoss()
    loss_fn(net(x), y)
    net.backward(loss_fn.backward())
    assert all(p.grad.shape == p.value.shape and p.grad.any() for p in net.param())


LOAD_CASES = {
    "complex": (torch.ones(2, dtype=torch.complex64), TypeError, r"has dtype torch.complex64; a real"),
    "bool": (torch.ones(2, dtype=torch.bool), TypeError, r"has dtype torch.bool"),
    "not a tensor": ([1.0, 2.0], TypeError, r"must be a torch.Tensor, got list"),
    "sparse": (torch.ones(2).to_sparse(), TypeError, r"is a torch.sparse_coo tensor; use value.to_dense\(\)"),
    "meta": (torch.ones(2, device="meta"), ValueError, r"is on the meta device"),
    "shape": (torch.ones(3), ValueError, r"has shape \(3,\), expected \(2,\)"),
}


@pytest.mark.parametrize("case", list(LOAD_CASES))
def test_load_state_dict_checks_every_tensor_before_copying_any(case):
    net = report_net(generator=minidl.seeded(0))
    before = net.state_dict()
    state = {k: torch.full_like(v, 7.0) for k, v in before.items()}
    bad, error, msg = LOAD_CASES[case]
    state["6.bias"] = bad  # the last tensor: every other one would be copied first without the checks
    with pytest.raises(error, match=rf"Sequential.load_state_dict: '6.bias' {msg}"):
        net.load_state_dict(state)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_load_state_dict_converts_a_real_dtype():
    net = report_net(generator=minidl.seeded(0))
    net.load_state_dict({k: v.double() for k, v in net.state_dict().items()})
    assert all(p.value.dtype == torch.float32 for p in net.param())


def test_subclasses_written_as_the_chapters_do_still_work():
    class MaskOnlyReLU(minidl.ReLU):  # the ReLU chapter's exercise: a forward that sets only the mask
        def forward(self, s):
            self.mask = s > 0
            return torch.relu(s)

    relu = MaskOnlyReLU()
    s = torch.tensor([[-1.0, 0.0, 2.0]])
    relu(s)
    assert relu.backward(torch.ones_like(s)).tolist() == [[0.0, 0.0, 1.0]]
    p = minidl.Parameter(torch.zeros(2))
    p.grad += torch.ones(2)  # the framework chapter's Scale accumulates so
    assert p.grad.tolist() == [1.0, 1.0]
