"""Misuse (issue 10): what a student may do wrong either trains correctly or stops with a clear
error, never a silently wrong result, a raw torch error or a growing autograd graph."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

import minidl
from minidl.models import report_net


def tied_nets(seed: int = 0):
    """minidl and torch.nn versions of Linear(3, 3) → Tanh → Linear(3, 3) with the two weights tied."""
    gen = minidl.seeded(seed)
    l1, l2 = minidl.Linear(3, 3, init="xavier", generator=gen), minidl.Linear(3, 3, init="xavier", generator=gen)
    l2.weight = l1.weight
    net = minidl.Sequential(l1, minidl.Tanh(), l2)
    ref = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.Linear(3, 3)).double()
    ref[2].weight = ref[0].weight
    with torch.no_grad():
        ref[0].weight.copy_(l1.weight.value.T)
        ref[0].bias.copy_(l1.bias.value)
        ref[2].bias.copy_(l2.bias.value)
    return net.to(dtype=torch.float64), ref


# -- 1. shared parameters ----------------------------------------------------------------------------

def test_a_shared_parameter_is_listed_once_and_saved_under_each_name():
    net, ref = tied_nets()
    assert len(net.param()) == len(list(ref.parameters())) == 3
    assert [n for n, _ in net.named_param()] == ["0.weight", "0.bias", "2.bias"]
    assert list(net.state_dict()) == list(ref.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    net.load_state_dict(net.state_dict())


def test_the_gradients_of_both_uses_add_up_in_the_shared_grad():
    net, ref = tied_nets()
    x = torch.randn(4, 3, generator=minidl.seeded(1), dtype=torch.float64)
    net.backward(torch.ones_like(net(x)))
    ref(x).sum().backward()
    torch.testing.assert_close(net[0].weight.grad, ref[0].weight.grad.T)


@pytest.mark.parametrize("method", ["hand-written loop over model.param()", "SGD", "Adam"])
def test_tied_weights_train_as_in_torch(method):
    net, ref = tied_nets()
    gen = minidl.seeded(2)
    x, y = torch.randn(8, 3, generator=gen, dtype=torch.float64), torch.randint(0, 3, (8,), generator=gen)
    loss_fn = minidl.SoftmaxCrossEntropyLoss()
    if method == "Adam":
        opt, ref_opt = minidl.Adam(net.param(), lr=0.05), torch.optim.Adam(ref.parameters(), lr=0.05)
    else:
        opt, ref_opt = minidl.SGD(net.param(), lr=0.1, momentum=0.0), torch.optim.SGD(ref.parameters(), lr=0.1)
    for _ in range(5):
        net.zero_grad()
        loss_fn(net(x), y)
        net.backward(loss_fn.backward())
        if method.startswith("hand"):
            for p in net.param():
                p.value -= 0.1 * p.grad
        else:
            opt.step()
        ref_opt.zero_grad()
        torch.nn.functional.cross_entropy(ref(x), y).backward()
        ref_opt.step()
    torch.testing.assert_close(net[0].weight.value, ref[0].weight.detach().T)
    assert net[2].weight is net[0].weight


# -- 2. a module used twice -------------------------------------------------------------------------------

def test_a_layer_used_twice_is_refused():
    lin = minidl.Linear(2, 2)
    with pytest.raises(ValueError, match=r"Sequential: module 2 \(Linear\(.*\)\) is the same instance as module 0; "
                                         r"a module caches its forward pass"):
        minidl.Sequential(lin, minidl.Tanh(), lin)


def test_an_activation_used_twice_is_refused():
    tanh = minidl.Tanh()
    with pytest.raises(ValueError, match=r"module 3 \(Tanh\(\)\) is the same instance as module 1"):
        minidl.Sequential(minidl.Linear(2, 2), tanh, minidl.Linear(2, 2), tanh)


def test_a_module_used_twice_across_nested_sequentials_is_refused():
    tanh = minidl.Tanh()
    with pytest.raises(ValueError, match=r"module 1\.0 \(Tanh\(\)\) is the same instance as module 0\.1"):
        minidl.Sequential(minidl.Sequential(minidl.Linear(2, 2), tanh), minidl.Sequential(tanh))
    inner = minidl.Sequential(minidl.Linear(2, 2))
    with pytest.raises(ValueError, match=r"module 1 \(Sequential"):
        minidl.Sequential(inner, inner)


# -- 3. never an autograd graph ----------------------------------------------------------------------

def graph_nodes(tensors) -> int:
    """How many autograd nodes hang on ``tensors`` (every node reachable from their ``grad_fn``)."""
    seen, stack = set(), [t.grad_fn for t in tensors if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(n for n, _ in node.next_functions)
    return len(seen)


def held_tensors(net: minidl.Module, opt: minidl.Optimizer) -> list[torch.Tensor]:
    """Every tensor the model and the optimizer keep from one step to the next."""
    tensors = [t for p in net.param() for t in (p.value, p.grad)] + [t for b in opt.m + opt.v for t in [b]]
    for module in net.modules:
        tensors += [v for v in vars(module).values() if isinstance(v, torch.Tensor)]
    return tensors


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc (Linux) for the RSS")
def test_400_steps_on_inputs_that_require_grad_build_no_graph_and_hold_memory_flat():
    torch.manual_seed(0)
    net = report_net(generator=minidl.seeded(0))
    opt, loss_fn = minidl.Adam(net.param(), lr=1e-3), minidl.MSELoss()
    x, y = minidl.disk_dataset(20, minidl.seeded(1))
    x.requires_grad_()
    rss = []
    with torch.set_grad_enabled(True):
        for step in range(400):
            opt.zero_grad()
            out = net(x)
            loss_fn(out, y)
            net.backward(loss_fn.backward())
            opt.step()
            if step in (99, 399):
                rss.append(rss_bytes())
    tensors = held_tensors(net, opt)
    assert len(tensors) > 20
    assert not any(t.requires_grad for t in tensors)
    assert graph_nodes(tensors) == 0
    # Before the fix the graph held every step's tensors: +22 MiB over 400 steps, still growing.
    assert rss[1] - rss[0] < 4 * 2**20


def test_other_ways_in_build_no_graph():
    net = report_net(generator=minidl.seeded(0))
    state = {k: v.clone().requires_grad_() for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    p = minidl.Parameter(torch.ones(3).requires_grad_())
    x = torch.rand(5, 2)
    out = net(x)
    grad_in = net.backward(torch.ones_like(out).requires_grad_(), input_grad=True)
    loss_fn = minidl.SoftmaxCrossEntropyLoss()
    loss = loss_fn(torch.randn(5, 2).requires_grad_(), torch.softmax(torch.randn(5, 2), 1).requires_grad_())
    grads = [loss, loss_fn.backward(), grad_in, p.value, p.grad]
    tensors = [q.value for q in net.param()] + [q.grad for q in net.param()] + grads
    assert not any(t.requires_grad or t.grad_fn is not None for t in tensors)


# -- 4. masked logits ----------------------------------------------------------------------------------

MASKED = [[0.5, -math.inf, 2.0, -1.0], [3e38, -3e38, 0.0, 1.0], [-3e38, 0.0, 3e38, 1.0], [1.0, 2.0, -math.inf, 0.0]]


@pytest.mark.parametrize("target", [torch.tensor([0, 2, 2, 1]), torch.eye(4)[[0, 2, 2, 1]]], ids=["index", "one-hot"])
def test_softmax_cross_entropy_on_masked_logits_matches_torch(target):
    s = torch.tensor(MASKED)
    loss_fn = minidl.SoftmaxCrossEntropyLoss()
    loss = loss_fn(s, target)
    leaf = s.clone().requires_grad_()
    ref = torch.nn.functional.cross_entropy(leaf, torch.tensor([0, 2, 2, 1]))  # torch's soft-target path gives NaN
    ref.backward()
    assert torch.isfinite(loss) and torch.isfinite(ref)
    torch.testing.assert_close(loss, ref.detach())
    torch.testing.assert_close(loss_fn.backward(), leaf.grad)


def test_hinge_loss_on_masked_scores_matches_torch():
    s, target = torch.tensor(MASKED), torch.tensor([0, 0, 2, 1])
    loss_fn = minidl.HingeLoss()
    loss = loss_fn(s, target)
    leaf = s.clone().requires_grad_()
    ref = torch.nn.functional.multi_margin_loss(leaf, target) * s.shape[1]  # torch divides by C
    ref.backward()
    assert torch.isfinite(loss) and torch.isfinite(ref)
    torch.testing.assert_close(loss, ref.detach())
    torch.testing.assert_close(loss_fn.backward(), leaf.grad)


# -- 5. probabilities that are not ---------------------------------------------------------------------

@pytest.mark.parametrize("p", [[[-0.5, 1.5], [0.5, 0.5]], [[0.5, 0.5], [0.9, 0.9]], [[3.0, -2.0], [0.2, 0.8]]],
                         ids=["negative", "sum-1.8", "scores"])
def test_cross_entropy_refuses_values_that_are_not_probabilities(p):
    msg = (r"CrossEntropyLoss: prediction rows must be probability distributions \(entries ≥ 0 summing to 1, "
           r"within 0\.001\); row \d is \[.*\] with sum .*; pass the output of Softmax")
    with pytest.raises(ValueError, match=msg):
        minidl.CrossEntropyLoss()(torch.tensor(p), torch.tensor([0, 1]))


@pytest.mark.parametrize("loss_cls", [minidl.CrossEntropyLoss, minidl.SoftmaxCrossEntropyLoss])
@pytest.mark.parametrize("t", [[[1.0, 1.0], [0.0, 1.0]], [[-1.0, 2.0], [0.0, 1.0]]], ids=["sum-2", "negative"])
def test_target_rows_that_are_not_distributions_are_refused(loss_cls, t):
    with pytest.raises(ValueError, match=rf"{loss_cls.__name__}: target rows must be probability distributions"):
        loss_cls()(torch.tensor([[0.3, 0.7], [0.6, 0.4]]), torch.tensor(t))


def test_probabilities_within_rounding_and_nan_rows_pass():
    p = torch.softmax(torch.randn(6, 1000, generator=minidl.seeded(0)), dim=1)
    minidl.CrossEntropyLoss()(p, torch.zeros(6, dtype=torch.int64))
    loss = minidl.CrossEntropyLoss()(torch.tensor([[float("nan"), 0.5]]), torch.tensor([0]))
    assert loss.isnan()  # NaN in, NaN out, as in torch


# -- 6. both target forms ------------------------------------------------------------------------------

def test_error_rate_and_evaluate_take_one_hot_rows_like_indices():
    net = report_net(generator=minidl.seeded(0))
    x, y = minidl.disk_dataset(200, minidl.seeded(1))
    rows = torch.eye(2)[y]
    for n in (1, 200):
        assert minidl.error_rate(net(x[:n]), rows[:n]) == minidl.error_rate(net(x[:n]), y[:n])
        assert minidl.evaluate(net, minidl.MSELoss(), x[:n], rows[:n]) == minidl.evaluate(net, minidl.MSELoss(), x[:n],
                                                                                          y[:n])


def test_fit_takes_one_hot_rows_like_indices():
    histories = []
    for one_hot in (False, True):
        net = report_net(generator=minidl.seeded(0))
        x, y = minidl.disk_dataset(50, minidl.seeded(1))
        y = torch.eye(2)[y] if one_hot else y
        opt = minidl.SGD(net.param(), lr=0.01)
        histories.append(minidl.fit(net, minidl.MSELoss(), opt, (x, y), (x, y), epochs=2, batch_size=10))
    assert histories[0] == histories[1]


def test_error_rate_refuses_a_target_of_another_shape():
    with pytest.raises(ValueError, match=r"error_rate: target must be class indices of shape \(4,\) or float rows"):
        minidl.error_rate(torch.randn(4, 3), torch.rand(4, 2))


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
