"""How a checked micro-batch lands in its Delta table, each way idempotent.

Appends carry Delta's ``txnAppId``/``txnVersion`` so a batch retried after a
crash is skipped; merges set the same pair as session settings, and are built so
that applying the same rows twice changes nothing anyway.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, StructType

TXN_APP_ID = "spark.databricks.delta.write.txnAppId"
TXN_VERSION = "spark.databricks.delta.write.txnVersion"


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


@dataclass(frozen=True)
class Written:
    rows: int
    unchanged: int = 0


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


def append(batch: DataFrame, path: str, app_id: str, batch_id: int) -> None:
    (batch.write.format("delta").mode("append")
     .option("txnAppId", app_id).option("txnVersion", batch_id).save(path))


def _merge_counts(result: DataFrame | None) -> dict[str, int]:
    row = result.first() if result is not None else None
    return {k: int(v or 0) for k, v in row.asDict().items()} if row else {}


def _on(key: Sequence[str], extra: Sequence[str] = ()) -> str:
    return " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in (*key, *extra))


def latest_per_key(batch: DataFrame, key: Sequence[str], order: Sequence[str], newest: bool = True) -> DataFrame:
    """One row per key: the newest (or oldest) by ``order``."""
    ordering = [F.col(c).desc_nulls_last() if newest else F.col(c).asc_nulls_last() for c in order]
    rank = F.row_number().over(Window.partitionBy(*key).orderBy(*ordering))
    return batch.withColumn("_rank", rank).where("_rank = 1").drop("_rank")


class Write:
    """A way of writing; ``apply`` returns how many rows changed the table and how many changed nothing.

    ``rows`` gives the batch's row count once the batch has been read (it may be counted on the way).
    """

    def apply(self, batch: DataFrame, rows: Callable[[], int], target: Target) -> Written:
        raise NotImplementedError

    def schema(self, output: StructType) -> StructType:
        """The stored table's schema, given the transformation's output schema."""
        return output

    def companions(self, name: str, key: Sequence[str], output: StructType) -> dict[str, StructType]:
        """Tables this write keeps beside its own, by name, with their schemas."""
        return {}


@dataclass(frozen=True)
class Append(Write):
    """Every row is new: bronze records, log lines, quarantined rows."""

    def apply(self, batch: DataFrame, rows: Callable[[], int], target: Target) -> Written:
        append(batch, target.path, target.app_id, target.batch_id)
        return Written(rows())


@dataclass(frozen=True)
class Overwrite(Write):
    """The table is rebuilt from its inputs: one commit replaces every row, or those of ``replace_where``."""

    def apply(self, batch: DataFrame, rows: Callable[[], int], target: Target) -> Written:
        writer = batch.write.format("delta").mode("overwrite")
        if target.replace_where:
            writer = writer.option("replaceWhere", target.replace_where)
        if target.user_metadata:
            writer = writer.option("userMetadata", target.user_metadata)
        writer.save(target.path)
        return Written(rows())


@dataclass(frozen=True)
class InsertNew(Write):
    """Events deduplicated by key across all runs: the first arrival wins, later copies are duplicates."""

    first_by: tuple[str, ...] = ("_ingested_at", "_origin")

    def apply(self, batch: DataFrame, rows: Callable[[], int], target: Target) -> Written:
        first = latest_per_key(batch, target.key, self.first_by, newest=False)
        table = DeltaTable.forPath(batch.sparkSession, target.path)
        with idempotent(batch.sparkSession, target.app_id, target.batch_id):
            result = table.alias("t").merge(first.alias("s"), _on(target.key)).whenNotMatchedInsertAll().execute()
        inserted = _merge_counts(result).get("num_inserted_rows", 0)
        return Written(inserted, rows() - inserted)


@dataclass(frozen=True)
class ApplyChanges(Write):
    """Current state from change events: the highest ``sequence_by`` per key wins, in any arrival order.

    With ``deleted_when``, deletes remove the key and leave a tombstone in ``tombstones``
    (a table path relative to the target's layer), so an older event arriving after
    the delete cannot bring the key back.
    """

    sequence_by: str
    deleted_when: str | None = None
    tombstones: str | None = None

    def apply(self, batch: DataFrame, rows: Callable[[], int], target: Target) -> Written:
        spark = batch.sparkSession
        seq = self.sequence_by
        latest = latest_per_key(batch, target.key, [seq])
        is_delete = F.expr(self.deleted_when) if self.deleted_when else F.lit(False)
        latest = latest.withColumn("_is_delete", is_delete)
        tombstone_path = self._tombstone_path(target)
        if tombstone_path:
            gone = spark.read.format("delta").load(tombstone_path).withColumnRenamed(seq, "_deleted_seq")
            latest = (latest.join(gone, on=list(target.key), how="left")
                      .where(F.col("_deleted_seq").isNull() | (F.col(seq) > F.col("_deleted_seq")))
                      .drop("_deleted_seq"))
        newer = f"s.`{seq}` > t.`{seq}`"
        values = {f"`{c}`": f"s.`{c}`" for c in batch.columns}
        table = DeltaTable.forPath(spark, target.path)
        with idempotent(spark, target.app_id, target.batch_id):
            merge = table.alias("t").merge(latest.alias("s"), _on(target.key))
            if self.deleted_when:
                merge = merge.whenMatchedDelete(f"s._is_delete AND {newer}")
            merge = merge.whenMatchedUpdate(f"NOT s._is_delete AND {newer}", values)
            result = merge.whenNotMatchedInsert("NOT s._is_delete", values).execute()
        if tombstone_path:
            deletes = latest.where("_is_delete").select(*target.key, seq)
            tombstones = DeltaTable.forPath(spark, tombstone_path)
            with idempotent(spark, target.app_id + ":tombstones", target.batch_id):
                (tombstones.alias("t").merge(deletes.alias("s"), _on(target.key))
                 .whenMatchedUpdateAll(f"s.`{seq}` > t.`{seq}`").whenNotMatchedInsertAll().execute())
        changed = _merge_counts(result).get("num_affected_rows", 0)
        return Written(changed, rows() - changed)

    def companions(self, name: str, key: Sequence[str], output: StructType) -> dict[str, StructType]:
        if not self.tombstones:
            return {}
        layer = name.split(".")[0]
        return {f"{layer}.{self.tombstones}": StructType([*(output[k] for k in key), output[self.sequence_by]])}

    def _tombstone_path(self, target: Target) -> str | None:
        if not self.tombstones:
            return None
        return f"{target.path.rsplit('/', 1)[0]}/{self.tombstones}"


@dataclass(frozen=True)
class History(Write):
    """Type-2 history: one row per key and version, ``valid_from``/``valid_to``/``is_current``.

    A version arriving late is slotted into place: the history of every key in the
    batch is recomputed from what the table holds plus the batch, and merged back on
    (key, ``valid_from``), so a row is only ever added or closed, and a retry is a no-op.
    """

    sequence_by: str

    def apply(self, batch: DataFrame, rows: Callable[[], int], target: Target) -> Written:
        spark = batch.sparkSession
        key, seq = list(target.key), self.sequence_by
        table = DeltaTable.forPath(spark, target.path)
        known = (table.toDF().join(batch.select(*key).distinct(), on=key, how="left_semi")
                 .select(*batch.columns).withColumn("_known", F.lit(True)))
        incoming = batch.withColumn("_known", F.lit(False))
        versions = latest_per_key(known.unionByName(incoming), [*key, seq], ["_known"])
        by_key = Window.partitionBy(*key).orderBy(seq)
        history = (versions.withColumn("valid_from", F.col(seq))
                   .withColumn("valid_to", F.lead(seq).over(by_key))
                   .withColumn("is_current", F.col("valid_to").isNull()))
        closed = "NOT (t.valid_to <=> s.valid_to) OR t.is_current <> s.is_current"
        with idempotent(spark, target.app_id, target.batch_id):
            result = (table.alias("t").merge(history.drop("_known").alias("s"), _on(key, ["valid_from"]))
                      .whenMatchedUpdate(closed, {"valid_to": "s.valid_to", "is_current": "s.is_current"})
                      .whenNotMatchedInsertAll().execute())
        inserted = _merge_counts(result).get("num_inserted_rows", 0)
        return Written(inserted, rows() - inserted)

    def schema(self, output: StructType) -> StructType:
        sequence_type = output[self.sequence_by].dataType
        return (StructType(list(output.fields)).add("valid_from", sequence_type)
                .add("valid_to", sequence_type).add("is_current", BooleanType()))
