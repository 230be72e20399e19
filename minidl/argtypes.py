"""Command-line value types for ``argparse``: each turns a flag's text into a value or refuses it with
``argparse.ArgumentTypeError``, which argparse reports as a usage error (exit code 2) before any work."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

#: The most threads a run may ask for: more is a typo, and torch fails on it late.
MAX_THREADS = 1024


def integer(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """An int in ``[low, high]`` (either bound may be None), written in decimal: ``2.5`` is refused."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"≥ {low}" if high is None else f"in [{low}, {high}]" if low is not None else f"≤ {high}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


def real(
    low: float, high: float | None = None, low_open: bool = True, high_open: bool = True
) -> Callable[[str], float]:
    """A finite float in the interval from ``low`` to ``high`` (open or closed at each end)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        too_low = value <= low if low_open else value < low
        too_high = high is not None and (value >= high if high_open else value > high)
        if not math.isfinite(value) or too_low or too_high:
            left, right = "(" if low_open else "[", ")" if high_open or high is None else "]"
            raise argparse.ArgumentTypeError(
                f"must be a finite number in {left}{low}, {'∞' if high is None else high}{right}, got {text}"
            )
        return value

    parse.__name__ = "number"
    return parse


positive = integer(low=1)
threads = integer(low=1, high=MAX_THREADS)
learning_rate = real(0.0)
momentum = real(0.0, 1.0, low_open=False)

