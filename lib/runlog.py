"""The run log: ``ops.runs`` (one row per table per run), ``ops.dq_results`` (per run and rule or check) and
``ops.suite_versions`` (what each version of a suite judged by)."""
from __future__ import annotations

import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator, Mapping, NamedTuple, Sequence

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (BooleanType, DoubleType, LongType, MapType, StringType, StructField, StructType,
                               TimestampType)

from lakehouse.lib import catalog
from lakehouse.lib.config import Settings
from lakehouse.lib.quality import suite_version
from lakehouse.lib.quality.checks import Check
from lakehouse.lib.rules import Rule

RUNS = "ops.runs"
DQ_RESULTS = "ops.dq_results"
SUITE_VERSIONS = "ops.suite_versions"
# Where a table's time goes: creating or checking its tables in the catalog, reading and checking its
# input (rules and the write's outcomes counted together), building the write's plan (a rebuild's input
# versions and touched keys, an extract's query of the source database), writing both sides.
# What a run's time holds besides these is "other": starting the query, offsets, the checkpoint.
PHASES = ("catalog", "check", "plan", "write")
# The result row of each checked table's run beside its rules': rows read, and how many were quarantined.
QUARANTINE_SHARE = "quarantine_share"

RUNS_SCHEMA = StructType([
    StructField("run_id", StringType(), False),
    StructField("table", StringType(), False),
    StructField("mode", StringType(), False),
    StructField("started_at", TimestampType(), False),
    StructField("finished_at", TimestampType(), False),
    StructField("seconds", DoubleType(), False),
    StructField("batches", LongType(), False),
    StructField("rows_read", LongType(), False),
    StructField("rows_written", LongType(), False),
    StructField("rows_quarantined", LongType(), False),
    StructField("rows_duplicate", LongType(), False),
    StructField("status", StringType(), False),
    StructField("error", StringType(), True),
    StructField("phase_seconds", MapType(StringType(), DoubleType()), True),
    StructField("rows_late", LongType(), True),
    StructField("rows_suppressed", LongType(), True),  # landed records of erased customers (lib/erasure.py)
])
DQ_SCHEMA = StructType([
    StructField("run_id", StringType(), False),
    StructField("table", StringType(), False),
    StructField("rule", StringType(), False),
    StructField("action", StringType(), False),
    StructField("rows_checked", LongType(), False),
    StructField("rows_failed", LongType(), False),
    StructField("recorded_at", TimestampType(), False),
    # Added later, so NULL on older rows: the version of the suite that judged (``ops.suite_versions``), whether
    # the rule or check held, and, for a check of a whole table, what it found (``2,492 rows``, ``3.93``).
    StructField("suite_version", StringType(), True),
    StructField("passed", BooleanType(), True),
    StructField("observed", StringType(), True),
])


class DqResult(NamedTuple):
    """One row of ``ops.dq_results``, its fields in ``DQ_SCHEMA``'s order."""

    run_id: str
    table: str
    rule: str
    action: str
    rows_checked: int
    rows_failed: int
    recorded_at: datetime
    suite_version: str | None
    passed: bool | None
    observed: str | None


# (suite, version) pairs this process has seen in each ``ops.suite_versions``, by its path.
_recorded: dict[str, set[tuple[str, str]]] = {}
SUITE_VERSIONS_SCHEMA = StructType([
    StructField("suite", StringType(), False),
    StructField("version", StringType(), False),
    StructField("rule", StringType(), False),
    StructField("action", StringType(), False),
    StructField("declaration", StringType(), False),  # a rule's SQL condition, a check as declared
    StructField("recorded_at", TimestampType(), False),
])


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class TableRun:
    """What one table's run read, wrote, quarantined and skipped, summed over its micro-batches."""

    run_id: str
    table: str
    mode: str
    rules: tuple[Rule, ...] = ()
    started_at: datetime = field(default_factory=now)
    batches: int = 0
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_late: int = 0  # events before their table's watermark, written or quarantined (lib/watermarks.py)
    rows_suppressed: int = 0  # records of erased customers, read and not written (lib/erasure.py)
    failures: Counter = field(default_factory=Counter)
    error: str | None = None
    failure: Exception | None = None  # what stopped a micro-batch, as raised inside it
    finished_at: datetime | None = None
    phase_seconds: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)  # said to the user; ``ops.dq_results`` has the figures
    checks_held: int = 0  # the table's checks validated after a batch run, and how many of them held
    checks_validated: int = 0
    _adding: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the time the block takes to ``phase`` (one of ``PHASES``)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phase_seconds[phase] += time.perf_counter() - started

    @property
    def rules_version(self) -> str | None:
        return suite_version(self.rules) if self.rules else None

    @property
    def seconds(self) -> float:
        return ((self.finished_at or now()) - self.started_at).total_seconds()

    @property
    def other_seconds(self) -> float:
        """The run's time outside its phases: starting the query, offsets, the checkpoint."""
        return max(0.0, self.seconds - sum(self.phase_seconds.values()))

    def add(self, read: int, written: int, quarantined: int, duplicate: int, failures: Mapping[str, int],
            late: int = 0, suppressed: int = 0) -> None:
        with self._adding:  # a source's files and topic feed one run from two queries
            self.batches += 1
            self.rows_read += read
            self.rows_written += written
            self.rows_quarantined += quarantined
            self.rows_duplicate += duplicate
            self.rows_late += late
            self.rows_suppressed += suppressed
            self.failures.update(failures)

    def absorb(self, other: TableRun) -> None:
        """Add another run's figures: a stream's micro-batch or a gold refresh to the command's totals."""
        self.add(other.rows_read, other.rows_written, other.rows_quarantined, other.rows_duplicate, other.failures,
                 other.rows_late, other.rows_suppressed)

    def finish(self) -> None:
        self.finished_at = now()


class Unlogged:
    """A stream's micro-batch runs waiting to be logged: ``record``-ed together every few seconds rather than in
    commits of their own (two per checked micro-batch, into tables every query shares). A process killed
    in between loses those log rows; the tables' rows are committed before their batch counts here."""

    def __init__(self) -> None:
        self._runs: list[TableRun] = []
        self._taking = threading.Lock()

    def add(self, run: TableRun) -> None:
        with self._taking:
            self._runs.append(run)

    def record(self, spark: SparkSession, settings: Settings) -> None:
        with self._taking:
            runs, self._runs = self._runs, []
        if runs:
            record(spark, settings, runs)


def record(spark: SparkSession, settings: Settings, runs: Sequence[TableRun]) -> None:
    """Append one row per table run and one per rule (zero failures included, so trends have no gaps)."""
    rows = [(run.run_id, run.table, run.mode, run.started_at, run.finished_at or now(), run.seconds,
             run.batches, run.rows_read, run.rows_written, run.rows_quarantined, run.rows_duplicate,
             "failed" if run.error else "succeeded", run.error,
             {**run.phase_seconds, "other": run.other_seconds}, run.rows_late, run.rows_suppressed)
            for run in runs]
    runs_path = catalog.ensure(spark, settings, RUNS, RUNS_SCHEMA)
    spark.createDataFrame(rows, RUNS_SCHEMA).write.format("delta").mode("append").save(runs_path)
    results = [DqResult(run.run_id, run.table, rule.name, rule.action, run.rows_read,
                        run.failures.get(rule.name, 0), run.finished_at or now(), run.rules_version,
                        run.failures.get(rule.name, 0) == 0, None)
               for run in runs for rule in run.rules]
    results += [DqResult(run.run_id, run.table, QUARANTINE_SHARE, settings.quality.on_quarantine_ratio,
                         run.rows_read, run.rows_quarantined, run.finished_at or now(), None,
                         run.rows_quarantined <= settings.quality.max_quarantine_share(run.table) * run.rows_read,
                         None)
                for run in runs if run.rules]
    record_results(spark, settings, results)
    record_suites(spark, settings, {run.table: (run.rules_version, run.rules) for run in runs if run.rules})


def record_results(spark: SparkSession, settings: Settings, results: Sequence[DqResult]) -> None:
    if results:
        dq_path = catalog.ensure(spark, settings, DQ_RESULTS, DQ_SCHEMA)
        spark.createDataFrame(results, DQ_SCHEMA).write.format("delta").mode("append").save(dq_path)


def record_suites(spark: SparkSession, settings: Settings,
                  suites: Mapping[str, tuple[str, Sequence[Rule | Check]]]) -> None:
    """Suite -> (version, what it judges by): the versions ``ops.suite_versions`` has not seen yet, a row per rule
    or check, so that a version on a quarantined row or a result can be read back as the rules it stood for."""
    path = settings.table_path(SUITE_VERSIONS)
    wanted = {(suite, version) for suite, (version, _) in suites.items()} - _recorded.get(path, set())
    if not wanted:  # a stream records every micro-batch: after its first, nothing to read
        return
    catalog.ensure(spark, settings, SUITE_VERSIONS, SUITE_VERSIONS_SCHEMA)
    known = {(row.suite, row.version) for row in spark.read.format("delta").load(path)
             .where(F.col("suite").isin([suite for suite, _ in wanted])).select("suite", "version").distinct()
             .collect()}
    rows = [(suite, version, declared.name, declared.action,
             declared.holds if isinstance(declared, Rule) else repr(declared), now())
            for suite, (version, declarations) in suites.items() if (suite, version) in wanted - known
            for declared in declarations]
    if rows:
        spark.createDataFrame(rows, SUITE_VERSIONS_SCHEMA).write.format("delta").mode("append").save(path)
    _recorded.setdefault(path, set()).update(wanted)
