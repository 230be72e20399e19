"""What the error tests (tests/test_errors*.py) share: the losses they try, and a shape as the messages
print it."""

from __future__ import annotations

import re

import minidl

LOSSES = [minidl.MSELoss, minidl.CrossEntropyLoss, minidl.SoftmaxCrossEntropyLoss]
loss_ids = [c.__name__ for c in LOSSES]


def shape(*dims: int) -> str:
    """The regex for a shape as the messages print it, e.g. (5, 3) or (3,)."""
    return re.escape(str(tuple(dims)))
