"""Interactive explorers of what minidl computes: each one a computation, a figure, and two front ends.

Each of the five explorers (``boundary``, ``training``, ``activation``, ``softmax``, ``trajectory``)
comes in three layers:

* a computation in plain torch and minidl, with no plotting: ``train_run`` (the report's network
  trained with snapshots of its decision boundary, in ``run``), ``activation_curves``,
  ``softmax_temperature`` and ``trajectory``;
* a ``render_*`` function that draws one state of the explorer as a matplotlib ``Figure`` and
  returns it with a ``summary`` dict, the numbers the figure shows (what a test checks);
* two front ends over the same ``render_*``: ``*_explorer()``, a live ``Explorer`` of ipywidgets
  for Jupyter (``widget``), and ``*_player()``, a self-contained HTML ``Player`` over precomputed
  frames (``player``: plain HTML and JS, images inlined as base64) where no Python runs and no
  network is needed.

matplotlib, ipywidgets and IPython are imported inside the functions that use them: importing
``minidl.explorers`` imports only torch and minidl.
"""

from ..extras import require
from .activation import activation_curves, activation_explorer, activation_player, activations, render_activation
from .boundary import boundary_explorer, boundary_player, draw_boundary, render_boundary
from .player import Player
from .plotting import ACCENTS, MARGIN_CMAP, check_choice, figure, log_y, png_bytes
from .run import BOUNDARY, INITS, LOSS_NAMES, TRAINING, Run, Settings, lattice, train_run
from .softmax import SCORES, parse_scores, render_softmax, softmax_explorer, softmax_player, softmax_temperature
from .training import render_training, training_explorer, training_player
from .trajectory import (
    SURFACES,
    Surface,
    render_trajectory,
    surface_grid,
    trajectory,
    trajectory_explorer,
    trajectory_player,
)
from .widget import Explorer, summary_text

require("matplotlib", "ipywidgets", "IPython", extra="notebooks", feature="minidl.explorers")

__all__ = [
    "ACCENTS", "BOUNDARY", "INITS", "LOSS_NAMES", "MARGIN_CMAP", "SCORES", "SURFACES", "TRAINING",
    "Explorer", "Player", "Run", "Settings", "Surface",
    "activation_curves", "activation_explorer", "activation_player", "activations", "boundary_explorer",
    "boundary_player", "check_choice", "draw_boundary", "figure", "lattice", "log_y", "parse_scores", "png_bytes",
    "render_activation", "render_boundary", "render_softmax", "render_training", "render_trajectory",
    "softmax_explorer", "softmax_player", "softmax_temperature", "summary_text", "surface_grid", "train_run",
    "training_explorer", "training_player", "trajectory", "trajectory_explorer", "trajectory_player",
]
