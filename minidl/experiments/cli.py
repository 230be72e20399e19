"""``python -m minidl reproduce``: the report's experiment from the command line. Every bad flag is a
usage error (exit code 2) before any training; a run that diverges exits with code 1."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import argtypes
from ..extras import require
from .protocol import DATA, INIT_SEED_OFFSET, MAX_SEED, Protocol
from .results import check_out, save
from .runner import check_memory, run


def parser() -> argparse.ArgumentParser:
    d = Protocol()
    p = argparse.ArgumentParser(
        prog="python -m minidl reproduce",
        description="The report's experiment (section 3): the 2-25-25-25-2 Tanh network trained with MSE and "
        "with Softmax + cross-entropy, SGD at lr 0.001, for several rounds, each with its own seed, data "
        "and initial weights. Prints the final test errors (mean ± std over the rounds) beside the report's.",
    )
    positive = argtypes.positive
    p.add_argument("--rounds", type=positive, default=d.rounds, help=f"rounds per loss (default: {d.rounds})")
    p.add_argument("--epochs", type=positive, default=d.epochs, help=f"epochs per round (default: {d.epochs})")
    p.add_argument("--n", type=positive, default=d.n,
                   help=f"training points, and test points, per round (default: {d.n})")
    p.add_argument("--lr", type=argtypes.learning_rate, default=d.lr,
                   help=f"SGD learning rate, > 0 (default: {d.lr}, the report's)")
    p.add_argument("--batch-size", type=positive, default=d.batch_size,
                   help="samples per SGD step; the loss is their mean; 1 is per-sample SGD (default: 1)")
    p.add_argument("--init", choices=["gaussian", "xavier"], default=d.init,
                   help="initial weights: N(0, 1) as in the report, or Xavier's N(0, 2/(fan_in + fan_out)) "
                   "(default: gaussian)")
    p.add_argument("--data", choices=list(DATA), default=d.data,
                   help="the report's 'for each epoch, 1,000 points are sampled': one fixed training set, or a "
                   f"fresh sample every epoch (default: {d.data})")
    p.add_argument("--seed", type=argtypes.integer(0, MAX_SEED), default=d.seed,
                   help=f"round r uses seed SEED + r for its data and SEED + r + {INIT_SEED_OFFSET} for its "
                   "weights (default: 0)")
    p.add_argument("--threads", type=argtypes.threads, default=1, help="torch threads; 1 is fastest here (default: 1)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write results.json (every round's per-epoch history) into DIR, checked before training")
    p.add_argument("--force", action="store_true", help="with --out: replace an existing DIR/results.json")
    p.add_argument("--figures", action="store_true",
                   help="with --out: also write the report's figures 1-4 and the decision boundaries as PNG files")
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if (args.figures or args.force) and args.out is None:
        p.error(f"{'--figures' if args.figures else '--force'} needs --out DIR")
    if args.figures:  # before any training: a missing matplotlib is reported now, not after the run
        require("matplotlib", extra="notebooks", feature="python -m minidl reproduce --figures")
    try:
        protocol = Protocol(rounds=args.rounds, epochs=args.epochs, n=args.n, lr=args.lr,
                            batch_size=args.batch_size, init=args.init, seed=args.seed, data=args.data)
        check_memory(protocol)
        if args.out is not None:
            check_out(args.out, args.force)
    except (ValueError, TypeError, MemoryError) as e:
        p.error(str(e))
    results = run(protocol, threads=args.threads)
    print(results.table())
    print(f"\n{protocol.rounds} rounds × {protocol.epochs} epochs × 2 losses in {results.seconds:.1f} s")
    if args.out is not None:
        for path in save(results, args.out, args.figures):
            print(f"wrote {path}")
    diverged = {loss: results.diverged(loss) for loss in results.histories}
    if any(diverged.values()):
        rounds = "; ".join(f"{loss}: rounds {rs}" for loss, rs in diverged.items() if rs)
        print(f"python -m minidl reproduce: training diverged (a loss became infinite or NaN) in {rounds}; "
              f"lower --lr (it is {protocol.lr}){'; results.json has null for them' if args.out else ''}",
              file=sys.stderr)
        return 1
    return 0
