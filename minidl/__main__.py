"""``python -m minidl``: the report's test executable (section 3). ``--help`` lists the flags."""

from __future__ import annotations

import argparse
import sys

import torch

from . import SGD, CrossEntropyLoss, MSELoss, disk_dataset, fit, seeded
from .models import report_net


def train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m minidl",
        description="Train the report's 2-25-25-25-2 Tanh network on the disk data set "
        "(1,000 training and 1,000 test points in [0,1]², label 1 inside the disk of area ½) "
        "and print the loss each epoch and the final train and test error rates.",
        epilog="`python -m minidl reproduce --help` describes the report's 15-round experiment.",
    )
    p.add_argument("--loss", choices=["mse", "ce"], default="mse",
                   help="mse: MSELoss on the raw outputs; ce: Softmax then CrossEntropyLoss (default: mse)")
    p.add_argument("--epochs", type=int, default=25, help="number of passes over the training set (default: 25)")
    p.add_argument("--lr", type=float, default=1e-3, help="SGD learning rate (default: 0.001, the report's)")
    p.add_argument("--momentum", type=float, default=0.0, help="SGD momentum in [0, 1) (default: 0)")
    p.add_argument("--batch-size", type=int, default=1, help="samples per SGD step; 1 is per-sample SGD (default: 1)")
    p.add_argument("--init", choices=["gaussian", "xavier"], default="gaussian",
                   help="weight initialisation: N(0,1) as in the report, or Xavier (default: gaussian)")
    p.add_argument("--n", type=int, default=1000, help="points in each of the training and test sets (default: 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed for the data and the initial weights (default: 0)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads; 1 is fastest for this tiny network (default: 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar, one plain line per epoch")
    return p


def train_main(argv: list[str]) -> int:
    args = train_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    data_gen, init_gen = seeded(args.seed), seeded(args.seed + 1_000_000)
    train, test = disk_dataset(args.n, data_gen), disk_dataset(args.n, data_gen)
    model = report_net(softmax=args.loss == "ce", init=args.init, generator=init_gen)
    loss_fn = CrossEntropyLoss() if args.loss == "ce" else MSELoss()
    optimizer = SGD(model.param(), lr=args.lr, momentum=args.momentum)
    print(f"{model}\nloss: {loss_fn}   optimizer: {optimizer}   batch size: {args.batch_size}")

    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=args.epochs, desc="training", unit="epoch", file=sys.stdout, dynamic_ncols=True)

    def log(epoch: int, h) -> None:
        line = (f"epoch {epoch + 1:3d}/{args.epochs}  train loss {h.train_loss[-1]:.4f}  "
                f"train error {100 * h.train_error[-1]:5.1f}%  test error {100 * h.test_error[-1]:5.1f}%")
        if bar is None:
            print(line)
        else:
            bar.write(line)
            bar.update(1)

    history = fit(model, loss_fn, optimizer, train, test, args.epochs, args.batch_size, on_epoch=log)
    if bar is not None:
        bar.close()
    print(f"final train error: {100 * history.train_error[-1]:.1f}%")
    print(f"final test error:  {100 * history.test_error[-1]:.1f}%")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["reproduce"]:
        from .experiments.report import main as reproduce_main

        return reproduce_main(argv[1:])
    if argv[:1] == ["check"]:
        from .check.cli import main as check_main

        return check_main(argv[1:])
    return train_main(argv)


if __name__ == "__main__":
    sys.exit(main())
