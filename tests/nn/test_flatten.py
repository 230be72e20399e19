"""Flatten: a reshape forward, the reshape back backward."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl.verify import verify


def test_verify(gen):
    verify(minidl.Flatten(), torch.randn(3, 2, 4, 5, generator=gen), show=False)


@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=5))
def test_shapes_match_torch(shape):
    x = torch.randn(shape)
    flat = minidl.Flatten()
    out = flat(x)
    torch.testing.assert_close(out, torch.flatten(x, 1))
    assert flat.backward(out).shape == x.shape
    torch.testing.assert_close(flat.backward(out), x)


def test_works_on_non_contiguous_input(gen):
    x = torch.randn(2, 3, 4, 5, generator=gen).permute(0, 3, 1, 2)
    torch.testing.assert_close(minidl.Flatten()(x), torch.flatten(x, 1))


def test_bad_input():
    with pytest.raises(ValueError, match=r"Flatten: input must have a batch dimension and at least one more, "
                                         r"got shape \(5,\)"):
        minidl.Flatten()(torch.randn(5))
    with pytest.raises(TypeError, match="Flatten: input must be floating point"):
        minidl.Flatten()(torch.ones(2, 3, dtype=torch.long))
    flat = minidl.Flatten()
    flat(torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"Flatten: grad_output has shape \(2, 3, 4\), but forward\(\) returned "
                                         r"shape \(2, 12\)"):
        flat.backward(torch.randn(2, 3, 4))
