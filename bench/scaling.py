"""Figure 13: the batch pipeline at growing sizes, seconds per million records and peak memory per size.

Each size is a landing zone of its own (``generate(customers=events / 200, events=N, days=7, seed=7)``:
the ingest data set's mix, every source scaled with the clickstream) and a fresh root, run by ``lakehouse
run all`` in a process of its own as a user runs it; that command prints its time and the peak memory of
its Python driver and JVM together (lib/footprint.py). Targets: seconds per million records at the
largest size within 1.3x of those at 1,000,000 events, and peak memory flat (at most 1.25x that at 1M):
bounded by ``spark.driver.memory``, not by the data. ``BENCH_SCALING_EVENTS`` (default
200000,1000000,5000000) chooses the sizes; the plot of time against size goes to ``SCALING_PLOT``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure
from rich.console import Console

from bench.demo_run import RUN_LINE
from bench.report import Reading
from bench.workspace import REPO, write_conf
from lakehouse.lib.generator import generate

DEFAULT_EVENTS = (200_000, 1_000_000, 5_000_000)
EVENTS_PER_CUSTOMER = 200  # the ingest data set's: 1,000,000 events of 5,000 customers
REFERENCE_EVENTS = 1_000_000
TIME_TARGET = 1.3
MEMORY_TARGET = 1.25
SCALING_PLOT = REPO / "docs" / "benchmarks" / "scaling.svg"
TITLE = "Batch pipeline (`lakehouse run all`) by size"


@dataclass(frozen=True)
class Sized:
    events: int
    records: int
    seconds: float
    peak_gb: float
    jvm_mb: float = 0.0  # the peak's two parts, as the run prints them
    python_mb: float = 0.0
    failure: str | None = None  # what stopped a run that did not finish: no time per million, no peak then

    @property
    def seconds_per_million(self) -> float:
        return self.seconds / self.records * 1_000_000

    @property
    def peak(self) -> str:
        return f"{self.peak_gb:.2f} GB (JVM {self.jvm_mb:,.0f} MB + Python {self.python_mb:,.0f} MB)"


def sizes_wanted() -> tuple[int, ...]:
    text = os.environ.get("BENCH_SCALING_EVENTS", ",".join(map(str, DEFAULT_EVENTS)))
    parts = [part.strip().replace("_", "") for part in text.split(",")]
    if not parts or not all(part.isdigit() and int(part) >= 1_000 for part in parts):
        raise SystemExit(f"BENCH_SCALING_EVENTS must be whole numbers of at least 1000, comma-separated, not {text!r}")
    return tuple(sorted(set(map(int, parts))))


def customers_for(events: int) -> int:
    return max(events // EVENTS_PER_CUSTOMER, 20)


def data_sets() -> str:
    return "; ".join(f"`generate(customers={customers_for(events):_}, events={events:_}, days=7, seed=7)`"
                     for events in sizes_wanted())


def run_at(folder: Path, events: int, console: Console) -> Sized:
    """One size: its landing zone generated (untimed), then the whole batch pipeline on a fresh root."""
    conf_file = write_conf(folder, env="scaling")
    with console.status(f"generating {events:,} clickstream events"):
        summary = generate(folder / "landing", customers=customers_for(events), events=events, days=7, seed=7,
                           progress=False)
    with console.status(f"lakehouse run all on {summary.totals.records:,} records"):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "lakehouse.lib.cli", "run", "all",
                               "--env", str(conf_file.with_suffix(""))], cwd=REPO, capture_output=True, text=True)
    found = RUN_LINE.search(done.stdout)
    if done.returncode or not found:
        sized = Sized(events, summary.totals.records, time.perf_counter() - started, 0.0, failure_of(done))
        console.log(f"{events:,} events, {sized.records:,} records: failed after {sized.seconds:.0f} s "
                    f"(exit {done.returncode}): {sized.failure}")
        return sized
    run_seconds, peak_gb, jvm_mb, python_mb = (float(group.replace(",", "")) for group in found.groups())
    sized = Sized(events, summary.totals.records, run_seconds, peak_gb, jvm_mb, python_mb)
    console.log(f"{events:,} events, {sized.records:,} records: {sized.seconds:.0f} s "
                f"({sized.seconds_per_million:.1f} s per million records), peak memory {sized.peak}")
    return sized


def failure_of(done: subprocess.CompletedProcess) -> str:
    """What stopped a run: the JVM's OutOfMemoryError when it had one, else the last line of the error output."""
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()] or ["no error output"]
    return next((line for line in lines if "OutOfMemoryError" in line), lines[-1])[:300]


def plot(sizes: list[Sized], path: Path) -> None:
    figure = Figure(figsize=(9, 3.5), layout="tight")
    seconds, per_million = figure.subplots(1, 2)
    records = [size.records / 1_000_000 for size in sizes]
    seconds.plot(records, [size.seconds for size in sizes], marker="o")
    seconds.set(xlabel="records landed (millions)", ylabel="seconds", title="lakehouse run all")
    per_million.plot(records, [size.seconds_per_million for size in sizes], marker="o")
    per_million.set(xlabel="records landed (millions)", ylabel="seconds per million records",
                    title="cost per record", ylim=(0, None))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata={"Date": None})  # no timestamp: the file changes only when the figures do


def verdicts(sizes: list[Sized]) -> str:
    """Time and memory at the largest size against 1M events, or why there is no verdict."""
    reference = next((size for size in sizes if size.events == REFERENCE_EVENTS and not size.failure), None)
    largest = sizes[-1]
    if largest.failure:
        return f"MISS: the run at {largest.events:,} events did not finish"
    if reference is None or largest.events <= REFERENCE_EVENTS:
        return f"no verdict: the targets compare a size above {REFERENCE_EVENTS:,} events with {REFERENCE_EVENTS:,}"
    time_ratio = largest.seconds_per_million / reference.seconds_per_million
    memory_ratio = largest.peak_gb / reference.peak_gb
    said = {True: "PASS", False: "MISS"}
    return (f"seconds per million at {largest.events:,} events {time_ratio:.2f}x those at {REFERENCE_EVENTS:,} "
            f"(target ≤ {TIME_TARGET}x: {said[time_ratio <= TIME_TARGET]}); peak memory {memory_ratio:.2f}x "
            f"(target ≤ {MEMORY_TARGET}x: {said[memory_ratio <= MEMORY_TARGET]})")


def measure(folder: Path, console: Console) -> Reading:
    sizes = [run_at(folder / f"events-{events}", events, console) for events in sizes_wanted()]
    plot([size for size in sizes if not size.failure], SCALING_PLOT)
    each = "; ".join(f"{size.events:,} events ({size.records:,} records): " + (
        f"failed after {size.seconds:.0f} s ({size.failure})" if size.failure else
        f"{size.seconds:.0f} s, {size.seconds_per_million:.1f} s per million, peak {size.peak}")
        for size in sizes)
    plotted = SCALING_PLOT.relative_to(REPO).as_posix()
    return Reading(TITLE, f"{each}. {verdicts(sizes)}. Plot: [{plotted}]({plotted})")
