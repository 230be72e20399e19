"""What the explorers' figures share: the colours, a bare matplotlib figure, a log axis, PNG bytes,
and the check that a control's value is one of its choices.

matplotlib and PIL are imported inside the functions, so importing this module imports neither.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

ACCENTS = ("#3b6fb6", "#d9742b")  # blue and orange: legible on the white figure face
MARGIN_CMAP = "RdBu_r"  # blue for class 0, red for class 1, white on the boundary


def check_choice(who: str, name: str, value: Any, choices: Sequence) -> None:
    """Raise a ``ValueError`` naming ``who``, the argument and its choices unless ``value`` is one of them."""
    if value not in choices:
        raise ValueError(f"{who}: {name} must be one of {list(choices)}, got {value!r}")


def figure(width: float, height: float, **margins: float):
    """A matplotlib Figure with a white face, legible on a light and on a dark page.

    Built without pyplot, so nothing is shown by the notebook backend and nothing needs closing.
    Fixed margins rather than a layout engine: drawing a frame then takes half the time."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), facecolor="white")
    fig.subplots_adjust(**{"left": 0.08, "right": 0.98, "bottom": 0.15, "top": 0.9, "wspace": 0.28, **margins})
    return fig


def log_y(ax) -> None:
    """Give ``ax`` a log y axis with plain tick labels and no minor ticks (mathtext labels and hundreds
    of minor tick lines would triple the time to draw a frame)."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.minorticks_off()


def png_bytes(fig, dpi: int = 90, colours: int | None = None) -> bytes:
    """Encode the figure as PNG. ``colours``: quantise to that many colours (frames for the static book:
    a third of the size, with no visible loss on plots)."""
    if colours is None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
        return buf.getvalue()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").quantize(colors=colours).save(buf, format="png")
    return buf.getvalue()
