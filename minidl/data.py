"""The report's data set: points in the unit square, labelled by a disk of area ½."""

from __future__ import annotations

import math
import numbers

import torch

CENTRE = (0.5, 0.5)
RADIUS = 1 / math.sqrt(2 * math.pi)  # π r² = ½: the two classes are balanced


def disk_dataset(
    n: int,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points drawn uniformly in ``[0, 1]²`` and their labels.

    Returns ``x`` of shape ``(n, 2)`` and ``y``, int64 class indices of shape ``(n,)``:
    1 inside the disk of centre (0.5, 0.5) and radius 1/√(2π), else 0.
    Pass a seeded ``torch.Generator`` for a reproducible set.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"disk_dataset: n must be an int, got {n!r} ({type(n).__name__})")
    if n < 1:
        raise ValueError(f"disk_dataset: n must be positive, got {n}")
    x = torch.rand(n, 2, generator=generator, dtype=dtype, device=device)
    centre = torch.tensor(CENTRE, dtype=dtype, device=x.device)
    y = ((x - centre).pow(2).sum(dim=1) < RADIUS**2).long()
    return x, y


def seeded(seed: int, device: torch.device | str | None = None) -> torch.Generator:
    """A ``torch.Generator`` seeded with ``seed``."""
    return torch.Generator(device=device or "cpu").manual_seed(seed)
