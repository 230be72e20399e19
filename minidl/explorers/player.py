"""``Player``: a static, self-contained interactive figure over precomputed frames, for the HTML book.

The page skeleton (``player.html``, a ``string.Template``) and its script (``player.js``) are data
files of this package, read with ``importlib.resources``.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
from collections.abc import Callable, Sequence
from functools import cache
from importlib.resources import files
from string import Template
from typing import Any

from .plotting import png_bytes

TEMPLATE, SCRIPT = "player.html", "player.js"


@cache
def resource(name: str) -> str:
    """The text of the package data file ``name`` (``"player.html"`` or ``"player.js"``)."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


def label(value: Any) -> str:
    """How a control's value reads on the page: ``0.1`` → ``"0.1"``, ``"mse"`` → ``"mse"``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


class Player:
    """A static, self-contained interactive figure: one precomputed PNG per combination of the
    controls' values, and a few lines of JS that show the frame for the current choice.

    ``render(**values)`` returns ``(figure, summary)``; ``controls`` maps each keyword to its values.
    Sliders stand for numeric controls, drop-down lists for the others; ``animate`` names a slider
    that a play button steps through; ``initial`` the values shown first (default: each control's
    last). No kernel, no network: the frames are inlined as base64.
    """

    def __init__(self, render: Callable, controls: dict[str, Sequence], *, title: str,
                 initial: dict[str, Any] | None = None, formats: dict[str, Callable] | None = None,
                 animate: str | None = None, dpi: int = 90, colours: int = 64) -> None:
        self.title, self.controls, self.animate = title, {k: list(v) for k, v in controls.items()}, animate
        if animate is not None and animate not in self.controls:
            raise ValueError(f"{type(self).__name__}: animate={animate!r} is not one of the controls "
                             f"{list(self.controls)}")
        formats = formats or {}
        self.labels = {k: [formats.get(k, label)(v) for v in vs] for k, vs in self.controls.items()}
        initial = initial or {}
        self.start = [vs.index(initial[k]) if k in initial else len(vs) - 1 for k, vs in self.controls.items()]
        self.frames: list[str] = []
        self.summaries: list[dict] = []
        for combo in itertools.product(*self.controls.values()):
            fig, summary = render(**dict(zip(self.controls, combo, strict=True)))
            self.frames.append("data:image/png;base64," + base64.b64encode(png_bytes(fig, dpi, colours)).decode())
            self.summaries.append(summary)

    def frame_index(self, positions: Sequence[int]) -> int:
        """The frame for the given position in each control (row-major over the controls)."""
        index = 0
        for pos, values in zip(positions, self.controls.values(), strict=True):
            index = index * len(values) + pos
        return index

    def _control_html(self, i: int, name: str) -> str:
        values, labels, pos = self.controls[name], self.labels[name], self.start[i]
        text = html.escape(name.replace("_", " "))
        if all(isinstance(v, (int, float)) for v in values) and len(values) > 1:
            return (f'<label>{text} <input type="range" min="0" max="{len(values) - 1}" step="1" value="{pos}" '
                    f'data-control="{i}" aria-label="{text}" style="vertical-align:middle"> '
                    f'<output style="display:inline-block;min-width:3.5em">{html.escape(labels[pos])}</output></label>')
        options = "".join(f'<option value="{j}"{" selected" if j == pos else ""}>{html.escape(t)}</option>'
                          for j, t in enumerate(labels))
        return f'<label>{text} <select data-control="{i}" aria-label="{text}">{options}</select></label>'

    def html(self) -> str:
        """The player as one HTML fragment: the controls, the initial frame, the frames as JSON, the script."""
        controls = "".join(self._control_html(i, name) for i, name in enumerate(self.controls))
        if self.animate is not None:
            k = list(self.controls).index(self.animate)
            name = html.escape(self.animate)
            controls += f'<button type="button" data-play="{k}" aria-label="play {name}">▶ play</button>'
        data = {"sizes": [len(v) for v in self.controls.values()], "labels": list(self.labels.values()),
                "frames": self.frames, "title": self.title}
        payload = json.dumps(data).replace("</", "<\\/")  # no "</script>" inside the JSON
        return Template(resource(TEMPLATE)).substitute(
            controls=controls, frame=self.frames[self.frame_index(self.start)], title=html.escape(self.title),
            payload=payload, script=resource(SCRIPT)).strip()

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"Player({self.title!r}, {len(self.frames)} frames)"
