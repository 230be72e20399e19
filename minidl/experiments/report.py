"""The report's experiment (section 3), in one namespace: ``from minidl.experiments import report``.

15 rounds × 25 epochs of the 2-25-25-25-2 Tanh network on the disk data, MSE against Softmax +
cross-entropy, lr 0.001; per epoch, the mean and std over the rounds. The rounds of one loss are
trained together as one stacked network (``ensemble``); round r computes what
``python -m minidl --seed <seed + r>`` computes alone. The code lives in ``protocol`` (the protocol
and one round's set-up), ``runner`` (the stacked training; ``run_all`` stacks several protocols),
``results`` (statistics, table, JSON), ``figures`` and ``cli`` (``python -m minidl reproduce``).
"""

from .cli import main, parser
from .figures import CAPTIONS, boundary_figure, figure, save_figures
from .protocol import INIT_SEED_OFFSET, MAX_SEED, Protocol, round_data, round_model, setup, training_sets
from .results import NAMES, REPORT, Results, check_out, finite_or_none, save
from .runner import check_memory, estimate_bytes, fit_stacked, run, run_all

__all__ = [
    "CAPTIONS", "INIT_SEED_OFFSET", "MAX_SEED", "NAMES", "REPORT", "Protocol", "Results", "boundary_figure",
    "check_memory", "check_out", "estimate_bytes", "figure", "finite_or_none", "fit_stacked", "main", "parser",
    "round_data", "round_model", "run", "run_all", "save", "save_figures", "setup", "training_sets",
]
