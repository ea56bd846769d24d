"""Writes: change events in any order give the right current state; history slots late versions in."""
from __future__ import annotations

from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from lakehouse.lib.writes import ApplyChanges, History, InsertNew, Target

ORDERS = "order_id string, status string, lsn bigint, op string"


def table_at(spark: SparkSession, path: Path, schema: str) -> str:
    spark.createDataFrame([], schema).write.format("delta").save(str(path))
    return str(path)


def apply(spark: SparkSession, write: ApplyChanges | InsertNew | History, path: str, rows: list, schema: str,
          batch_id: int, key: tuple[str, ...] = ("order_id",)) -> int:
    batch = spark.createDataFrame(rows, schema)
    return write.apply(batch, lambda: len(rows), Target(path, key, "test", batch_id)).rows


def current(spark: SparkSession, path: str) -> dict[str, tuple]:
    return {r.order_id: (r.status, r.lsn) for r in spark.read.format("delta").load(path).collect()}


def orders_with_tombstones(spark: SparkSession, tmp_path: Path) -> tuple[ApplyChanges, str]:
    write = ApplyChanges(sequence_by="lsn", deleted_when="op = 'd'", tombstones="orders_deleted")
    path = table_at(spark, tmp_path / "orders", ORDERS)
    table_at(spark, tmp_path / "orders_deleted", "order_id string, lsn bigint")
    return write, path


def test_latest_change_wins_whatever_the_arrival_order(spark: SparkSession, tmp_path: Path) -> None:
    write, path = orders_with_tombstones(spark, tmp_path)
    apply(spark, write, path, [("O1", "shipped", 3, "u"), ("O1", "placed", 1, "c")], ORDERS, 0)
    apply(spark, write, path, [("O1", "paid", 2, "u")], ORDERS, 1)
    assert current(spark, path) == {"O1": ("shipped", 3)}


def test_redelivered_event_changes_nothing(spark: SparkSession, tmp_path: Path) -> None:
    write, path = orders_with_tombstones(spark, tmp_path)
    assert apply(spark, write, path, [("O1", "placed", 1, "c")], ORDERS, 0) == 1
    assert apply(spark, write, path, [("O1", "placed", 1, "c")], ORDERS, 1) == 0
    assert current(spark, path) == {"O1": ("placed", 1)}


def test_delete_removes_the_row_and_an_older_event_cannot_revive_it(spark: SparkSession, tmp_path: Path) -> None:
    write, path = orders_with_tombstones(spark, tmp_path)
    apply(spark, write, path, [("O1", "placed", 1, "c"), ("O2", "placed", 2, "c")], ORDERS, 0)
    apply(spark, write, path, [("O1", "placed", 5, "d")], ORDERS, 1)
    assert current(spark, path) == {"O2": ("placed", 2)}
    apply(spark, write, path, [("O1", "paid", 3, "u")], ORDERS, 2)
    assert current(spark, path) == {"O2": ("placed", 2)}
    apply(spark, write, path, [("O1", "placed", 9, "c")], ORDERS, 3)
    assert current(spark, path) == {"O1": ("placed", 9), "O2": ("placed", 2)}


def test_delete_arriving_before_the_insert_it_removes(spark: SparkSession, tmp_path: Path) -> None:
    write, path = orders_with_tombstones(spark, tmp_path)
    apply(spark, write, path, [("O1", "placed", 4, "d")], ORDERS, 0)
    apply(spark, write, path, [("O1", "placed", 1, "c")], ORDERS, 1)
    assert current(spark, path) == {}


def test_a_retried_batch_is_not_written_twice(spark: SparkSession, tmp_path: Path) -> None:
    path = table_at(spark, tmp_path / "events", "event_id string, _ingested_at timestamp, _origin string")
    write = InsertNew()
    rows = [("E1", None, "a"), ("E2", None, "a")]
    apply(spark, write, path, rows, "event_id string, _ingested_at timestamp, _origin string", 7, ("event_id",))
    versions = DeltaTable.forPath(spark, path).history().count()
    apply(spark, write, path, rows, "event_id string, _ingested_at timestamp, _origin string", 7, ("event_id",))
    assert DeltaTable.forPath(spark, path).history().count() == versions


def test_insert_new_keeps_the_first_delivery_across_batches(spark: SparkSession, tmp_path: Path) -> None:
    schema = "event_id string, note string, _ingested_at timestamp, _origin string"
    path = table_at(spark, tmp_path / "events", schema)
    first = apply(spark, InsertNew(), path, [("E1", "first", None, "a"), ("E1", "copy", None, "b")], schema, 0,
                  ("event_id",))
    second = apply(spark, InsertNew(), path, [("E1", "later", None, "c"), ("E2", "new", None, "c")], schema, 1,
                   ("event_id",))
    assert (first, second) == (1, 1)
    rows = {r.event_id: r.note for r in spark.read.format("delta").load(path).collect()}
    assert rows == {"E1": "first", "E2": "new"}


CUSTOMERS = "customer_id string, city string, updated_at timestamp"


def history(spark: SparkSession, path: str) -> list[tuple]:
    rows = spark.read.format("delta").load(path).orderBy("customer_id", "valid_from").collect()
    return [(r.customer_id, r.city, str(r.valid_from), str(r.valid_to), r.is_current) for r in rows]


def test_history_slots_a_late_version_into_place(spark: SparkSession, tmp_path: Path) -> None:
    from datetime import datetime

    write = History(sequence_by="updated_at")
    schema = spark.createDataFrame([], CUSTOMERS).schema
    path = str(tmp_path / "customers")
    spark.createDataFrame([], write.schema(schema)).write.format("delta").save(path)
    def day(d: int) -> datetime:
        return datetime(2026, 11, d)

    apply(spark, write, path, [("C1", "Austin", day(1)), ("C1", "Dallas", day(5))], CUSTOMERS, 0, ("customer_id",))
    apply(spark, write, path, [("C1", "Boston", day(3)), ("C1", "Dallas", day(5))], CUSTOMERS, 1, ("customer_id",))
    assert history(spark, path) == [
        ("C1", "Austin", "2026-11-01 00:00:00", "2026-11-03 00:00:00", False),
        ("C1", "Boston", "2026-11-03 00:00:00", "2026-11-05 00:00:00", False),
        ("C1", "Dallas", "2026-11-05 00:00:00", "None", True),
    ]


