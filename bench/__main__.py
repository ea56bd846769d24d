"""``python -m bench``: every figure on fixed data sets, then BENCHMARKS.md.

BENCH_PAIRS (default 5) sets the number of counted pairs; BENCH_DEMO=1 also times ``make demo``;
BENCH_STREAM_SECONDS (default 300) how long each streaming rate is held; BENCH_MICRO_BATCHES
(default 200) how many micro-batches the gold table takes before it is maintained;
BENCH_SCALING_EVENTS (default 200000,1000000,5000000) the sizes the batch pipeline runs at. ``python
-m bench ratios`` (``make bench-ratios``) measures figures 1 to 7 alone, keeping the report's other
sections; ``python -m bench stream`` (``make bench-stream``) the streaming figures alone, ``python -m
bench files`` (``make bench-files``) the small-files figures alone and ``python -m bench scaling``
(``make bench-scaling``) the pipeline by size alone, each rewriting only its section of BENCHMARKS.md.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from pyspark.sql import SparkSession
from rich.console import Console

from bench import (bronze_ingest, churn_training, demo_run, gold_refresh, kafka_available_now, machine,
                   scaling, session_start, silver_rules, small_files, stream_latency, workspace)
from bench.pairs import Comparison
from bench.report import (BenchRun, Reading, scaling_section, sections, small_files_section, streaming_section,
                          with_section, write)
from lakehouse.lib import session
from lakehouse.lib.config import Settings
from lakehouse.lib.sources import kafka_broker

DEFAULT_PAIRS = 5
# Large enough that the ingest figures weigh the work per row, not the fixed cost of a run.
INGEST_DATA = workspace.DataSize("ingest", customers=5_000, events=1_000_000)
# Seven days, so that a change to the latest day leaves most of gold untouched.
GOLD_DATA = workspace.DataSize("gold", customers=1_000, events=60_000)
# The demo's customers and history: what `make demo` trains on, with fewer clicks (training reads orders).
CHURN_DATA = workspace.DataSize("churn", customers=2_000, events=60_000, history_days=120)
REPORT = workspace.REPO / "BENCHMARKS.md"


def pairs_wanted() -> int:
    text = os.environ.get("BENCH_PAIRS", str(DEFAULT_PAIRS))
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"BENCH_PAIRS must be a whole number of at least 1, not {text!r}")
    return int(text)


def command(target: str = "bench") -> str:
    switches = [f"{name}={os.environ[name]}"
                for name in ("BENCH_PAIRS", "BENCH_DEMO", "BENCH_STREAM_SECONDS", "BENCH_MICRO_BATCHES",
                             "BENCH_SCALING_EVENTS")
                if name in os.environ]
    alone = {"bench-stream": " stream", "bench-files": " files", "bench-scaling": " scaling",
             "bench-ratios": " ratios"}.get(target, "")
    return " ".join([*switches, f"make {target}" if "MAKELEVEL" in os.environ else f"python -m bench{alone}"])


def readings(conf_dir: Path, console: Console) -> list[Reading]:
    """Figures from fresh processes, measured before this process starts its own session."""
    with console.status("timing SparkSession starts in fresh processes"):
        start = session_start.measure(conf_dir)
    console.log(f"{start.title}: {start.value}")
    with console.status("running make demo (BENCH_DEMO=1)"):
        demo = demo_run.measure(workspace.BENCH_ROOT / "demo")
    console.log(f"{demo.title}: {demo.value}")
    return [start, demo]


def landing_zone(settings: Settings, size: workspace.DataSize, console: Console) -> Settings:
    with console.status(f"generating the {size.name} data set: {size}"):
        moved, summary = workspace.landed(settings, size)
    console.log(f"{size.name} data set: {summary.totals.files} files, {summary.totals.records:,} records, {size}")
    return moved


Streamed = tuple[tuple[Comparison, list[Reading]], tuple[Comparison, list[Reading]]]


def comparisons(settings: Settings, pairs: int, console: Console, with_streams: bool = True
                ) -> tuple[list[Comparison], list[Reading], Streamed | None]:
    """The figures in pairs, the streaming and small-files figures (unless ``with_streams`` is false), then
    those that need this process's session stopped (a fresh ``lakehouse train``)."""
    ingest, gold, churn = (landing_zone(settings, size, console) for size in (INGEST_DATA, GOLD_DATA, CHURN_DATA))
    spark = session.start(settings)
    try:
        measured = [*bronze_ingest.measure(spark, ingest, pairs, console),
                    silver_rules.measure(spark, ingest, pairs, console),
                    silver_rules.measure_with_checks(spark, ingest, pairs, console),
                    gold_refresh.measure(spark, gold, pairs, console)]
        streamed = (streaming(spark, gold, pairs, console), files(spark, pairs, console)) if with_streams else None
        training, trained_lake = churn_training.measure(spark, churn, pairs, console)  # last: it loads TensorFlow
    finally:
        spark.stop()
    with console.status("running lakehouse train in a fresh process"):
        fresh = churn_training.fresh_process(trained_lake)
    console.log(f"{fresh.title}: {fresh.value}")
    return [*measured, training], [fresh], streamed


@contextmanager
def broker(folder: Path) -> Iterator[str]:
    """A Kafka broker of the bench's own, its address also set for this process's settings and its commands."""
    started = kafka_broker.start(folder / "kafka")
    os.environ["LAKEHOUSE_KAFKA_BOOTSTRAP"] = started.bootstrap
    try:
        yield started.bootstrap
    finally:
        kafka_broker.stop(folder / "kafka")
        del os.environ["LAKEHOUSE_KAFKA_BOOTSTRAP"]


def streaming(spark: SparkSession, gold: Settings, pairs: int, console: Console) -> tuple[Comparison, list[Reading]]:
    """Figures 8 to 10 on a Kafka broker of their own."""
    folder = workspace.BENCH_ROOT / "stream"
    with broker(folder) as bootstrap:
        available_now = kafka_available_now.measure(spark, gold, bootstrap, pairs, console)
        return available_now, stream_latency.measure(spark, folder, bootstrap, console)


def files(spark: SparkSession, pairs: int, console: Console) -> tuple[Comparison, list[Reading]]:
    """Figures 11 and 12 on a Kafka broker of their own."""
    folder = workspace.BENCH_ROOT / "files"
    with broker(folder) as bootstrap:
        return small_files.measure(spark, folder / "stream", bootstrap, pairs, console)


def small_files_alone(pairs: int, console: Console) -> None:
    """``python -m bench files``: figures 11 and 12 alone, into their section of the report."""
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    spark = session.start(workspace.create())
    try:
        read, readings = files(spark, pairs, console)
    finally:
        spark.stop()
    run = BenchRun(command("bench-files"), started, time.perf_counter() - clock, pairs, "Kafka", machine.load_average())
    REPORT.write_text(with_section(REPORT.read_text(), small_files_section(run, read, readings)))
    shutil.rmtree(workspace.BENCH_ROOT, ignore_errors=True)
    console.log(f"wrote the small-files section of {REPORT.name} in {run.seconds / 60:.1f} minutes")


def scaling_alone(console: Console) -> None:
    """``python -m bench scaling``: the batch pipeline by size, into its section of the report."""
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    workspace.create()
    reading = scaling.measure(workspace.BENCH_ROOT / "scaling", console)
    run = BenchRun(command("bench-scaling"), started, time.perf_counter() - clock, 1, scaling.data_sets(),
                   machine.load_average())
    REPORT.write_text(with_section(REPORT.read_text(), scaling_section(run, reading)))
    shutil.rmtree(workspace.BENCH_ROOT, ignore_errors=True)
    console.log(f"wrote the scaling section of {REPORT.name} in {run.seconds / 60:.1f} minutes")


def ratios_alone(pairs: int, console: Console) -> None:
    """``python -m bench ratios``: figures 1 to 7 (the pairs and the fresh processes), the report's other
    sections kept as they are."""
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    machine_facts = machine.facts()
    settings = workspace.create()
    other = readings(workspace.BENCH_ROOT / "conf", console)
    measured, after, _ = comparisons(settings, pairs, console, with_streams=False)
    run = BenchRun(command("bench-ratios"), started, time.perf_counter() - clock, pairs, data_sets(),
                   machine.load_average())
    write(REPORT, run, machine_facts, measured, other + after, sections(REPORT.read_text()))
    shutil.rmtree(workspace.BENCH_ROOT, ignore_errors=True)
    console.log(f"wrote the ratios of {REPORT.name} in {run.seconds / 60:.1f} minutes")


def streaming_alone(pairs: int, console: Console) -> None:
    """``python -m bench stream``: the streaming figures on the gold data set, into their section of the report."""
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    settings = workspace.create()
    gold = landing_zone(settings, GOLD_DATA, console)
    spark = session.start(settings)
    try:
        available_now, readings = streaming(spark, gold, pairs, console)
    finally:
        spark.stop()
    run = BenchRun(command("bench-stream"), started, time.perf_counter() - clock, pairs, f"`{GOLD_DATA}`",
                   machine.load_average())
    REPORT.write_text(with_section(REPORT.read_text(), streaming_section(run, available_now, readings)))
    shutil.rmtree(workspace.BENCH_ROOT, ignore_errors=True)
    console.log(f"wrote the streaming section of {REPORT.name} in {run.seconds / 60:.1f} minutes")


def data_sets() -> str:
    return f"figures 1–4: `{INGEST_DATA}`; figure 5: `{GOLD_DATA}`; figure 6: `{CHURN_DATA}`"


def main() -> None:
    console = Console(width=None if sys.stdout.isatty() else 120)
    pairs, started, clock = pairs_wanted(), datetime.now(timezone.utc), time.perf_counter()
    workspace.without_path_overrides()
    os.environ.pop("LAKEHOUSE_KAFKA_BOOTSTRAP", None)  # the streaming figures start a broker of their own
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the read-once check runs a Python UDF
    if sys.argv[1:] == ["stream"]:
        streaming_alone(pairs, console)
        return
    if sys.argv[1:] == ["files"]:
        small_files_alone(pairs, console)
        return
    if sys.argv[1:] == ["scaling"]:
        scaling_alone(console)
        return
    if sys.argv[1:] == ["ratios"]:
        ratios_alone(pairs, console)
        return
    machine_facts = machine.facts()
    settings = workspace.create()
    other = readings(workspace.BENCH_ROOT / "conf", console)
    measured, after, ((available_now, streamed), (read, per_batch)) = comparisons(settings, pairs, console)
    by_size = scaling.measure(workspace.BENCH_ROOT / "scaling", console)
    run = BenchRun(command(), started, time.perf_counter() - clock, pairs, data_sets(), machine.load_average())
    stream_run = BenchRun(command(), started, run.seconds, pairs, f"`{GOLD_DATA}`", run.load_at_end)
    write(REPORT, run, machine_facts, measured, other + after,
          [streaming_section(stream_run, available_now, streamed), small_files_section(stream_run, read, per_batch),
           scaling_section(BenchRun(command(), started, run.seconds, 1, scaling.data_sets(), run.load_at_end),
                           by_size)])
    shutil.rmtree(workspace.BENCH_ROOT, ignore_errors=True)
    console.log(f"wrote {REPORT.name} in {run.seconds / 60:.1f} minutes")


if __name__ == "__main__":
    main()
