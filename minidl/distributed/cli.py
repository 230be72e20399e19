"""``python -m minidl ddp``: the report's network trained by N processes on this machine. Every bad flag is a
usage error (exit code 2) before any process starts."""

from __future__ import annotations

import argparse
import json
import os
import sys

from .. import argtypes
from ..experiments.protocol import MAX_SEED
from .launch import RankFailed, launch
from .train import BASE_LR, Run, summary, train_report_net

#: More processes than this many times the CPUs only measures the operating system's scheduler.
MAX_NPROC = 64


def parser() -> argparse.ArgumentParser:
    d = Run()
    p = argparse.ArgumentParser(
        prog="python -m minidl ddp",
        description="Train the report's 2-25-25-25-2 Tanh network (MSE, SGD) with NPROC processes on this machine, "
        "data-parallel: each process takes its shard of every batch, and the gradients are averaged over the "
        "processes (torch.distributed, gloo on CPU) before each step. Prints the loss each epoch, the final "
        "train and test errors, the steps per second and the all-reduce's share of a step.",
    )
    p.add_argument("--nproc", type=argtypes.integer(1, MAX_NPROC), default=2, help="processes (default: 2)")
    p.add_argument("--epochs", type=argtypes.positive, default=d.epochs, help=f"epochs (default: {d.epochs})")
    p.add_argument("--batch-size", type=argtypes.positive, default=d.batch_size,
                   help=f"the global batch, split evenly over the processes: a multiple of --nproc "
                   f"(default: {d.batch_size})")
    p.add_argument("--lr", type=argtypes.learning_rate, default=None,
                   help=f"SGD learning rate (default: {BASE_LR} × the batch size, the linear scaling rule)")
    p.add_argument("--n", type=argtypes.positive, default=d.n, help=f"training and test points (default: {d.n})")
    p.add_argument("--seed", type=argtypes.integer(0, MAX_SEED), default=d.seed,
                   help="the report's protocol seed: data and initial weights (default: 0)")
    p.add_argument("--timeout", type=argtypes.real(0.0), default=60.0,
                   help="seconds a process waits for the others in a collective before it fails (default: 60)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.batch_size % args.nproc:
        p.error(f"argument --batch-size: {args.batch_size} does not split evenly over --nproc {args.nproc} "
                f"processes; pick a multiple of {args.nproc}")
    if args.n < args.nproc:
        p.error(f"argument --n: {args.n} points cannot give each of --nproc {args.nproc} processes one")
    run = Run(epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, n=args.n, lr=args.lr,
              verbose=not args.json)
    if not args.json:
        print(f"{args.nproc} process(es) on {os.cpu_count()} CPUs, the report's 2-25-25-25-2 net with MSE; global "
              f"batch {run.batch_size} ({run.local_batch(args.nproc)} per process), SGD lr {run.step_lr:g}",
              flush=True)
    try:
        results = launch(train_report_net, args.nproc, (run,), timeout=args.timeout)
    except RankFailed as e:
        print(f"python -m minidl ddp: {e}", file=sys.stderr)
        return 1
    s = summary(results, run)
    if args.json:
        print(json.dumps(s))
        return 0
    print(f"final train error: {100 * s['final_train_error']:.1f}%")
    print(f"final test error:  {100 * s['final_test_error']:.1f}%")
    print(f"steps per second: {s['steps_per_second']:.1f} ({s['steps']} steps of {s['local_batch']} samples "
          f"per process, backend {s['backend']})")
    print(f"all-reduce share of a step: {100 * s['allreduce_share']:.1f}% "
          f"(one all_reduce of {s['allreduce_bytes']:,} bytes per step)")
    return 0
