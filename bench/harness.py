"""The benchmark harness: a registry of cases, an interleaved timer, and the ratios' targets.

A *case* is a function ``run(settings) -> {variant: seconds}`` registered with :func:`case`.
It times its variants in one go (use :func:`interleaved`) and returns one time per variant, e.g.
``{"minidl": 2.1e-4, "torch.nn": 6.3e-4}``. The case also declares the :class:`Ratio` s to report,
each the quotient of two of its variants' times, optionally with a target.

``bench.py`` runs every registered case once per *round* and per thread count, the thread counts
alternating within each round, and keeps each variant's minimum over the rounds. A ratio is the
quotient of those minima; the spread is the range of the per-round ratios.

To add a case (e.g. in a new file ``bench/cases_<topic>.py``, which ``bench.py`` imports by itself)::

    from harness import Ratio, case, interleaved

    @case("my case", ratios=[Ratio("minidl speed-up", "torch.nn", "minidl", at_least=1.0)])
    def my_case(settings):
        ...  # build both variants once, outside the timed steps
        return interleaved({"minidl": minidl_step, "torch.nn": torch_step}, settings)
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Ratio:
    """``times[numerator] / times[denominator]``, with an optional target (``at_least`` or ``at_most``).

    For a speed-up of A over B, put B (the slower) on top: ``Ratio("A speed-up", "B", "A", at_least=1)``.
    ``threads`` gives a target per thread count, e.g. ``threads=((1, 1.05), (2, 1.0))``, in the direction of
    ``at_least`` or ``at_most`` (whichever is set); a thread count it does not list keeps that one.
    """

    label: str
    numerator: str
    denominator: str
    at_least: float | None = None
    at_most: float | None = None
    threads: tuple[tuple[int, float], ...] = ()

    def of(self, times: dict[str, float]) -> float:
        return times[self.numerator] / times[self.denominator]

    def bound(self, threads: int | None) -> float | None:
        default = self.at_least if self.at_least is not None else self.at_most
        return dict(self.threads).get(threads, default) if default is not None else None

    def target(self, threads: int | None = None) -> str:
        bound = self.bound(threads)
        if bound is None:
            return ""
        return f"≥ {bound:g}" if self.at_least is not None else f"≤ {bound:g}"

    def met(self, value: float, threads: int | None = None) -> bool | None:
        """Whether ``value`` meets the target (at this thread count); ``None`` when there is no target."""
        bound = self.bound(threads)
        if bound is None:
            return None
        return value >= bound if self.at_least is not None else value <= bound


@dataclass
class Settings:
    """What a case may read: ``quick`` (a smoke run, few repeats), ``repeats`` (interleaved blocks per
    round), ``min_block`` (the least seconds one block of calls of a step should take) and ``clock``.

    ``clock="wall"`` times with ``time.perf_counter``. ``clock="cpu"`` times with ``time.process_time``,
    the CPU time of the whole process: it ignores the time that other programs take the core away, so
    it is steadier on a busy machine, but it equals elapsed time only with one thread (with more, it adds
    up the threads). ``clock="auto"`` is ``"cpu"`` with one thread and ``"wall"`` with more.
    """

    quick: bool = False
    repeats: int = 7
    min_block: float = 0.02
    clock: str = "wall"

    def timer(self) -> Callable[[], float]:
        clock = self.clock if self.clock != "auto" else ("cpu" if torch.get_num_threads() == 1 else "wall")
        return {"wall": time.perf_counter, "cpu": time.process_time}[clock]


@dataclass
class Case:
    name: str
    run: Callable[[Settings], dict[str, float]]
    ratios: list[Ratio]
    threads: tuple[int, ...] | None = None  # None: every thread count the bench runs
    note: str = ""


CASES: dict[str, Case] = {}


def case(
    name: str, ratios: Sequence[Ratio], threads: Sequence[int] | None = None, note: str = ""
) -> Callable[[Callable[[Settings], dict[str, float]]], Callable[[Settings], dict[str, float]]]:
    """Register ``run`` as the case ``name``; ``threads`` restricts the thread counts it runs with."""

    def register(run: Callable[[Settings], dict[str, float]]) -> Callable[[Settings], dict[str, float]]:
        if name in CASES:
            raise ValueError(f"bench: a case named {name!r} is already registered")
        CASES[name] = Case(name, run, list(ratios), tuple(threads) if threads else None, note)
        return run

    return register


class Timings(dict):
    """``{variant: seconds per call}`` on the settings' clock, and ``wall``: the same in elapsed time
    (comparing thread counts needs one clock for all of them)."""

    def __init__(self, times: dict[str, float], wall: dict[str, float]) -> None:
        super().__init__(times)
        self.wall = wall


def interleaved(steps: dict[str, Callable[[], object]], settings: Settings) -> Timings:
    """Seconds per call of each step, the minimum over ``settings.repeats`` blocks.

    Each step runs once to warm up; then every step runs a block of ``number`` calls in turn
    (the order rotating from block to block), so that a slow spell of a shared machine hits
    all of them. ``number`` is chosen so that the slowest step's block lasts ``min_block`` seconds.
    Each block begins with one untimed call: the step before it was another variant's, which can
    leave, e.g., a trimmed heap whose page faults a training loop would not see.
    """
    clock = settings.timer()
    warm = {}
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        warm[name] = time.perf_counter() - start
    number = max(1, math.ceil(settings.min_block / max(max(warm.values()), 1e-9)))
    names = list(steps)
    best, best_wall = dict.fromkeys(names, math.inf), dict.fromkeys(names, math.inf)
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for r in range(settings.repeats):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                step = steps[name]
                step()  # untimed: the block then starts in the step's steady state (e.g. its heap grown back)
                start, start_wall = clock(), time.perf_counter()
                for _ in range(number):
                    step()
                best_wall[name] = min(best_wall[name], (time.perf_counter() - start_wall) / number)
                best[name] = min(best[name], (clock() - start) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Timings(best, best_wall)
