"""A baseline and a candidate timed in interleaved pairs, so drift on a busy machine cancels out.

Pair 1 runs baseline then candidate, pair 2 candidate then baseline, and so on (ABBA).
A warm-up pair runs first and is not counted: the first run in a JVM pays for class
loading and JIT compilation, which says nothing about either side.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable

Run = Callable[[], object]


@dataclass(frozen=True)
class Side:
    """One side of a comparison: ``setup(pair)`` prepares untimed and returns the run to time."""

    name: str
    setup: Callable[[int], Run]


@dataclass(frozen=True)
class Comparison:
    """Seconds of each counted pair, and what the figure's ratio (candidate / baseline) must stay under."""

    title: str
    baseline: str
    candidate: str
    target: float | None  # None: reported for comparison, with no target of its own
    baseline_seconds: tuple[float, ...]
    candidate_seconds: tuple[float, ...]
    notes: tuple[str, ...] = ()

    @property
    def ratios(self) -> tuple[float, ...]:
        return tuple(c / b for b, c in zip(self.baseline_seconds, self.candidate_seconds))

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.median_ratio <= self.target


def seconds(side: Side, pair: int) -> float:
    run = side.setup(pair)
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def baseline_runs_first(pair: int) -> bool:
    """The warm-up (0) and odd pairs run the baseline first, even pairs the candidate."""
    return pair == 0 or pair % 2 == 1


def pair_seconds(baseline: Side, candidate: Side, pair: int) -> tuple[float, float]:
    """(baseline, candidate) seconds of one pair, run in this pair's order."""
    if baseline_runs_first(pair):
        baseline_first = seconds(baseline, pair)
        return baseline_first, seconds(candidate, pair)
    candidate_first = seconds(candidate, pair)
    return seconds(baseline, pair), candidate_first


def timed_pairs(pairs: int, baseline: Side, candidate: Side,
                before_pair: Callable[[int], None] = lambda pair: None,
                on_pair: Callable[[int, float, float], None] = lambda pair, baseline, candidate: None,
                ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Seconds of ``pairs`` counted pairs, after one warm-up pair (number 0, run baseline first)."""
    baseline_seconds: list[float] = []
    candidate_seconds: list[float] = []
    for pair in range(pairs + 1):
        before_pair(pair)
        this_baseline, this_candidate = pair_seconds(baseline, candidate, pair)
        on_pair(pair, this_baseline, this_candidate)
        if pair:
            baseline_seconds.append(this_baseline)
            candidate_seconds.append(this_candidate)
    return tuple(baseline_seconds), tuple(candidate_seconds)
