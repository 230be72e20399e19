"""Shared set-up for the minidl tests.

One torch thread (fastest for minidl's small tensors on a shared 2-core machine, and the same
float sums everywhere), and a hypothesis profile that keeps the property tests quick.
Tests may use torch.autograd and torch.nn freely: they are the reference, never part of minidl.
"""

from __future__ import annotations

import pytest
import torch
from book_fixtures import book_build, browser  # noqa: F401 - test_browser.py and test_pdf.py: one build, one browser
from hypothesis import HealthCheck, settings

import minidl

torch.set_num_threads(1)

# CI draws the same examples every run (derandomize), so a red run can be replayed; the thorough
# profile searches at random. Finite differences in float64 can exceed 1e-6 on a rare, nearly
# saturated network (rounding, not a wrong gradient; autograd at 1e-10 is the tight oracle there).
settings.register_profile(
    "minidl", max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", parent=settings.get_profile("minidl"), max_examples=300, derandomize=False)
settings.load_profile("minidl")  # `pytest --hypothesis-profile=thorough` for a deeper search


@pytest.fixture
def gen() -> torch.Generator:
    """A fresh, seeded CPU generator for each test."""
    return minidl.seeded(0)


@pytest.fixture(params=[torch.float32, torch.float64], ids=["float32", "float64"])
def dtype(request) -> torch.dtype:
    return request.param
