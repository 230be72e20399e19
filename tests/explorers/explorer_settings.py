"""What the explorer tests (tests/explorers/) share: a run small enough to train in a fraction of a second,
and the signature that starts every PNG."""

from minidl import explorers as viz

SMALL = viz.Settings(n=120, epochs=3, batch_size=20)  # trains in a fraction of a second
PNG = b"\x89PNG\r\n\x1a\n"
