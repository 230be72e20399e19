"""``Linear(..., needs_input_grad=False)``: the first layer of a network skips the data's gradient."""

import torch

import minidl


def test_first_layer_skips_input_grad_and_keeps_parameter_grads():
    full = minidl.Linear(3, 4, generator=minidl.seeded(0))
    first = minidl.Linear(3, 4, generator=minidl.seeded(0), needs_input_grad=False)
    x, g = torch.randn(5, 3, generator=minidl.seeded(1)), torch.randn(5, 4, generator=minidl.seeded(2))
    full(x), first(x)
    xr = x.clone().requires_grad_(True)  # the reference: torch.nn's linear, same weights, by autograd
    torch.nn.functional.linear(xr, full.weight.value.T, full.bias.value).backward(g)
    torch.testing.assert_close(full.backward(g), xr.grad)
    assert first.backward(g) is None
    assert torch.equal(first.weight.grad, full.weight.grad)
    assert torch.equal(first.bias.grad, full.bias.grad)
    assert "needs_input_grad=False" in repr(first) and "needs_input_grad" not in repr(full)


def test_sequential_with_skipping_first_layer_trains_like_the_full_one():
    nets = [minidl.Sequential(minidl.Linear(2, 5, generator=minidl.seeded(0), needs_input_grad=flag), minidl.Tanh(),
                              minidl.Linear(5, 2, generator=minidl.seeded(3))) for flag in (True, False)]  # fmt: skip
    x, t = torch.randn(7, 2, generator=minidl.seeded(4)), torch.randn(7, 2, generator=minidl.seeded(5))
    returned = []
    for net in nets:
        loss = minidl.MSELoss()
        loss(net(x), t)
        returned.append(net.backward(loss.backward(), input_grad=True))
    assert returned[0].shape == x.shape and returned[1] is None
    for (name, a), (_, b) in zip(nets[0].named_param(), nets[1].named_param(), strict=True):
        assert torch.equal(a.grad, b.grad), name
