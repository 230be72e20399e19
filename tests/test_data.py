"""minidl.data: the report's disk data set."""

from __future__ import annotations

import math

import pytest
import torch

import minidl
from minidl import data


def test_shapes_and_dtypes():
    x, y = minidl.disk_dataset(100, minidl.seeded(0))
    assert x.shape == (100, 2) and x.dtype == torch.float32
    assert y.shape == (100,) and y.dtype == torch.int64
    x64, _ = minidl.disk_dataset(10, minidl.seeded(0), dtype=torch.float64)
    assert x64.dtype == torch.float64


def test_points_lie_in_the_unit_square():
    x, _ = minidl.disk_dataset(10_000, minidl.seeded(1))
    assert bool((x >= 0).all()) and bool((x <= 1).all())
    # and fill it: every quarter of the square gets about a quarter of the points
    quarter = (x[:, 0] < 0.5).long() * 2 + (x[:, 1] < 0.5).long()
    counts = torch.bincount(quarter, minlength=4)
    assert bool(((counts - 2500).abs() < 200).all()), counts.tolist()


def test_the_disk_has_area_one_half():
    assert data.RADIUS == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert math.pi * data.RADIUS**2 == pytest.approx(0.5)
    assert data.CENTRE == (0.5, 0.5)


def test_label_is_one_exactly_inside_the_disk():
    x, y = minidl.disk_dataset(10_000, minidl.seeded(2))
    r2 = 1 / (2 * math.pi)
    d2 = [(a - 0.5) ** 2 + (b - 0.5) ** 2 for a, b in x.double().tolist()]  # in Python floats, independently
    clear = [i for i, d in enumerate(d2) if abs(d - r2) > 1e-6]  # not within rounding of the circle
    assert len(clear) > 9_900
    assert all(y[i].item() == int(d2[i] < r2) for i in clear)


def test_the_classes_are_balanced():
    _, y = minidl.disk_dataset(10_000, minidl.seeded(3))
    inside = y.double().mean().item()
    assert abs(inside - 0.5) < 0.03  # the standard deviation of the fraction is 0.005
    assert set(y.tolist()) == {0, 1}


def test_the_same_seed_gives_the_same_set_and_another_seed_another():
    x1, y1 = minidl.disk_dataset(500, minidl.seeded(4))
    x2, y2 = minidl.disk_dataset(500, minidl.seeded(4))
    x3, y3 = minidl.disk_dataset(500, minidl.seeded(5))
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(x1, x3) and not torch.equal(y1, y3)


def test_successive_draws_from_one_generator_differ():
    gen = minidl.seeded(6)
    (x_train, _), (x_test, _) = minidl.disk_dataset(100, gen), minidl.disk_dataset(100, gen)
    assert not torch.equal(x_train, x_test)


def test_seeded_returns_a_seeded_generator():
    a, b = minidl.seeded(7), minidl.seeded(7)
    assert isinstance(a, torch.Generator) and a.initial_seed() == 7
    assert torch.equal(torch.rand(3, generator=a), torch.rand(3, generator=b))
