"""Turn any table declaration into a running Structured Streaming query.

Batch and stream are the same query: ``availableNow`` processes what has landed
and stops, ``processingTime`` keeps going. Each micro-batch is transformed,
checked in one projection and planned by its write into one cached copy, which is
accounted for (every row read is applied, quarantined or unchanged, each counted
on its own) and only then split and written, idempotently; the run log records
what happened.
"""
from __future__ import annotations

import functools
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from pyspark.sql import DataFrame, Observation, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery
from pyspark.sql.types import StructType

from lakehouse.lib import catalog, erasure, incremental, runlog
from lakehouse.lib.config import ConfigError, Mode, Settings, seconds
from lakehouse.lib.encryption import encrypt
from lakehouse.lib.fields import LINEAGE
from lakehouse.lib.pseudonyms import pseudonymise
from lakehouse.lib.quality.checks import Fresh
from lakehouse.lib.quality.validator import Validated, Validator
from lakehouse.lib.registry import Landing, Table, checked_tables, get, select, validated_tables
from lakehouse.lib.rules import FAILED_RULES, WARNED_RULES, Rule, RuleViolation, is_quarantined, with_results
from lakehouse.lib.sources import kafka_reader, landing
from lakehouse.lib.watermarks import Watermarks, is_late, late_rule
from lakehouse.lib.writes import APPLIED, EXCLUDED, OUTCOME, UNCHANGED, Target, append, table_version

QUARANTINE_COLUMNS = ("_raw", "_rescued", "_parse_error", "_origin", "_ingested_at")
# NULL on every quarantined row until a replay claims (``replay_id``) and promotes it (lib/quality/quarantine.py).
REPLAY_COLUMNS = {"replay_id": "bigint", "replayed_at": "timestamp", "replayed_by": "string"}
# The text each row arrived with: quarantine keeps it, a checked table does not.
ARRIVED_TEXT = ("_raw", "_text")
# Checked tables keep drifted fields, the warnings a row drew and where it came from; the rest stays behind.
NOT_STORED = (*ARRIVED_TEXT, "_parse_error", FAILED_RULES)
# How often a stream logs its micro-batches in ops.runs: `lakehouse status` reads rows in the last minute there.
RUN_LOG_SECONDS = 10


class Pipeline:
    """The tables of one command, sharing a session, settings and run id."""

    def __init__(self, spark: SparkSession, settings: Settings, run_id: str, full_refresh: bool = False) -> None:
        self.spark = spark
        self.settings = settings
        self.run_id = run_id
        self.full_refresh = full_refresh
        self._key: bytes | None = None
        self._schemas: dict[str, StructType] = {}
        self._checked_empty: dict[str, DataFrame] = {}
        self._carries_customers: dict[str, bool] = {}
        self._suppressed: tuple[int, list[str]] = (-1, [])  # ops.erasures' version and its customers' pseudonyms
        self._reading_erasures = threading.Lock()
        self.validator = Validator(spark, settings, run_id)
        self.watermarks = Watermarks(spark)
        self.stopping = threading.Event()  # set by SIGTERM or Ctrl-C in stream mode: stop after the batch in flight
        self.unlogged = runlog.Unlogged()  # a stream's micro-batches, logged every ``RUN_LOG_SECONDS``
        self.observers: list[Callable[[runlog.TableRun], None]] = []  # told of each run as it is logged (metrics)
        checked = {table.name for table in checked_tables()}
        unknown = sorted(set(settings.quality.max_quarantine_ratio_by_table) - checked)
        if unknown:
            raise ConfigError(f"quality.max_quarantine_ratio_by_table names {', '.join(unknown)}, "
                              f"not a silver table with rules: {', '.join(sorted(checked))}")
        fresh = {table.name for table in validated_tables() if any(isinstance(c, Fresh) for c in table.checks)}
        unknown = sorted(set(settings.quality.max_age_hours_by_table) - fresh)
        if unknown:
            raise ConfigError(f"quality.max_age_hours_by_table names {', '.join(unknown)}, "
                              f"not a table with a Fresh check: {', '.join(sorted(fresh))}")

    # --- shapes, derived from the declarations without reading data -----------------------------

    def input_schemas(self, table: Table) -> list[StructType]:
        if isinstance(table.source, Landing):
            return [landing.LINE_SCHEMA]
        return [self.stored_schema(get(name)) for name in table.inputs]

    def output(self, table: Table, *inputs: DataFrame) -> DataFrame:
        """What the transformation gives, before checks."""
        return table.transform(*inputs)

    def valid_rows(self, table: Table, checked: DataFrame) -> DataFrame:
        """Rows as stored: lineage and rule results dropped, personal data pseudonymised or encrypted."""
        return self.protected(table, checked.drop(*NOT_STORED) if table.rules else checked)

    def protected(self, table: Table, rows: DataFrame) -> DataFrame:
        """``rows`` with the table's personal data pseudonymised or encrypted, the other columns as they are."""
        hashed = pseudonymise(rows, table.pseudonyms, self.pseudonym_key(table))
        return encrypt(hashed, table.encrypted, self.pii_key) if table.encrypted else hashed

    def quarantine_rows(self, table: Table, checked: DataFrame) -> DataFrame:
        """Failed rows with the text they arrived with, every failed rule, the version of the rules that judged
        them, the run and the time."""
        text = [F.col(f"_text.`{name}`").alias(name) for name in checked.schema["_text"].dataType.names]
        return checked.where(is_quarantined()).select(
            *text, *QUARANTINE_COLUMNS,
            F.col(FAILED_RULES).alias("failed_rules"),
            F.lit(table.rules_version).alias("rules_version"),
            F.lit(self.run_id).alias("run_id"),
            F.current_timestamp().alias("quarantined_at"),
            *[F.lit(None).cast(kind).alias(name) for name, kind in REPLAY_COLUMNS.items()],
        )

    def empty(self, table: Table) -> list[DataFrame]:
        return [self.spark.createDataFrame([], schema) for schema in self.input_schemas(table)]

    def checked_empty(self, table: Table) -> DataFrame:
        """The transformation's output on empty inputs, with rule results when the table has rules; made once
        per pipeline, as the table's stored schema and its quarantine's both come from it."""
        if table.name not in self._checked_empty:
            out = self.output(table, *self.empty(table))
            self._checked_empty[table.name] = with_results(out, table.rules) if table.rules else out
        return self._checked_empty[table.name]

    def stored_schema(self, table: Table) -> StructType:
        """Derived once per pipeline: a gold table's derivation walks every table upstream of it."""
        if table.name not in self._schemas:
            self._schemas[table.name] = table.write.schema(self.valid_rows(table, self.checked_empty(table)).schema)
        return self._schemas[table.name]

    def pseudonym_key(self, table: Table) -> bytes:
        if not table.pseudonyms:
            return b""
        if self._key is None:
            self._key = self.settings.pseudonym_key()
        return self._key

    @functools.cached_property
    def pii_key(self) -> bytes:
        """The personal data key, read (and with KMS, unwrapped) once per pipeline, not on every micro-batch."""
        return self.settings.pii_key()

    def carries_customers(self, table: Table) -> bool:
        """A landing source whose records name customers: a table reading it has a ``customer_id``. Derived once
        per pipeline from the declarations, as each micro-batch asks."""
        if table.name not in self._carries_customers:
            self._carries_customers[table.name] = isinstance(table.source, Landing) and any(
                "customer_id" in self.stored_schema(reader).fieldNames()
                for reader in select("all") if table.name in reader.inputs)
        return self._carries_customers[table.name]

    def suppressed_keys(self) -> list[str]:
        """The pseudonyms of the customers erased so far (lib/erasure.py), read again whenever ops.erasures
        has a new version, so a running stream suppresses a customer erased after it started."""
        path = self.settings.table_path(erasure.ERASURES)
        with self._reading_erasures:
            version = table_version(self.spark, path)
            if version != self._suppressed[0]:
                self._suppressed = (version, erasure.suppressed_keys(self.spark, self.settings))
            return self._suppressed[1]

    def prepare(self, table: Table) -> None:
        """Create the table, its quarantine and companions, so reads and merges always find them."""
        schema = self.stored_schema(table)
        catalog.ensure(self.spark, self.settings, table.name, schema, catalog.LAYER_PROPERTIES.get(table.layer),
                       personal=tuple(table.pseudonyms), cluster_by=table.cluster_by)
        for name, companion in table.write.companions(table.name, table.key, schema).items():
            catalog.ensure(self.spark, self.settings, name, companion)
        if table.rules:
            checked = self.checked_empty(table)
            missing = [c for c in LINEAGE if c not in checked.columns]
            if missing:
                raise ValueError(f"{table.name}: a checked table must carry {', '.join(missing)}")
            catalog.ensure(self.spark, self.settings, f"quarantine.{table.short_name}",
                           self.quarantine_rows(table, checked).schema, catalog.QUARANTINE_PROPERTIES)

    # --- running -----------------------------------------------------------------------------------

    def observe(self, run: runlog.TableRun) -> None:
        for observer in self.observers:
            observer(run)

    def ways_in(self, table: Table) -> dict[str, DataFrame]:
        """Each stream a table's rows arrive by, under the name of the query that reads it.

        A source arrives from its landing folder (the table's name) and, when Kafka is
        configured and the source has a topic, from the topic too (``<table>@kafka``): one
        table, two queries, each with its checkpoint. Any other table reads the one it is
        built from.
        """
        if isinstance(table.source, Landing):
            source = table.source.folder
            own = self.settings.stream.of(source)
            ways = {table.name: landing.read_lines(self.spark, self.settings.landing_path(source),
                                                   own.max_files_per_trigger)}
            kafka = self.settings.kafka
            if kafka.bootstrap_servers and source in kafka.topics:
                ways[f"{table.name}@kafka"] = kafka_reader.read_messages(self.spark, kafka, source,
                                                                         own.max_offsets_per_trigger)
            return ways
        path = self.settings.table_path(table.source)
        catalog.require_built(self.spark, table.name, table.source, path,
                              f"run `lakehouse run {table.source}` first, or add --upstream")
        own = self.settings.stream.of(source_of(table))
        return {table.name: (self.spark.readStream.format("delta")
                             .option("maxFilesPerTrigger", own.max_files_per_trigger)
                             .option("skipChangeCommits", "true")
                             .load(path))}

    def rebuild(self, table: Table, run: runlog.TableRun) -> None:
        """A table of several inputs, from their current contents, in one commit.

        Inputs unchanged since the last rebuild: nothing to do. With ``refresh``, only the rows
        the upstream changes touch are recomputed and replaced; otherwise (or with
        ``full_refresh``) the whole table is.
        """
        with run.timed("catalog"):
            self.prepare(table)
        path = self.settings.table_path(table.name)
        paths = {name: self.settings.table_path(name) for name in table.inputs}
        with run.timed("plan"):
            inputs = {name: self.spark.read.format("delta").load(input_path) for name, input_path in paths.items()}
            now = incremental.input_versions(self.spark, paths)
            seen = None if self.full_refresh else incremental.versions_seen(self.spark, path)
            if seen == now:
                run.add(0, 0, 0, 0, {})
                return
            replace_where = None
            if table.refresh and seen is not None and set(seen) == set(now):
                changed = {name: incremental.changes_since(self.spark, paths[name], seen[name], now[name])
                           for name in paths}
                touched = table.refresh.touched(incremental.Changes(changed, inputs))
                column_type = self.stored_schema(table)[table.refresh.column].dataType
                replace_where = incremental.touched_predicate(touched, table.refresh.column, column_type)
        target = Target(path, table.key, table.name, 0, replace_where, incremental.metadata(now))
        self._plain_batch(table, list(inputs.values()), target, run, where=replace_where)

    def start(self, table: Table, mode: Mode, run: runlog.TableRun) -> list[StreamingQuery]:
        """One query per way in; each micro-batch goes through ``batch_processor``."""
        with run.timed("catalog"):
            self.prepare(table)
        interval = self.settings.stream.of(source_of(table)).trigger_interval
        queries = []
        for name, rows in self.ways_in(table).items():
            writer = (rows.writeStream
                      .queryName(name)
                      .option("checkpointLocation", self.settings.checkpoint_path(name))
                      .foreachBatch(self.batch_processor(table, name, run)))
            if mode == "batch":
                writer = writer.trigger(availableNow=True)
            else:
                writer = writer.trigger(processingTime=interval)
            queries.append(writer.start())
        return queries

    def batch_processor(self, table: Table, query: str, run: runlog.TableRun) -> Callable[[DataFrame, int], None]:
        """Each micro-batch of one query, written once per (query, batch id); a stream logs each as a run."""
        def process(batch: DataFrame, batch_id: int) -> None:
            target = Target(self.settings.table_path(table.name), table.key, query, batch_id,
                            optimize_write=run.mode == "stream")
            counted = run if run.mode == "batch" else runlog.TableRun(run.run_id, table.name, run.mode, table.rules)
            try:
                self.validator.raise_if_failed(table)
                if table.rules:
                    self._checked_batch(table, batch, target, counted)
                else:
                    self._plain_batch(table, [batch], target, counted)
            except Exception as error:  # Spark wraps it in STREAM_FAILED; the run keeps the cause
                run.failure = error
                raise
            if run.mode == "stream":
                counted.finish()
                self.unlogged.add(counted)
                self.observe(counted)
                run.absorb(counted)  # the stream's totals since it started, for the command to print
                self.validator.every(table, batch_id)
            if self.stopping.is_set():  # stopped from another thread: stop() waits for this one to return
                threading.Thread(target=_stop_query, args=(self.spark, query)).start()  # not the batch's clone

        return process

    def _plain_batch(self, table: Table, inputs: list[DataFrame], target: Target, run: runlog.TableRun,
                     where: str | None = None) -> None:
        out = self.valid_rows(table, self.output(table, *inputs))
        if where:
            out = out.where(where)
        keys = self.suppressed_keys() if self.carries_customers(table) else []
        if keys:
            self._suppressing_batch(table, out, keys, target, run)
            return
        with run.timed("write"):
            written = table.write.commit(table.write.plan(out, target), target)
        run.add(written, written, 0, 0, {})

    def _suppressing_batch(self, table: Table, records: DataFrame, keys: list[str], target: Target,
                           run: runlog.TableRun) -> None:
        """Landed records less those naming an erased customer, which are counted as suppressed."""
        marked = erasure.mark_suppressed(records, keys, self.settings.pseudonym_key()).persist()
        try:
            with run.timed("check"):
                suppressed = marked.where(F.col(erasure.SUPPRESSED)).count()
            kept = marked.where(~F.col(erasure.SUPPRESSED)).drop(erasure.SUPPRESSED)  # never NULL: mark_suppressed
            with run.timed("write"):
                written = table.write.commit(table.write.plan(kept, target), target)
            run.add(written + suppressed, written, 0, 0, {}, suppressed=suppressed)
        finally:
            marked.unpersist()

    def _rules_now(self, table: Table) -> tuple[tuple[Rule, ...], str | None]:
        """The table's rules for this batch, and SQL for a late event (None without a watermark): with
        ``stream.late_events: quarantine``, ``late_beyond_watermark`` joins the declared rules."""
        delay = self.settings.stream.of(source_of(table)).watermark if table.event_time else None
        if delay is None:
            return table.rules, None
        cutoff = self.watermarks.cutoff(table, self.settings.table_path(table.name), seconds(delay))
        if cutoff is None:
            return table.rules, None
        if self.settings.stream.late_events == "quarantine":
            return (*table.rules, late_rule(table.event_time, cutoff)), is_late(table.event_time, cutoff)
        return table.rules, is_late(table.event_time, cutoff)

    def _check_share(self, table: Table, account: Account, run: runlog.TableRun) -> None:
        """Above the table's quarantine share the batch stops unwritten (``fail``) or the run warns (``warn``)."""
        quality = self.settings.quality
        limit = quality.max_quarantine_share(table.name)
        if not account.read or account.quarantined <= limit * account.read:
            return
        message = (f"{table.name}: {account.quarantined:,} of {account.read:,} rows quarantined "
                   f"({account.quarantined / account.read:.1%}), above quality.max_quarantine_ratio {limit:.1%}")
        if quality.on_quarantine_ratio == "fail":
            raise QuarantineShareExceeded(f"{message}; nothing written")
        run.warnings.append(message)

    def _checked_batch(self, table: Table, batch: DataFrame, target: Target, run: runlog.TableRun) -> None:
        """Check, plan and account for every row before anything is written; then write both sides.

        The rules' results and the write's plan are computed in one pass into one cached
        frame: the quarantined rows ride through the plan marked ``EXCLUDED``, with no
        outcome. Each figure is counted where it arises: rows read on the input,
        quarantined rows by the rules, applied and unchanged rows by the plan. If they do
        not add up, a row would have been lost (or made up) on the way, and the batch
        stops unwritten.
        """
        rules, late = self._rules_now(table)
        read = Observation(f"{table.name}:{target.batch_id}:read")
        observed = batch.observe(read, F.count(F.lit(1)).alias("rows"))
        checked = arrived_text_if_quarantined(with_results(self.output(table, observed), rules))
        marked = self.protected(table, checked.withColumn(EXCLUDED, is_quarantined()))
        with run.timed("plan"):
            planned = table.write.plan(marked, target).persist()
        try:
            with run.timed("check"):
                counts, newest = _batch_counts(planned, rules, late, table.event_time)
            broken = [rule.name for rule in rules if rule.action == "fail" and counts[rule.name]]
            if broken:
                raise RuleViolation(f"{table.name}: rule {', '.join(broken)} failed; nothing written")
            account = Account(read.get["rows"], counts["_quarantined"], counts["_applied"], counts["_unchanged"])
            account.check(table.name)
            self._check_share(table, account, run)
            with run.timed("write"):
                if account.quarantined:
                    append(self.quarantine_rows(table, planned),
                           self.settings.table_path(f"quarantine.{table.short_name}"),
                           f"{table.name}:quarantine", target.batch_id)
                table.write.commit(planned.drop(*NOT_STORED, EXCLUDED), target)
            failures = {rule.name: counts[rule.name] for rule in rules}
            run.add(account.read, account.applied, account.quarantined, account.unchanged, failures, counts["_late"])
            self.watermarks.advance(table, newest)
        finally:
            planned.unpersist()


def source_of(table: Table) -> str | None:
    """The landing folder a table's rows come from, through the tables it is built from; None for several."""
    if isinstance(table.source, Landing):
        return table.source.folder
    return source_of(get(table.source)) if isinstance(table.source, str) else None


class QuarantineShareExceeded(RuleViolation):
    """More of a batch was quarantined than ``quality`` allows, with ``on_quarantine_ratio: fail``."""


class AccountingError(Exception):
    """Rows read and rows accounted for differ: the batch is not written."""


@dataclass(frozen=True)
class Account:
    """Where the rows of one checked batch go, each figure counted on its own."""

    read: int
    quarantined: int
    applied: int
    unchanged: int

    def check(self, table: str) -> None:
        accounted = self.quarantined + self.applied + self.unchanged
        if accounted != self.read:
            raise AccountingError(
                f"{table}: read {self.read:,} rows but accounted for {accounted:,} "
                f"({self.applied:,} valid, {self.quarantined:,} quarantined, {self.unchanged:,} duplicate "
                f"or unchanged); nothing written")


def arrived_text_if_quarantined(checked: DataFrame) -> DataFrame:
    """The checked batch as it is cached: the text a row arrived with (``_raw``, ``_text``) kept on the rows
    quarantine stores it for, NULL on the rest, which the table stores without it. The rules have judged the
    text already; a valid row's copy of it would only fill the cache."""
    kept = {name: F.when(is_quarantined(), F.col(name)) for name in ARRIVED_TEXT}
    return checked.withColumns(kept)


def _batch_counts(planned: DataFrame, rules: Sequence[Rule], late: str | None,
                  event_time: str | None) -> tuple[dict[str, int], Any]:
    """Quarantined rows, failures per rule, late events, applied and unchanged rows (a row with neither outcome
    counts in neither), and the newest event time kept, in one aggregation over the cached batch."""
    failed = F.array_union(F.col(FAILED_RULES), F.col(WARNED_RULES))
    aggregates = [
        F.count_if(is_quarantined()).alias("_quarantined"),
        F.count_if(F.expr(late) if late else F.lit(False)).alias("_late"),
        F.count_if(F.col(OUTCOME) == APPLIED).alias("_applied"),
        F.count_if(F.col(OUTCOME) == UNCHANGED).alias("_unchanged"),
        *[F.count_if(F.array_contains(failed, rule.name)).alias(rule.name) for rule in rules],
        F.max(F.when(~is_quarantined(), F.col(event_time)) if event_time else F.lit(None)).alias("_newest"),
    ]
    row = planned.agg(*aggregates).first().asDict()
    newest = row.pop("_newest")
    return {k: int(v or 0) for k, v in row.items()}, newest


def run_tables(pipeline: Pipeline, tables: list[Table], mode: Mode,
               on_done: Callable[[runlog.TableRun], None] = lambda run: None) -> list[runlog.TableRun]:
    """Batch: each table once the tables it reads have caught up, several at once. Stream: the tables of one
    input as queries, the others (gold) refreshed on their own trigger beside them, until stopped."""
    runs = [runlog.TableRun(pipeline.run_id, table.name, mode, table.rules) for table in tables]
    if mode == "stream":
        queries = [query for table, run in zip(tables, runs) if table.is_stream
                   for query in pipeline.start(table, mode, run)]
        rebuilt = [(table, run) for table, run in zip(tables, runs) if not table.is_stream]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gold") as refresher:
            refreshing = refresher.submit(_refresh_while_streaming, pipeline, rebuilt) if rebuilt else None
            _await_streams(pipeline, queries, refreshing)
        return runs
    _run_batch(pipeline, list(zip(tables, runs)), on_done)
    return runs


def _refresh_while_streaming(pipeline: Pipeline, rebuilt: list[tuple[Table, runlog.TableRun]]) -> None:
    """Every ``stream.gold_trigger_interval`` until stopped, each table rebuilt from what its inputs hold then
    (only what their changes touch, for a table with ``refresh``), inputs first, each cycle logged as runs; the
    checks validated every ``quality.check_every_batches``-th cycle. The totals add up on ``rebuilt``'s runs."""
    interval = seconds(pipeline.settings.stream.gold_trigger_interval)
    cycle = 0
    while not pipeline.stopping.is_set():
        cycle += 1
        runs = [(table, runlog.TableRun(pipeline.run_id, table.name, "stream", table.rules)) for table, _ in rebuilt]
        _run_batch(pipeline, list(runs), lambda run: None,
                   validate=cycle % pipeline.settings.quality.check_every_batches == 0)
        for (_, total), (_, done) in zip(rebuilt, runs):
            total.absorb(done)
        pipeline.stopping.wait(interval)


def _run_batch(pipeline: Pipeline, pending: list[tuple[Table, runlog.TableRun]],
               on_done: Callable[[runlog.TableRun], None], validate: bool = True) -> None:
    """Start each table once every chosen table it reads is done, ``batch.parallel_tables`` at a time.

    Each finished table's checks are validated in the background while the others run, once
    the chosen tables they read (a reference check's) are done too; the tables reading one
    with a ``fail`` check wait for its validation, and do not start if a ``fail`` check broke.
    After a failure no further table starts; the running ones finish, every started run is
    logged, the validations end, and the first failure is raised. Broken ``warn`` checks are
    said after their tables.
    """
    chosen = {table.name for table, _ in pending}
    finished: set[str] = set()
    started: list[runlog.TableRun] = []
    failure: BaseException | None = None
    limit = pipeline.settings.batch.parallel_tables
    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="table") as pool:
        running: dict[Future, tuple[Table, runlog.TableRun]] = {}
        gates: dict[Future, Table] = {}  # validations of tables with a ``fail`` check: their readers wait for them
        unvalidated: list[Table] = []  # run, their checks waiting for the tables the checks read

        def has_fail_check(table: Table) -> bool:
            return any(check.action == "fail" for check in table.table_checks)

        def done(names: Sequence[str]) -> bool:
            return all(name in finished or name not in chosen for name in names)

        def validate_after_run(table: Table) -> None:
            validation = pipeline.validator.submit(table) if validate else None
            if validation is not None and has_fail_check(table):
                gates[validation] = table
            else:
                finished.add(table.name)

        try:
            while pending or running or gates or unvalidated:
                for table in [t for t in unvalidated if done(t.checks_read)]:
                    unvalidated.remove(table)
                    validate_after_run(table)
                ready = [(t, r) for t, r in pending if done(t.inputs)]
                for table, run in ready[:limit - len(running)] if failure is None else []:
                    pending.remove((table, run))
                    started.append(run)
                    running[pool.submit(_run_table, pipeline, table, run)] = (table, run)
                if not running and not gates:
                    if not unvalidated:
                        break
                    for table in unvalidated:  # what their checks read cannot be done (it failed, or reads them)
                        validate_after_run(table)
                    unvalidated.clear()
                    continue
                completed, _ = wait([*running, *gates], return_when=FIRST_COMPLETED)
                for future in completed:
                    if future in gates:
                        table = gates.pop(future)
                        broken = future.exception() or Validated(future.result()).failed()
                        if broken is None:
                            finished.add(table.name)
                        elif failure is None:
                            failure = broken
                        continue
                    table, run = running.pop(future)
                    if future.exception() is None:
                        if not has_fail_check(table):
                            finished.add(table.name)  # its readers need not wait for its validation
                        unvalidated.append(table)
                        on_done(run)
                    elif failure is None:
                        failure = future.exception()
        finally:
            runlog.record(pipeline.spark, pipeline.settings, started)
            for run in started:
                pipeline.observe(run)
            validated = pipeline.validator.finish()
    if failure is not None:
        raise failure
    for run in started:
        run.checks_held, run.checks_validated = validated.of(run.table)
        run.warnings += [str(broken) for broken in validated.broken if broken.table == run.table]
    failed = validated.failed()
    if failed is not None:
        raise failed


def _await_streams(pipeline: Pipeline, queries: list[StreamingQuery], refreshing: Future | None) -> None:
    """Wait while the queries and the gold refresh run; the first that fails stops the rest and raises its error.

    SIGTERM or Ctrl-C stops each query after its batch in flight (an idle query at once, a
    busy one as its batch ends, ``batch_processor``) and the gold refresh after its cycle. A
    batch cut short all the same (one that started as the signal came) is redone on
    restart, and its writes are idempotent.
    """
    signals = (signal.SIGTERM, signal.SIGINT) if threading.current_thread() is threading.main_thread() else ()
    previous = {number: signal.signal(number, lambda *_: pipeline.stopping.set()) for number in signals}
    logged = time.monotonic()
    try:
        while any(query.isActive for query in queries) or (refreshing is not None and not refreshing.done()):
            if time.monotonic() - logged >= RUN_LOG_SECONDS:
                pipeline.unlogged.record(pipeline.spark, pipeline.settings)
                logged = time.monotonic()
            failed = next((query.exception() for query in queries if query.exception() is not None), None)
            if failed is None and refreshing is not None and refreshing.done():
                failed = refreshing.exception()
            if failed is not None:
                pipeline.stopping.set()
                for query in queries:
                    query.stop()
                raise failed
            if pipeline.stopping.is_set():
                for query in queries:
                    if query.isActive and not query.status["isTriggerActive"]:
                        query.stop()
                time.sleep(0.5)
            else:
                pipeline.stopping.wait(1)
        if refreshing is not None and refreshing.exception() is not None:
            raise refreshing.exception()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        pipeline.unlogged.record(pipeline.spark, pipeline.settings)


def _stop_query(spark: SparkSession, name: str) -> None:
    for query in spark.streams.active:
        if query.name == name:
            query.stop()


def _run_table(pipeline: Pipeline, table: Table, run: runlog.TableRun) -> None:
    """One table in batch mode until it has caught up, in a scheduler pool of its own."""
    pipeline.spark.sparkContext.setLocalProperty("spark.scheduler.pool", table.name)
    run.started_at = runlog.now()
    try:
        if table.is_stream:
            for query in pipeline.start(table, "batch", run):
                query.awaitTermination()
        else:
            pipeline.rebuild(table, run)
    except Exception as error:  # recorded on the run, then re-raised for the command line to report
        cause = run.failure or error
        run.error = (str(cause).splitlines() or [type(cause).__name__])[0][:1000]
        if cause is error:
            raise
        raise cause from error
    finally:
        run.finish()
