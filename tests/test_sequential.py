"""``Sequential.backward``: by default the network's input is data, so the first module with parameters skips
``∂ℓ/∂x`` (as autograd does); ``input_grad=True`` returns it, also through nested ``Sequential`` s."""

import torch

import minidl

F64 = torch.float64


class Spy(minidl.Linear):
    """A Linear that records, at each backward, whether it was asked for its input gradient."""

    def backward(self, grad_output):
        self.asked = getattr(self, "asked", []) + [self.needs_input_grad]
        return super().backward(grad_output)


class Refuses(minidl.Module):
    """A parameter-free module whose backward must not run."""

    def forward(self, x):
        return x

    def backward(self, grad_output):
        raise AssertionError("Refuses.backward ran: its input is data, nothing needs its gradient")


def plain(gen, first=minidl.Linear):
    kw = dict(generator=gen, dtype=F64)
    return minidl.Sequential(first(3, 4, **kw), minidl.Tanh(), minidl.Linear(4, 2, **kw))


def reference_grads(net, x, g):
    """∂(Σ net(x) ⊙ g)/∂θ and ∂/∂x by autograd, on copies of the parameters."""
    params = [p.value.clone().requires_grad_(True) for p in net.param()]
    xr = x.clone().requires_grad_(True)
    h = torch.tanh(xr @ params[0] + params[1]) @ params[2] + params[3]
    (h * g).sum().backward()
    return xr.grad, [p.grad for p in params]


def test_plain_network_skips_the_data_gradient_and_keeps_parameter_grads(gen):
    net = plain(gen, first=Spy)
    x, g = torch.randn(5, 3, generator=gen, dtype=F64), torch.randn(5, 2, generator=gen, dtype=F64)
    net(x)
    assert net.backward(g) is None
    assert net[0].asked == [False] and net[0].needs_input_grad  # skipped for that call only
    grad_x, grads = reference_grads(net, x, g)
    for p, ref in zip(net.param(), grads, strict=True):
        torch.testing.assert_close(p.grad, ref)
    net.zero_grad()
    torch.testing.assert_close(net.backward(g, input_grad=True), grad_x)
    assert net[0].asked == [False, True]
    for p, ref in zip(net.param(), grads, strict=True):
        torch.testing.assert_close(p.grad, ref)


def test_parameter_free_modules_before_the_first_layer_are_not_run_backwards(gen):
    net = minidl.Sequential(Refuses(), minidl.Linear(3, 2, generator=gen))
    net(torch.randn(4, 3, generator=gen))
    assert net.backward(torch.ones(4, 2)) is None
    assert net[1].weight.grad.abs().sum() > 0


def test_nested_sequential_gets_its_input_gradient_from_the_outer_one(gen):
    inner = plain(gen)
    outer = minidl.Sequential(minidl.Linear(3, 3, generator=gen, dtype=F64), minidl.Tanh(), inner)
    flat = minidl.Sequential(outer[0], outer[1], *inner.modules)
    x, g = torch.randn(5, 3, generator=gen, dtype=F64), torch.randn(5, 2, generator=gen, dtype=F64)
    outer(x)
    grad_x = outer.backward(g, input_grad=True)
    grads = [p.grad.clone() for p in outer.param()]
    outer.zero_grad()
    flat(x)
    torch.testing.assert_close(flat.backward(g, input_grad=True), grad_x)
    for p, ref in zip(flat.param(), grads, strict=True):
        torch.testing.assert_close(p.grad, ref)
    assert minidl.gradcheck(outer, x)["input"] < 1e-6  # gradcheck asks for ∂ℓ/∂x


def test_needs_input_grad_false_still_returns_none_when_asked(gen):
    net = minidl.Sequential(minidl.Linear(3, 2, generator=gen, needs_input_grad=False))
    net(torch.randn(4, 3, generator=gen))
    assert net.backward(torch.ones(4, 2), input_grad=True) is None and not net[0].needs_input_grad
