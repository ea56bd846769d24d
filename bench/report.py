"""BENCHMARKS.md: the machine, the command, the date, and every figure with its target."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.pairs import Comparison

STREAMING = "## Streaming"
SMALL_FILES = "## Small files and maintenance"
SCALING = "## Scaling"
MACHINE = "## Machine"
HEADER = ("| # | figure | target | median ratio | spread (min–max) | baseline median | candidate median | result |\n"
          "|---|---|---|---|---|---|---|---|")


@dataclass(frozen=True)
class Reading:
    """A figure measured without a baseline: a plain value, or why it was not measured."""

    title: str
    value: str


@dataclass(frozen=True)
class BenchRun:
    """How this report came about."""

    command: str
    started: datetime
    seconds: float
    pairs: int
    data: str
    load_at_end: str

    @property
    def written(self) -> str:
        """The opening of each section's first line: which command wrote it, when, in how long."""
        return f"Written by `{self.command}` on {self.started:%Y-%m-%d %H:%M} UTC in {self.seconds / 60:.1f} minutes"


def comparison_row(number: int, figure: Comparison) -> str:
    ratios = figure.ratios
    target = "—" if figure.target is None else f"≤ {figure.target:.2f}x"
    result = {None: "—", True: "PASS", False: "MISS"}[figure.passed]
    return (f"| {number} | {figure.title} | {target} | {figure.median_ratio:.2f}x "
            f"| {min(ratios):.2f}–{max(ratios):.2f}x | {statistics.median(figure.baseline_seconds):.1f} s "
            f"| {statistics.median(figure.candidate_seconds):.1f} s | {result} |")


def comparison_notes(number: int, figure: Comparison) -> list[str]:
    pairs = ", ".join(f"{r:.2f}" for r in figure.ratios)
    lines = [f"{number}. **{figure.title}**: baseline = {figure.baseline}; candidate = {figure.candidate}. "
             f"Ratios in pair order: {pairs}."]
    return lines + [f"   {note}" for note in figure.notes]


def render(run: BenchRun, machine: list[tuple[str, str]], comparisons: list[Comparison],
           readings: list[Reading]) -> str:
    lines = ["# Benchmarks", "",
             f"{run.written}; do not edit by hand. What each figure measures and how to read it: "
             "[docs/benchmarks.md](docs/benchmarks.md).", "",
             "**How to reproduce:** `make bench` on a quiet machine (`BENCH_PAIRS=5` pairs by default; "
             "`BENCH_DEMO=1 make bench` also times the whole `make demo`, some 8 more minutes); `make bench-ratios` "
             "measures the figures of the next two sections alone and keeps the others.", "",
             "## Ratios (candidate / baseline)", "",
             f"Median and spread of the per-pair ratios over {run.pairs} interleaved pairs (ABBA, after one "
             f"uncounted warm-up pair); absolute medians in seconds. Data: {run.data}.", "", HEADER]
    lines += [comparison_row(number, figure) for number, figure in enumerate(comparisons, start=1)]
    lines += ["", "What was compared:", ""]
    for number, figure in enumerate(comparisons, start=1):
        lines += comparison_notes(number, figure)
    lines += ["", "## Other figures", "", "| figure | value |", "|---|---|"]
    lines += [f"| {reading.title} | {reading.value} |" for reading in readings]
    lines += ["", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in [*machine, ("Load average at end", run.load_at_end)]]
    return "\n".join(lines) + "\n"


def streaming_section(run: BenchRun, comparison: Comparison, readings: list[Reading]) -> str:
    """The streaming figures (8 to 10), which ``make bench-stream`` also writes alone."""
    lines = [STREAMING, "",
             f"{run.written} (load average at end {run.load_at_end}). Figure 10 is {run.pairs} interleaved pairs "
             f"as above; data: {run.data}.", "", "| figure | value |", "|---|---|"]
    lines += [f"| {reading.title} | {reading.value} |" for reading in readings]
    lines += [f"| {comparison.title} | {comparison.median_ratio:.2f}x the files' time (pairs "
              f"{min(comparison.ratios):.2f}–{max(comparison.ratios):.2f}x; files "
              f"{statistics.median(comparison.baseline_seconds):.1f} s, Kafka "
              f"{statistics.median(comparison.candidate_seconds):.1f} s): baseline = {comparison.baseline}; "
              f"candidate = {comparison.candidate} |"]
    return "\n".join(lines) + "\n"


def small_files_section(run: BenchRun, comparison: Comparison, readings: list[Reading]) -> str:
    """Figures 11 and 12 (files per micro-batch, a gold read before and after maintain); ``make bench-files``
    also writes them alone."""
    target = {True: "PASS", False: "MISS"}[bool(comparison.passed)]
    lines = [SMALL_FILES, "",
             f"{run.written} (load average at end {run.load_at_end}); figure 12 is {run.pairs} interleaved pairs "
             "as above.", "",
             "| figure | value |", "|---|---|"]
    lines += [f"| {reading.title} | {reading.value} |" for reading in readings]
    lines += [f"| {comparison.title} (target ≤ {comparison.target:.2f}x) | {comparison.median_ratio:.2f}x "
              f"({target}; pairs {min(comparison.ratios):.2f}–{max(comparison.ratios):.2f}x; as left "
              f"{statistics.median(comparison.baseline_seconds):.2f} s, maintained "
              f"{statistics.median(comparison.candidate_seconds):.2f} s). {' '.join(comparison.notes)} |"]
    return "\n".join(lines) + "\n"


def scaling_section(run: BenchRun, reading: Reading) -> str:
    """Figure 13 (the batch pipeline by size); ``make bench-scaling`` also writes it alone."""
    return "\n".join([SCALING, "",
                      f"{run.written} (load average at end {run.load_at_end}); data: {run.data}.", "",
                      "| figure | value |", "|---|---|", f"| {reading.title} | {reading.value} |"]) + "\n"


def _span(report: str, heading: str) -> tuple[int, int] | None:
    """Where the section under ``heading`` starts and ends in ``report`` (its blank line after included)."""
    start = report.find(heading + "\n")
    if start < 0:
        return None
    following = report.find("\n## ", start + len(heading))
    return start, following + 1 if following >= 0 else len(report)


def with_section(report: str, section: str) -> str:
    """``report`` with the section of ``section``'s heading replaced by it (put before the machine's, if it had
    none)."""
    span = _span(report, section.split("\n", 1)[0])
    start, end = span or (report.find(MACHINE),) * 2
    return report[:start] + section + "\n" + report[end:]


def sections(report: str, headings: tuple[str, ...] = (STREAMING, SMALL_FILES, SCALING)) -> list[str]:
    """The sections of ``report`` under ``headings`` as they are, so a run measuring other figures keeps them."""
    spans = [span for span in (_span(report, heading) for heading in headings) if span]
    return [report[start:end].rstrip("\n") + "\n" for start, end in spans]


def write(path: Path, run: BenchRun, machine: list[tuple[str, str]], comparisons: list[Comparison],
          readings: list[Reading], other_sections: list[str]) -> None:
    report = render(run, machine, comparisons, readings)
    for section in other_sections:
        report = with_section(report, section)
    path.write_text(report)
