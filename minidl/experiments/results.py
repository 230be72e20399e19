"""The report's experiment's results: every round's history, their statistics, the table against the
report, and ``results.json`` (strict JSON, written atomically)."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..nn.softmax import Softmax
from ..sequential import Sequential
from ..train import History
from .ensemble import unstack
from .protocol import Protocol

#: The report's final test errors after 25 epochs (section 3).
REPORT = {"mse": 0.050, "ce": 0.037}
NAMES = {"mse": "MSE", "ce": "CrossEntropy and Softmax", "mse-sum": "MSE, summed"}


@dataclass
class Results:
    """Every round's history for each loss, the trained stacked network, and the time taken.

    ``first``: the index in ``net`` of round 0 of each loss (round r is ``first[loss] + r``); by
    default the losses' blocks of ``rounds`` models follow each other in the order of ``histories``."""

    protocol: Protocol
    histories: dict[str, list[History]]
    net: Sequential = field(repr=False)
    seconds: float
    first: dict[str, int] = field(default_factory=dict)

    def curve(self, loss: str, key: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Per epoch, the mean and the std (over the rounds, with Bessel's correction) of ``key``
        (``"train_loss"``, ``"train_error"``, ``"test_loss"`` or ``"test_error"``)."""
        values = torch.tensor([getattr(h, key) for h in self.histories[loss]], dtype=torch.float64)
        std = values.std(dim=0) if values.shape[0] > 1 else torch.zeros(values.shape[1], dtype=torch.float64)
        return values.mean(dim=0), std

    def final_test_error(self, loss: str) -> tuple[float, float]:
        """Mean and std over the rounds of the test error after the last epoch."""
        mean, std = self.curve(loss, "test_error")
        return mean[-1].item(), std[-1].item()

    def diverged(self, loss: str) -> list[int]:
        """The rounds of ``loss`` whose history holds an infinite or NaN value: training diverged."""
        return [r for r, h in enumerate(self.histories[loss])
                if not all(math.isfinite(v) for values in h.as_dict().values() for v in values)]

    def model(self, loss: str, r: int = 0) -> Sequential:
        """Round r's trained network as a plain minidl ``Sequential`` (with its ``Softmax`` for ``"ce"``)."""
        first = self.first.get(loss, list(self.histories).index(loss) * self.protocol.rounds)
        model = unstack(self.net, first + r)
        return Sequential(*model, Softmax()) if loss == "ce" else model

    def table(self) -> str:
        """The report's final test errors against this run's, mean ± std over the rounds."""
        p = self.protocol
        head = f"{'final test error':<26}{'report':>8}   this book (mean ± std over {p.rounds} rounds, data {p.data})"
        rows = [head, "-" * len(head)]
        for loss in self.histories:
            mean, std = self.final_test_error(loss)
            diverged = self.diverged(loss)
            note = f"   diverged in {len(diverged)} of {p.rounds} rounds" if diverged else ""
            quoted = f"{100 * REPORT[loss]:>7.1f}%" if loss in REPORT else f"{'—':>8}"
            rows.append(f"{NAMES[loss]:<26}{quoted}   {100 * mean:.1f} ± {100 * std:.1f}%{note}")
        return "\n".join(rows)

    def as_dict(self) -> dict:
        """Everything but the network, as plain Python values; a non-finite number becomes ``None``."""
        out: dict = {"protocol": asdict(self.protocol), "seconds": self.seconds, "report": REPORT, "losses": {}}
        for loss, histories in self.histories.items():
            mean, std = self.final_test_error(loss)
            out["losses"][loss] = {
                "name": NAMES[loss],
                "final_test_error": {"mean": mean, "std": std},
                "diverged_rounds": self.diverged(loss),
                "rounds": [h.as_dict() for h in histories],
            }
        return finite_or_none(out)

    def to_json(self) -> str:
        """``as_dict`` as strict JSON: ``null`` where a value is infinite or NaN, never a bare ``NaN``."""
        return json.dumps(self.as_dict(), indent=1, allow_nan=False)


def finite_or_none(value):
    """``value`` with every infinite or NaN float, at any depth of dicts and lists, replaced by ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    return value


def check_out(out: Path, force: bool = False) -> None:
    """Raise ``ValueError`` unless ``save`` can write into the directory ``out``: it must be a directory
    or not exist yet, its nearest existing folder must be writable, and it must hold no
    ``results.json`` unless ``force``. Creates nothing."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: exists and is not a directory")
    if (out / "results.json").exists() and not force:
        raise ValueError(f"--out {out}: {out / 'results.json'} exists; use --force to replace it")
    existing = next(p for p in (out.absolute(), *out.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"--out {out}: {existing} is a file, not a directory")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise ValueError(f"--out {out}: cannot write in {existing} ({e.strerror or e})") from e


def save(results: Results, out: Path, figures: bool = False) -> list[Path]:
    """Write ``results.json`` into ``out`` and, with ``figures``, the report's figures as PNG files.

    Everything is written into a temporary folder inside ``out`` first and then renamed into place,
    ``results.json`` last: an interrupted run leaves no half-written file."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".results-", dir=out))
    try:
        (staging / "results.json").write_text(results.to_json())
        names = []
        if figures:
            from .figures import save_figures

            names = [path.name for path in save_figures(results, staging)]
        written = []
        for name in [*names, "results.json"]:
            os.replace(staging / name, out / name)
            written.append(out / name)
        return [written[-1], *written[:-1]]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
