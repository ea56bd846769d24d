"""``python -m bench``: every figure on two fixed data sets, then BENCHMARKS.md.

BENCH_PAIRS (default 5) sets the number of counted pairs; BENCH_DEMO=1 also times ``make demo``.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console

from bench import bronze_ingest, churn_training, demo_run, gold_refresh, machine, session_start, silver_rules, workspace
from bench.pairs import Comparison
from bench.report import BenchRun, Reading, write
from lakehouse.lib import session
from lakehouse.lib.config import Settings

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


def command() -> str:
    switches = [f"{name}={os.environ[name]}" for name in ("BENCH_PAIRS", "BENCH_DEMO") if name in os.environ]
    return " ".join([*switches, "make bench" if "MAKELEVEL" in os.environ else "python -m bench"])


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


def comparisons(settings: Settings, pairs: int, console: Console) -> tuple[list[Comparison], list[Reading]]:
    """The figures in pairs, then those that need this process's session stopped (a fresh ``lakehouse train``)."""
    ingest, gold, churn = (landing_zone(settings, size, console) for size in (INGEST_DATA, GOLD_DATA, CHURN_DATA))
    spark = session.start(settings)
    try:
        measured = [*bronze_ingest.measure(spark, ingest, pairs, console),
                    silver_rules.measure(spark, ingest, pairs, console),
                    silver_rules.measure_with_checks(spark, ingest, pairs, console),
                    gold_refresh.measure(spark, gold, pairs, console)]
        training, trained_lake = churn_training.measure(spark, churn, pairs, console)  # last: it loads TensorFlow
    finally:
        spark.stop()
    with console.status("running lakehouse train in a fresh process"):
        fresh = churn_training.fresh_process(trained_lake)
    console.log(f"{fresh.title}: {fresh.value}")
    return [*measured, training], [fresh]


def data_sets() -> str:
    return f"figures 1–4: `{INGEST_DATA}`; figure 5: `{GOLD_DATA}`; figure 6: `{CHURN_DATA}`"


def main() -> None:
    console = Console(width=None if sys.stdout.isatty() else 120)
    pairs, started, clock = pairs_wanted(), datetime.now(timezone.utc), time.perf_counter()
    workspace.without_path_overrides()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the read-once check runs a Python UDF
    machine_facts = machine.facts()
    settings = workspace.create()
    other = readings(workspace.BENCH_ROOT / "conf", console)
    measured, after = comparisons(settings, pairs, console)
    run = BenchRun(command(), started, time.perf_counter() - clock, pairs, data_sets(), machine.load_average())
    write(REPORT, run, machine_facts, measured, other + after)
    shutil.rmtree(workspace.BENCH_ROOT, ignore_errors=True)
    console.log(f"wrote {REPORT.name} in {run.seconds / 60:.1f} minutes")


if __name__ == "__main__":
    main()
