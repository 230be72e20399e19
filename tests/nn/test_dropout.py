"""Dropout: inverted dropout with a seeded mask; identity in eval mode."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl import verify as minidl_verify
from minidl.verify import verify


def test_verify_with_a_frozen_mask(gen):
    verify(minidl.Dropout(0.4, generator=gen, freeze_mask=True), torch.randn(4, 6, generator=gen), show=False)


def test_verify_in_eval_mode(gen):
    verify(minidl.Dropout(0.4, generator=gen).eval(), torch.randn(4, 6, generator=gen), show=False)


@given(p=st.floats(0.05, 0.95), shape=st.lists(st.integers(1, 5), min_size=1, max_size=4), seed=st.integers(0, 2**16))
def test_kept_units_are_scaled_and_the_rest_zeroed(p, shape, seed):
    gen = minidl.seeded(seed)
    x = torch.rand(shape, generator=gen, dtype=torch.float64) + 1  # never 0
    drop = minidl.Dropout(p, generator=gen)
    out = drop(x)
    assert out.shape == x.shape
    kept = out != 0
    torch.testing.assert_close(kept, drop.mask)
    torch.testing.assert_close(out[kept], x[kept] / (1 - p))
    g = torch.randn(shape, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(drop.backward(g), g * kept / (1 - p))  # the same mask backward


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_drop_rate_and_mean(p):
    """Over 200,000 units the dropped share is p within 5 standard deviations, and E[x] = s."""
    drop = minidl.Dropout(p, generator=minidl.seeded(1))
    n = 200_000
    out = drop(torch.ones(n, dtype=torch.float64))
    dropped = (out == 0).double().mean().item()
    sd = (p * (1 - p) / n) ** 0.5
    assert abs(dropped - p) < 5 * sd
    assert abs(out.mean().item() - 1) < 5 * sd / (1 - p)


def test_seeded_masks_repeat_and_differ_between_calls():
    x = torch.randn(50, 20)
    a, b = minidl.Dropout(0.5, generator=minidl.seeded(3)), minidl.Dropout(0.5, generator=minidl.seeded(3))
    first = a(x)
    torch.testing.assert_close(first, b(x))  # same seed, same mask
    assert not torch.equal(first, a(x))  # a fresh mask at each forward


def test_freeze_mask_keeps_the_first_mask(gen):
    drop = minidl.Dropout(0.5, generator=gen, freeze_mask=True)
    x = torch.randn(30, 10, generator=gen)
    torch.testing.assert_close(drop(x), drop(x))
    assert drop(torch.randn(3, 3)).shape == (3, 3)  # a new shape draws a new mask


def test_eval_and_p_zero_are_identity(gen):
    x = torch.randn(10, 10, generator=gen)
    drop = minidl.Dropout(0.5, generator=gen).eval()
    assert drop(x) is x
    g = torch.randn(10, 10, generator=gen)
    assert drop.backward(g) is g
    assert minidl.Dropout(0.0)(x) is x
    drop.train()
    assert not torch.equal(drop(x), x)


def test_eval_inside_sequential(gen):
    net = minidl.Sequential(minidl.Linear(4, 4, generator=gen), minidl.Dropout(0.5, generator=gen))
    x = torch.randn(3, 4, generator=gen)
    net.eval()
    torch.testing.assert_close(net(x), net[0](x))


def test_dtypes(dtype, gen):
    drop = minidl.Dropout(0.3, generator=gen)
    out = drop(torch.randn(8, 8, dtype=dtype))
    assert out.dtype == dtype and drop.backward(torch.ones_like(out)).dtype == dtype
    assert minidl.Dropout(0.3, generator=gen)(torch.randn(4, 4, dtype=torch.bfloat16)).dtype == torch.bfloat16


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_with_cpu_generator():
    x = torch.randn(6, 6, device="cuda")
    out = minidl.Dropout(0.5, generator=minidl.seeded(0))(x)
    ref = minidl.Dropout(0.5, generator=minidl.seeded(0))(x.cpu())
    assert out.device == x.device
    torch.testing.assert_close(out.cpu(), ref)


@pytest.mark.parametrize("p", [-0.1, 1, 1.0, 1.5, True, "0.5", float("nan")])
def test_bad_p(p):
    with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\), got p="):
        minidl.Dropout(p)


def test_bad_input_and_order(gen):
    with pytest.raises(TypeError, match="Dropout: input must be floating point, got dtype torch.int64"):
        minidl.Dropout(0.5)(torch.ones(3, dtype=torch.long))
    drop = minidl.Dropout(0.5, generator=gen)
    with pytest.raises(RuntimeError, match="Dropout: backward\\(\\) called before forward\\(\\)"):
        drop.backward(torch.ones(3))
    drop(torch.randn(3, 4))
    with pytest.raises(ValueError, match=r"Dropout: grad_output has shape \(4, 3\), but forward\(\) returned "
                                         r"shape \(3, 4\)"):
        drop.backward(torch.ones(4, 3))


@pytest.mark.parametrize("seeded", [True, False], ids=["own-generator", "global-generator"])
def test_autograd_reference_redraws_the_mask_independently(seeded, monkeypatch):
    """verify's reference draws the mask again from a copy of the generator (as documented), never reads
    the module's own: a fresh mask each forward still matches, a backward with another mask does not."""
    torch.manual_seed(5)
    x = torch.randn(6, 7, dtype=torch.float64)
    net = minidl.Sequential(minidl.Dropout(0.3, generator=minidl.seeded(1) if seeded else None),
                            minidl.Linear(7, 7, generator=minidl.seeded(2)), minidl.Dropout(0.5))
    assert not minidl_verify.failures(minidl_verify.autograd_errors(net, x), minidl_verify.AG_TOL)

    backward = minidl.Dropout.backward

    def fresh_mask_in_backward(self, grad_output):
        self.mask = torch.rand(grad_output.shape, generator=self.generator) >= self.p
        return backward(self, grad_output)

    monkeypatch.setattr(minidl.Dropout, "backward", fresh_mask_in_backward)
    errors = minidl_verify.autograd_errors(minidl.Dropout(0.5, generator=minidl.seeded(3)), x)
    assert errors["output"] < minidl_verify.AG_TOL and errors["input"] > 0.1
