"""How a checked micro-batch lands in its Delta table: planned first, then committed, each way idempotent.

``plan`` marks every row of the batch with its outcome (``_outcome``): ``applied``
(it will change the table) or ``unchanged`` (a duplicate, or a change that an
equal or later one supersedes). Nothing is written yet, so the runner can check
that every row read is accounted for before anything lands. ``commit`` writes the
applied rows and returns how many rows the table reports changed. Rows marked
``_excluded`` ride along with no outcome: a checked batch plans its quarantined rows
with the valid ones, so that one cached frame serves the counts and both writes.

Appends carry Delta's ``txnAppId``/``txnVersion`` so a batch retried after a crash
is skipped; merges set the same pair as session settings, and are built so that
applying the same rows twice changes nothing anyway. Each table has one writer,
its own query, so a plan made from the table's current state still holds at commit.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterator, Sequence

from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, StructType

TXN_APP_ID = "spark.databricks.delta.write.txnAppId"
TXN_VERSION = "spark.databricks.delta.write.txnVersion"
OUTCOME = "_outcome"
# A row the write carries but never applies, ranked after every other row of its key; never NULL when present.
EXCLUDED = "_excluded"
_appending: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
APPLIED = "applied"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Target:
    """Where one batch goes: the table's path, its key, and the identity that makes retries no-ops.

    A rebuild may replace only the rows matching ``replace_where`` and record ``user_metadata``
    (the input versions it saw) in the same commit.
    """

    path: str
    key: tuple[str, ...]
    app_id: str
    batch_id: int
    replace_where: str | None = None
    user_metadata: str | None = None
    # A streaming micro-batch's appends are binned into as few files as Delta's optimized write makes
    # (bronze has no table property for it: a batch ingest keeps writing in parallel).
    optimize_write: bool = False


@contextmanager
def idempotent(spark: SparkSession, app_id: str, batch_id: int) -> Iterator[None]:
    """Delta skips a DML commit whose (app id, version) it has already recorded."""
    spark.conf.set(TXN_APP_ID, app_id)
    spark.conf.set(TXN_VERSION, str(batch_id))
    try:
        yield
    finally:
        spark.conf.unset(TXN_APP_ID)
        spark.conf.unset(TXN_VERSION)


def delta_log(spark: SparkSession, path: str) -> tuple[Any, Any]:
    """Delta's log of the table at ``path`` and its latest snapshot (JVM objects), read from the log files
    alone: ``DeltaTable.history()`` runs a Spark job for the same answer, about a second a call."""
    jvm = spark._jvm
    none = jvm.scala.Option.empty()
    log = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, path)
    return log, log.update(False, none, none)


def table_version(spark: SparkSession, path: str) -> int:
    return int(delta_log(spark, path)[1].version())


def committed_rows(spark: SparkSession, path: str, before: int) -> int:
    """Rows the one write since version ``before`` brought (0 when it committed nothing).

    Read from Delta's own commit metrics: a write Delta skips as already committed runs no
    job, so nothing observed on the written frame would ever report. A ``replaceWhere``
    rewrite also copies the untouched rows of the files it rewrites; those are not counted.
    """
    log, snapshot = delta_log(spark, path)
    if snapshot.version() <= before:
        return 0
    metrics = commit_metrics(spark, log, snapshot.version())
    return int(metrics.get("numOutputRows", 0)) - int(metrics.get("numCopiedRows", 0))


def commit_metrics(spark: SparkSession, log: Any, version: int) -> dict[str, str]:
    """The operation metrics Delta recorded in commit ``version`` of ``log``, read from that commit's file alone
    (``DeltaTable.history(1)`` plans and runs a query for them, ten times as long on an idle machine)."""
    info = _commit_info(log.getChanges(version, False).next()._2())
    if info is None or not info.operationMetrics().isDefined():
        return {}
    return dict(spark._jvm.scala.jdk.javaapi.CollectionConverters.asJava(info.operationMetrics().get()))


def latest_user_metadata(spark: SparkSession, path: str, wanted: Callable[[str], bool]) -> str | None:
    """The ``userMetadata`` of the newest kept commit of the table at ``path`` that ``wanted`` accepts, or None.

    Read from the commit files, newest first, in steps of 1, 8, 64, ... commits (one listing of
    the log each): the commit sought is usually the latest, or a few maintenance commits behind
    it. ``DeltaTable.history()`` answers the same with a Spark job over every kept commit, a
    quarter to a whole second a table.
    """
    log, snapshot = delta_log(spark, path)
    end, step = snapshot.version(), 1
    while end >= 0:
        start, found, first = max(0, end - step + 1), None, None
        commits = log.getChanges(start, False)  # from the oldest kept at or after start
        while commits.hasNext():
            commit = commits.next()
            if commit._1() > end:
                break
            first = commit._1() if first is None else first
            info = _commit_info(commit._2())
            if info is not None and info.userMetadata().isDefined() and wanted(info.userMetadata().get()):
                found = info.userMetadata().get()
        if found is not None or first is None or first > start:  # older commits are no longer kept
            return found
        end, step = start - 1, step * 8
    return None


def _commit_info(actions: Any) -> Any:
    """The ``CommitInfo`` among one commit's actions (a Scala sequence), or None."""
    iterator = actions.iterator()
    while iterator.hasNext():
        action = iterator.next()
        if action.getClass().getSimpleName() == "CommitInfo":
            return action
    return None


def append(batch: DataFrame, path: str, app_id: str | None, batch_id: int | None,
           user_metadata: str | None = None, optimize_write: bool = False) -> int:
    """Append once per (app id, batch id); the rows this call wrote (0 if an earlier try did).

    Without an app id the append is not deduplicated by Delta: its caller makes it once (the
    extract stores its high-water mark in the same commit, as ``user_metadata``). Appends to
    one table from this process take turns (a source's files and its topic are two queries
    into one bronze table), so the commit after ``before`` is this call's.
    """
    spark = batch.sparkSession
    writer = batch.write.format("delta").mode("append")
    if app_id is not None:
        writer = writer.option("txnAppId", app_id).option("txnVersion", batch_id)
    if user_metadata is not None:
        writer = writer.option("userMetadata", user_metadata)
    if optimize_write:
        writer = writer.option("optimizeWrite", "true")
    with _appending[path]:
        before = table_version(spark, path)
        writer.save(path)
        return committed_rows(spark, path, before)


def merge_counts(result: DataFrame | None) -> dict[str, int]:
    row = result.first() if result is not None else None
    return {k: int(v or 0) for k, v in row.asDict().items()} if row else {}


def _on(key: Sequence[str], extra: Sequence[str] = ()) -> str:
    return " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in (*key, *extra))


def _excluded(batch: DataFrame) -> Column:
    return F.col(EXCLUDED) if EXCLUDED in batch.columns else F.lit(False)


def _rank(batch: DataFrame, key: Sequence[str], order: Sequence[str], newest: bool) -> Column:
    """1 for the newest (or oldest) row by ``order`` within each key, 2, 3... for the rest; excluded rows last."""
    ordering = [F.col(c).desc_nulls_last() if newest else F.col(c).asc_nulls_last() for c in order]
    return F.row_number().over(Window.partitionBy(*key).orderBy(_excluded(batch), *ordering))


def _with_target(batch: DataFrame, target: DataFrame, on: Sequence[str], columns: dict[str, str]) -> DataFrame:
    """The batch with ``columns`` of the target row it matches on ``on`` (NULL-safe); ``_in_target`` says if any."""
    found = target.select(*[F.col(f"`{c}`").alias(f"_t_{c}") for c in on],
                          *[F.col(f"`{c}`").alias(alias) for c, alias in columns.items()],
                          F.lit(True).alias("_in_target"))
    matches = [batch[f"`{c}`"].eqNullSafe(found[f"_t_{c}"]) for c in on]
    joined = batch.join(found, on=matches, how="left").drop(*[f"_t_{c}" for c in on])
    return joined.withColumn("_in_target", F.coalesce("_in_target", F.lit(False)))


def _outcome(batch: DataFrame, applied: Column) -> Column:
    """``applied`` or ``unchanged``; NULL on an excluded row."""
    return (F.when(_excluded(batch), F.lit(None).cast("string"))
            .when(F.coalesce(applied, F.lit(False)), F.lit(APPLIED)).otherwise(F.lit(UNCHANGED)))


def applied_rows(planned: DataFrame, helpers: Sequence[str] = ()) -> DataFrame:
    """The rows a plan applies, without the plan's own columns."""
    return planned.where(F.col(OUTCOME) == APPLIED).drop(OUTCOME, *helpers)


class Write:
    """A way of writing: ``plan`` marks each row's outcome, ``commit`` writes the applied ones.

    ``unchanged_rows`` says what this write's unchanged rows are, for the run log's readers
    and the table graph; empty when every row is applied.
    """

    unchanged_rows: ClassVar[str] = ""

    def plan(self, batch: DataFrame, target: Target) -> DataFrame:
        return batch.withColumn(OUTCOME, _outcome(batch, F.lit(True)))

    def commit(self, planned: DataFrame, target: Target) -> int:
        """Write the plan; the rows the table reports changed (0 when an earlier try committed this batch)."""
        raise NotImplementedError

    def schema(self, output: StructType) -> StructType:
        """The stored table's schema, given the transformation's output schema."""
        return output

    def companion_names(self, name: str) -> tuple[str, ...]:
        """Tables this write keeps beside its own table ``name``."""
        return ()

    def companions(self, name: str, key: Sequence[str], output: StructType) -> dict[str, StructType]:
        """The companion tables by name, with their schemas."""
        return {}


@dataclass(frozen=True)
class Append(Write):
    """Every row is new: bronze records, log lines, quarantined rows."""

    def commit(self, planned: DataFrame, target: Target) -> int:
        return append(applied_rows(planned), target.path, target.app_id, target.batch_id,
                      optimize_write=target.optimize_write)


@dataclass(frozen=True)
class Overwrite(Write):
    """The table is rebuilt from its inputs: one commit replaces every row, or those of ``replace_where``."""

    def commit(self, planned: DataFrame, target: Target) -> int:
        before = table_version(planned.sparkSession, target.path)
        writer = applied_rows(planned).write.format("delta").mode("overwrite")
        if target.replace_where:
            writer = writer.option("replaceWhere", target.replace_where)
        if target.user_metadata:
            writer = writer.option("userMetadata", target.user_metadata)
        writer.save(target.path)
        return committed_rows(planned.sparkSession, target.path, before)


@dataclass(frozen=True)
class InsertNew(Write):
    """Events deduplicated by key across all runs: the first arrival wins, later copies are duplicates."""

    unchanged_rows: ClassVar[str] = "duplicates"
    first_by: tuple[str, ...] = ("_ingested_at", "_origin")

    def plan(self, batch: DataFrame, target: Target) -> DataFrame:
        ranked = batch.withColumn("_rank", _rank(batch, target.key, self.first_by, newest=False))
        known = DeltaTable.forPath(batch.sparkSession, target.path).toDF()
        planned = _with_target(ranked, known, target.key, {})
        is_new = (F.col("_rank") == 1) & ~F.col("_in_target")
        return planned.withColumn(OUTCOME, _outcome(batch, is_new)).drop("_rank", "_in_target")

    def commit(self, planned: DataFrame, target: Target) -> int:
        """A plain append: the plan already holds only keys the table does not have."""
        return append(applied_rows(planned), target.path, target.app_id, target.batch_id)


@dataclass(frozen=True)
class ApplyChanges(Write):
    """Current state from change events: the highest ``sequence_by`` per key wins, in any arrival order.

    With ``deleted_when``, deletes remove the key and leave a tombstone in ``tombstones``
    (a table path relative to the target's layer), so an older event arriving after
    the delete cannot bring the key back.
    """

    unchanged_rows: ClassVar[str] = "superseded changes"
    sequence_by: str
    deleted_when: str | None = None
    tombstones: str | None = None

    def plan(self, batch: DataFrame, target: Target) -> DataFrame:
        spark, seq = batch.sparkSession, self.sequence_by
        is_delete = F.coalesce(F.expr(self.deleted_when), F.lit(False)) if self.deleted_when else F.lit(False)
        rows = batch.withColumns({"_rank": _rank(batch, target.key, [seq], newest=True), "_is_delete": is_delete})
        tombstone_path = self._tombstone_path(target)
        if tombstone_path:
            gone = spark.read.format("delta").load(tombstone_path)
            rows = _with_target(rows, gone, target.key, {seq: "_deleted_seq"}).drop("_in_target")
            after_delete = F.col("_deleted_seq").isNull() | (F.col(seq) > F.col("_deleted_seq"))
        else:
            after_delete = F.lit(True)
        current = DeltaTable.forPath(spark, target.path).toDF()
        rows = _with_target(rows, current, target.key, {seq: "_target_seq"})
        is_latest = (F.col("_rank") == 1) & after_delete & ~_excluded(batch)
        newer = F.col(seq) > F.col("_target_seq")
        changes = F.when(F.col("_is_delete"), F.col("_in_target") & newer).otherwise(~F.col("_in_target") | newer)
        return (rows.withColumns({"_is_latest": F.coalesce(is_latest, F.lit(False)),
                                  OUTCOME: _outcome(batch, is_latest & changes)})
                .drop("_rank", "_deleted_seq", "_target_seq", "_in_target"))

    def commit(self, planned: DataFrame, target: Target) -> int:
        spark, seq = planned.sparkSession, self.sequence_by
        applied = planned.where(F.col(OUTCOME) == APPLIED).drop(OUTCOME, "_is_latest")
        newer = f"s.`{seq}` > t.`{seq}`"
        values = {f"`{c}`": f"s.`{c}`" for c in applied.columns if c != "_is_delete"}
        table = DeltaTable.forPath(spark, target.path)
        with idempotent(spark, target.app_id, target.batch_id):
            merge = table.alias("t").merge(applied.alias("s"), _on(target.key))
            if self.deleted_when:
                merge = merge.whenMatchedDelete(f"s._is_delete AND {newer}")
            merge = merge.whenMatchedUpdate(f"NOT s._is_delete AND {newer}", values)
            result = merge.whenNotMatchedInsert("NOT s._is_delete", values).execute()
        tombstone_path = self._tombstone_path(target)
        if tombstone_path:
            deletes = planned.where("_is_latest AND _is_delete").select(*target.key, seq)
            tombstones = DeltaTable.forPath(spark, tombstone_path)
            with idempotent(spark, target.app_id + ":tombstones", target.batch_id):
                (tombstones.alias("t").merge(deletes.alias("s"), _on(target.key))
                 .whenMatchedUpdateAll(f"s.`{seq}` > t.`{seq}`").whenNotMatchedInsertAll().execute())
        return merge_counts(result).get("num_affected_rows", 0)

    def companion_names(self, name: str) -> tuple[str, ...]:
        return (f"{name.split('.')[0]}.{self.tombstones}",) if self.tombstones else ()

    def companions(self, name: str, key: Sequence[str], output: StructType) -> dict[str, StructType]:
        tombstone = StructType([*(output[k] for k in key), output[self.sequence_by]])
        return {companion: tombstone for companion in self.companion_names(name)}

    def _tombstone_path(self, target: Target) -> str | None:
        if not self.tombstones:
            return None
        return f"{target.path.rsplit('/', 1)[0]}/{self.tombstones}"


@dataclass(frozen=True)
class History(Write):
    """Type-2 history: one row per key and version, ``valid_from``/``valid_to``/``is_current``.

    A version arriving late is slotted into place: the history of every key in the
    batch is recomputed from what the table holds plus the new versions, and merged
    back on (key, ``valid_from``), so a row is only ever added or closed, and a retry
    is a no-op. A version the table already holds, or one repeated in the batch,
    changes nothing.
    """

    unchanged_rows: ClassVar[str] = "versions already held"
    sequence_by: str

    def plan(self, batch: DataFrame, target: Target) -> DataFrame:
        key, seq = list(target.key), self.sequence_by
        ranked = batch.withColumn("_rank", _rank(batch, [*key, seq], [seq], newest=False))
        versions = DeltaTable.forPath(batch.sparkSession, target.path).toDF()
        held = versions.select(*key, F.col("valid_from").alias(seq))
        planned = _with_target(ranked, held, [*key, seq], {})
        is_new = (F.col("_rank") == 1) & ~F.col("_in_target")
        return planned.withColumn(OUTCOME, _outcome(batch, is_new)).drop("_rank", "_in_target")

    def commit(self, planned: DataFrame, target: Target) -> int:
        spark = planned.sparkSession
        key, seq = list(target.key), self.sequence_by
        incoming = applied_rows(planned)
        table = DeltaTable.forPath(spark, target.path)
        known = (table.toDF().join(incoming.select(*key).distinct(), on=key, how="left_semi")
                 .select(*incoming.columns))
        by_key = Window.partitionBy(*key).orderBy(seq)
        history = (known.unionByName(incoming)
                   .withColumn("valid_from", F.col(seq))
                   .withColumn("valid_to", F.lead(seq).over(by_key))
                   .withColumn("is_current", F.col("valid_to").isNull()))
        closed = "NOT (t.valid_to <=> s.valid_to) OR t.is_current <> s.is_current"
        with idempotent(spark, target.app_id, target.batch_id):
            result = (table.alias("t").merge(history.alias("s"), _on(key, ["valid_from"]))
                      .whenMatchedUpdate(closed, {"valid_to": "s.valid_to", "is_current": "s.is_current"})
                      .whenNotMatchedInsertAll().execute())
        return merge_counts(result).get("num_inserted_rows", 0)

    def schema(self, output: StructType) -> StructType:
        sequence_type = output[self.sequence_by].dataType
        return (StructType(list(output.fields)).add("valid_from", sequence_type)
                .add("valid_to", sequence_type).add("is_current", BooleanType()))
