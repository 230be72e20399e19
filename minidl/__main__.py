"""``python -m minidl``: the report's test executable (section 3). ``--help`` lists the flags.

Every bad flag is a usage error (exit code 2) before any training; training that diverges stops with
a message and exit code 1."""

from __future__ import annotations

import argparse
import math
import sys

import torch

from . import SGD, CrossEntropyLoss, MSELoss, __version__, argtypes, fit
from .experiments.protocol import INIT_SEED_OFFSET, MAX_SEED, Protocol, setup
from .experiments.runner import check_memory

USAGE = """python -m minidl [-h] [--version] [--loss {mse,ce}] [--epochs N] [--lr LR] [...]
       python -m minidl reproduce [-h] [--rounds R] [--data {fixed,per-epoch}] [--out DIR] [...]
       python -m minidl ddp [-h] [--nproc N] [--epochs N] [--batch-size B] [--json] [...]"""


class Diverged(Exception):
    """Training produced an infinite or NaN loss."""


def train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m minidl",
        usage=USAGE,
        description="Train the report's 2-25-25-25-2 Tanh network on the disk data set "
        "(1,000 training and 1,000 test points in [0,1]², label 1 inside the disk of area ½) "
        "and print the loss each epoch and the final train and test error rates.",
        epilog="subcommands: `python -m minidl reproduce` runs the report's 15-round experiment "
        "(`python -m minidl reproduce --help`); `python -m minidl ddp --nproc 2` trains data-parallel.",
    )
    p.add_argument("--version", action="version", version=f"minidl {__version__}")
    p.add_argument("--loss", choices=["mse", "ce"], default="mse",
                   help="mse: MSELoss on the raw outputs; ce: Softmax then CrossEntropyLoss (default: mse)")
    p.add_argument("--epochs", type=argtypes.positive, default=25,
                   help="number of passes over the training set (default: 25)")
    p.add_argument("--lr", type=argtypes.learning_rate, default=1e-3,
                   help="SGD learning rate, > 0 (default: 0.001, the report's)")
    p.add_argument("--momentum", type=argtypes.momentum, default=0.0, help="SGD momentum in [0, 1) (default: 0)")
    p.add_argument("--batch-size", type=argtypes.positive, default=1,
                   help="samples per SGD step; 1 is per-sample SGD (default: 1)")
    p.add_argument("--init", choices=["gaussian", "xavier"], default="gaussian",
                   help="weight initialisation: N(0,1) as in the report, or Xavier (default: gaussian)")
    p.add_argument("--n", type=argtypes.positive, default=1000,
                   help="points in each of the training and test sets (default: 1000)")
    p.add_argument("--seed", type=argtypes.integer(0, MAX_SEED), default=0,
                   help=f"the data come from seeded(SEED), the initial weights from seeded(SEED + {INIT_SEED_OFFSET}) "
                   "(default: 0)")
    p.add_argument("--threads", type=argtypes.threads, default=1,
                   help="torch threads; 1 is fastest for this tiny network (default: 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar, one plain line per epoch")
    return p


def train_main(argv: list[str]) -> int:
    parser = train_parser()
    args = parser.parse_args(argv)
    try:
        check_memory(Protocol(rounds=1, n=args.n, seed=args.seed), losses=1)
    except MemoryError as e:
        parser.error(str(e))
    torch.set_num_threads(args.threads)
    train, test, model = setup(args.seed, args.n, args.init, softmax=args.loss == "ce")
    loss_fn = CrossEntropyLoss() if args.loss == "ce" else MSELoss()
    optimizer = SGD(model.param(), lr=args.lr, momentum=args.momentum)
    print(f"{model}\nloss: {loss_fn}   optimizer: {optimizer}   batch size: {args.batch_size}")

    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=args.epochs, desc="training", unit="epoch", file=sys.stdout, dynamic_ncols=True)

    def log(epoch: int, h) -> None:
        if not math.isfinite(h.train_loss[-1]):
            raise Diverged(f"python -m minidl: training diverged at epoch {epoch + 1}: the training loss is "
                           f"{h.train_loss[-1]}; lower --lr (it is {args.lr})")
        line = (f"epoch {epoch + 1:3d}/{args.epochs}  train loss {h.train_loss[-1]:.4f}  "
                f"train error {100 * h.train_error[-1]:5.1f}%  test error {100 * h.test_error[-1]:5.1f}%")
        if bar is None:
            print(line)
        else:
            bar.write(line)
            bar.update(1)

    try:
        history = fit(model, loss_fn, optimizer, train, test, args.epochs, args.batch_size, on_epoch=log,
                      on_divergence="record")  # log() stops it, with the command line's own message
    except Diverged as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
    print(f"final train error: {100 * history.train_error[-1]:.1f}%")
    print(f"final test error:  {100 * history.test_error[-1]:.1f}%")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["reproduce"]:
        from .experiments.cli import main as reproduce_main

        return reproduce_main(argv[1:])
    if argv[:1] == ["check"]:
        from .check.cli import main as check_main

        return check_main(argv[1:])
    if argv[:1] == ["ddp"]:
        from .distributed.cli import main as ddp_main

        return ddp_main(argv[1:])
    return train_main(argv)


if __name__ == "__main__":
    sys.exit(main())
