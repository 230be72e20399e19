"""``make bench``: minidl's training step as ratios, against torch.nn + autograd + torch.optim and the matmul floor.

Every figure is a ratio of two times measured in this process, with the variants' repeats interleaved,
taking each variant's minimum (see ``harness.py``). Cases are run with 1 and with 2 threads
(``torch.set_num_threads``), the thread counts alternating round by round. With 1 thread the clock is
the process's CPU time, which other programs on a shared machine do not inflate; with 2, elapsed time.

    .venv/bin/python bench/bench.py [--quick] [--out PATH] [--rounds N] [--threads 1,2] [--only TEXT] [--clock C]

The cases of issue 2 (the report's net, a wide MLP) are in ``bench/core_cases.py``. More cases: put them in
``bench/cases_<topic>.py`` (imported automatically), registered with ``harness.case``; they get a row in
the same table and in the JSON.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import statistics
import sys
from pathlib import Path

import torch
from core_cases import MOMENTUM  # registers the cases of issue 2, the table's first rows
from harness import CASES, Settings

HERE = Path(__file__).resolve().parent
CLOCKS = {
    "auto": "process CPU time with 1 thread (steady on a busy machine), elapsed time with 2",
    "wall": "elapsed time",
    "cpu": "process CPU time",
}


# -- running, the table, the recommendation ----------------------------------------------------------


def load_more_cases() -> list[str]:
    """Import every ``bench/cases_*.py``; their ``@case`` decorators register them."""
    names = sorted(p.stem for p in HERE.glob("cases_*.py"))
    for name in names:
        importlib.import_module(name)
    return names


def run(threads: list[int], rounds: int, settings: Settings, only: str | None) -> list[dict]:
    """Every case at every thread count, ``rounds`` times; per variant the minimum over the rounds."""
    cases = [c for c in CASES.values() if only is None or only.lower() in c.name.lower()]
    per_round: dict[tuple[str, int], list[dict[str, float]]] = {}
    for r in range(rounds):
        for n in threads[r % len(threads) :] + threads[: r % len(threads)]:
            torch.set_num_threads(n)
            for c in cases:
                if c.threads is None or n in c.threads:
                    print(f"  round {r + 1}/{rounds}, {n} thread(s): {c.name}", file=sys.stderr, flush=True)
                    per_round.setdefault((c.name, n), []).append(c.run(settings))
    rows = []
    for c in cases:
        for n in threads:
            runs = per_round.get((c.name, n))
            if not runs:
                continue
            times = {v: min(t[v] for t in runs) for v in runs[0]}
            wall = {v: min(getattr(t, "wall", t)[v] for t in runs) for v in runs[0]}
            ratios = []
            for ratio in c.ratios:
                value = ratio.of(times)
                each = [ratio.of(t) for t in runs]  # one ratio per round: the spread
                spread = dict(min=min(each), max=max(each), median=statistics.median(each))
                ratios.append(
                    dict(label=ratio.label, value=value, **spread, target=ratio.target(n), met=ratio.met(value, n))
                )
            clock = settings.clock if settings.clock != "auto" else ("cpu" if n == 1 else "wall")
            row = dict(case=c.name, threads=n, clock=clock, note=c.note, seconds=times, wall_seconds=wall)
            rows.append(dict(row, ratios=ratios))
    return rows


def recommendation(rows: list[dict], margin: float = 1.05) -> list[str]:
    """What the numbers say about threads: minidl's elapsed step time at each thread count, per case; the advice.

    More threads are recommended only where they make minidl's step at least ``margin`` times faster.
    """
    lines, gain = [], {}
    for name in dict.fromkeys(row["case"] for row in rows):
        mine = [row for row in rows if row["case"] == name and "minidl" in row["seconds"]]
        times = {row["threads"]: row["wall_seconds"]["minidl"] for row in mine}
        if len(times) < 2 or 1 not in times or any(math.isinf(t) for t in times.values()):
            continue
        most = max(times)
        gain[name] = (most, times[1] / times[most])
        each = ", ".join(f"{n} thread(s): {times[n] / times[1]:.2f}×" for n in sorted(times))
        lines.append(f"{name}: minidl's elapsed time relative to 1 thread: {each}")
    for group, what in (("report net", "The CLI trains the report's net"), ("MLP", "For a 1024-wide MLP")):
        found = [(n, g) for name, (n, g) in gain.items() if name.startswith(group)]
        if not found:
            continue
        n, g = min(found, key=lambda ng: ng[1])  # the case that gains least from more threads
        if g >= margin:
            lines.append(f"→ {what}: {n} threads make minidl's step {g:.2f}× faster; call torch.set_num_threads({n}).")
        else:
            effect = f"gain only {g:.2f}×" if g >= 1 else f"make minidl's step {1 / g:.2f}× slower"
            lines.append(f"→ {what}: {n} threads {effect}; keep 1 thread (the package default).")
    return lines


def table(rows: list[dict]) -> str:
    head = "| case | threads | ratio | value | spread over rounds | target | met |"
    lines = [head, "| --- | ---: | --- | ---: | ---: | --- | --- |"]
    for row in rows:
        for r in row["ratios"]:
            met = {True: "yes", False: "**NO**", None: ""}[r["met"]]
            lines.append(f"| {row['case']} | {row['threads']} | {r['label']} | {r['value']:.2f}× "
                         f"| {r['min']:.2f}–{r['max']:.2f} | {r['target']} | {met} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--quick", action="store_true", help="a smoke run: 1 round, 3 repeats (noisier ratios)")
    add("--out", type=Path, default=HERE / "results.json", help="where to write the JSON (%(default)s)")
    add("--rounds", type=int, default=None, help="rounds over every case and thread count (3; 1 with --quick)")
    add("--threads", default="1,2", help="thread counts, comma-separated (%(default)s)")
    add("--only", default=None, help="run only the cases whose name contains this text")
    add(
        "--clock",
        choices=["auto", "wall", "cpu"],
        default="auto",
        help="wall: elapsed time; cpu: the process's CPU time, blind to other programs' time slices, valid with "
        "one thread only; auto (default): cpu with 1 thread, wall with more",
    )
    add("--strict", action="store_true", help="exit with status 1 if a target is missed")
    args = parser.parse_args(argv)
    threads = [int(n) for n in args.threads.split(",")]
    rounds = args.rounds or (1 if args.quick else 3)
    settings = Settings(quick=args.quick, repeats=3 if args.quick else 7, clock=args.clock)
    if args.clock == "cpu" and threads != [1]:
        parser.error("--clock cpu equals elapsed time only with one thread: add --threads 1, or use --clock auto")
    extra = load_more_cases()
    if args.only and not any(args.only.lower() in name.lower() for name in CASES):
        parser.error(f"--only {args.only!r} matches no case; the cases are: {', '.join(CASES)}")

    rows = run(threads, rounds, settings, args.only)
    advice = recommendation(rows)
    missed = [f"{row['case']}: {r['label']}" for row in rows for r in row["ratios"] if r["met"] is False]
    command = " ".join(["bench/bench.py", *(argv if argv is not None else sys.argv[1:])])
    print(f"\nminidl vs torch.nn + autograd + torch.optim.SGD (momentum {MOMENTUM}); `{command}`")
    print(f"torch {torch.__version__}, {platform.machine()}, {os.cpu_count()} CPUs; {rounds} round(s) × "
          f"{settings.repeats} interleaved repeats, minimum per variant; clock: {CLOCKS[args.clock]}\n")  # fmt: skip
    print(table(rows))
    for row in rows:
        if row["note"] and row["threads"] == threads[0]:
            print(f"\n{row['case']}: {row['note']}")
    print()
    print("\n".join(advice))
    print()
    met_by_threads = {}
    for n in threads:
        checked = [(row, r) for row in rows if row["threads"] == n for r in row["ratios"] if r["met"] is not None]
        if not checked:
            continue
        miss = [f"{row['case']}: {r['label']} {r['value']:.2f}× (target {r['target']})" for row, r in checked
                if not r["met"]]  # fmt: skip
        print(f"With {n} thread(s): {len(checked) - len(miss)} of {len(checked)} targets met"
              + ("." if not miss else "; missed: " + "; ".join(miss)))  # fmt: skip
        met_by_threads[n] = not miss
    result = dict(
        command=command, torch=torch.__version__, python=platform.python_version(), cpu_count=os.cpu_count(),
        rounds=rounds, repeats=settings.repeats, clock=args.clock, extra_case_modules=extra, rows=rows,
        recommendation=advice, all_targets_met=not missed, targets_met_by_threads=met_by_threads,
    )  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"Wrote {args.out}")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
