"""``Explorer``: a live ipywidgets front end that redraws a ``render`` function whenever a control changes.

ipywidgets is imported when an ``Explorer`` is built, so importing this module does not import it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from .plotting import png_bytes


def summary_text(summary: dict) -> str:
    """``{"test_error": 0.05, "epoch": 3}`` → ``"test error: 0.05 · epoch: 3"``: a summary as one line."""
    def fmt(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    return " · ".join(f"{k.replace('_', ' ')}: {fmt(v)}" for k, v in summary.items())


class Explorer:
    """A live explorer: ``render(**values)`` is redrawn whenever one of the ``controls`` changes.

    ``controls`` maps each keyword of ``render`` to an ipywidget whose ``value`` feeds it. The figure
    is shown as a PNG in an ``ipywidgets.Image``, so the explorer works with any matplotlib backend.
    ``figure``, ``summary`` and ``image.value`` always hold the current state (tests read them);
    ``renders`` counts the figures drawn. A ``render`` that raises ``ValueError`` (a value typed
    wrong) shows the message and keeps the last figure.
    """

    def __init__(self, render: Callable, controls: dict[str, Any], title: str, extras: Sequence = ()) -> None:
        import ipywidgets as w

        self.render, self.controls, self.title = render, dict(controls), title
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.status = w.HTML()
        self.renders = 0
        self.figure, self.summary = None, {}
        row = w.HBox([*self.controls.values(), *extras], layout=w.Layout(flex_flow="row wrap"))
        self.widget = w.VBox([row, self.image, self.status])
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.update()

    def values(self) -> dict[str, Any]:
        """The controls' current values, by keyword of ``render``."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, change: Any = None) -> None:
        """Redraw with the controls' current values (an ipywidgets observer: ``change`` is unused)."""
        try:
            figure, summary = self.render(**self.values())
        except ValueError as err:  # e.g. scores typed wrong: say so, keep the last figure
            self.status.value = f"<span style='color:#c0392b'>{html.escape(str(err))}</span>"
            return
        self.figure, self.summary = figure, summary
        self.image.value = png_bytes(self.figure)
        self.status.value = f"<small>{html.escape(summary_text(self.summary))}</small>"
        self.renders += 1

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # A fixed text, not the widget repr with its image bytes: the same on every machine (nbval).
        bundle["text/plain"] = f"{self.title} (a live explorer: run the notebook in Jupyter to use it)"
        return bundle
