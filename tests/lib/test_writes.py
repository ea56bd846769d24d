"""Writes: each plans every row's outcome, change events in any order give the current state, replays change nothing."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pyspark.sql import SparkSession

from lakehouse.lib.writes import (APPLIED, EXCLUDED, OUTCOME, UNCHANGED, Append, ApplyChanges, History, InsertNew,
                                  Target, Write, latest_user_metadata, table_version)

ORDERS = "order_id string, status string, lsn bigint, op string"


def table_at(spark: SparkSession, path: Path, schema: str) -> str:
    spark.createDataFrame([], schema).write.format("delta").save(str(path))
    return str(path)


def apply(spark: SparkSession, write: Write, path: str, rows: list, schema: str, batch_id: int,
          key: tuple[str, ...] = ("order_id",)) -> int:
    """Plan and commit one batch; the rows the table reports changed."""
    target = Target(path, key, "test", batch_id)
    return write.commit(write.plan(spark.createDataFrame(rows, schema), target), target)


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




EVENTS = "key string, seq bigint, op string, _ingested_at timestamp, _origin string"
WRITES = {
    "Append": (Append(), EVENTS),
    "InsertNew": (InsertNew(), EVENTS),
    "ApplyChanges": (ApplyChanges(sequence_by="seq", deleted_when="op = 'd'", tombstones="events_deleted"), EVENTS),
    "History": (History(sequence_by="seq"), EVENTS + ", valid_from bigint, valid_to bigint, is_current boolean"),
}


def stored(spark: SparkSession, path: str) -> list[tuple]:
    return sorted(tuple(row) for row in spark.read.format("delta").load(path).collect())


@pytest.mark.parametrize("mode", WRITES)
def test_a_batch_replayed_with_the_same_batch_id_changes_nothing(spark: SparkSession, tmp_path: Path,
                                                                 mode: str) -> None:
    write, schema = WRITES[mode]
    path = table_at(spark, tmp_path / "events", schema)
    table_at(spark, tmp_path / "events_deleted", "key string, seq bigint")
    rows = [("K1", 1, "c", None, "a"), ("K2", 1, "c", None, "a"), ("K2", 2, "d", None, "a")]
    apply(spark, write, path, rows, EVENTS, 7, ("key",))
    version, contents = table_version(spark, path), stored(spark, path)
    assert contents, "the first delivery wrote rows"
    assert apply(spark, write, path, rows, EVENTS, 7, ("key",)) == 0
    assert (table_version(spark, path), stored(spark, path)) == (version, contents)


def outcomes(spark: SparkSession, write: Write, path: str, rows: list, schema: str,
             key: tuple[str, ...] = ("order_id",)) -> list[tuple]:
    planned = write.plan(spark.createDataFrame(rows, schema), Target(path, key, "test", 0))
    return sorted((*(row[k] for k in key), row.lsn if "lsn" in planned.columns else None, row[OUTCOME])
                  for row in planned.collect())


def test_insert_new_plans_copies_and_known_keys_as_unchanged(spark: SparkSession, tmp_path: Path) -> None:
    schema = "event_id string, _ingested_at timestamp, _origin string"
    path = table_at(spark, tmp_path / "events", schema)
    apply(spark, InsertNew(), path, [("E1", None, "a")], schema, 0, ("event_id",))
    planned = InsertNew().plan(spark.createDataFrame([("E1", None, "b"), ("E2", None, "b"), ("E2", None, "c")],
                                                     schema), Target(path, ("event_id",), "test", 1))
    assert sorted((r.event_id, r._origin, r[OUTCOME]) for r in planned.collect()) == [
        ("E1", "b", UNCHANGED), ("E2", "b", APPLIED), ("E2", "c", UNCHANGED)]


def test_apply_changes_plans_what_changes_the_current_state(spark: SparkSession, tmp_path: Path) -> None:
    write, path = orders_with_tombstones(spark, tmp_path)
    apply(spark, write, path, [("O1", "placed", 5, "c"), ("O2", "placed", 1, "c"), ("O3", "placed", 1, "c")],
          ORDERS, 0)
    apply(spark, write, path, [("O3", "placed", 4, "d")], ORDERS, 1)
    batch = [("O1", "paid", 4, "u"),       # older than what the table holds
             ("O2", "paid", 2, "u"),       # superseded within the batch by lsn 3
             ("O2", "shipped", 3, "u"),    # the latest change of O2
             ("O3", "paid", 2, "u"),       # older than O3's delete
             ("O4", "placed", 1, "d"),     # deletes a key the table never had
             ("O5", "placed", 1, "c")]     # new
    assert outcomes(spark, write, path, batch, ORDERS) == [
        ("O1", 4, UNCHANGED), ("O2", 2, UNCHANGED), ("O2", 3, APPLIED), ("O3", 2, UNCHANGED),
        ("O4", 1, UNCHANGED), ("O5", 1, APPLIED)]
    assert apply(spark, write, path, batch, ORDERS, 2) == 2
    assert current(spark, path) == {"O1": ("placed", 5), "O2": ("shipped", 3), "O5": ("placed", 1)}


def test_history_plans_versions_it_holds_as_unchanged(spark: SparkSession, tmp_path: Path) -> None:
    write = History(sequence_by="updated_at")
    path = str(tmp_path / "customers")
    history_schema = write.schema(spark.createDataFrame([], CUSTOMERS).schema)
    spark.createDataFrame([], history_schema).write.format("delta").save(path)
    apply(spark, write, path, [("C1", "Austin", datetime(2026, 11, 1))], CUSTOMERS, 0, ("customer_id",))
    batch = spark.createDataFrame([("C1", "Austin", datetime(2026, 11, 1)), ("C1", "Boston", datetime(2026, 11, 3)),
                                   ("C1", "Boston", datetime(2026, 11, 3))], CUSTOMERS)
    planned = write.plan(batch, Target(path, ("customer_id",), "test", 1)).collect()
    assert sorted((r.city, r[OUTCOME]) for r in planned) == [
        ("Austin", UNCHANGED), ("Boston", APPLIED), ("Boston", UNCHANGED)]


def test_excluded_rows_get_no_outcome_and_take_no_valid_rows_place(spark: SparkSession, tmp_path: Path) -> None:
    """A checked batch plans its quarantined rows with the valid ones, marked EXCLUDED: an excluded row ranks after
    the valid rows of its key, whatever it carries, has no outcome, and no write applies it."""
    events = f"event_id string, _ingested_at timestamp, _origin string, {EXCLUDED} boolean"
    path = table_at(spark, tmp_path / "events", events.rsplit(",", 1)[0])
    planned = InsertNew().plan(spark.createDataFrame(
        [("E1", None, "a", True), ("E1", None, "b", False), ("E2", None, "a", True)], events),
        Target(path, ("event_id",), "test", 0))
    assert sorted((r.event_id, r._origin, r[OUTCOME]) for r in planned.collect()) == [
        ("E1", "a", None), ("E1", "b", APPLIED), ("E2", "a", None)]

    write, path = orders_with_tombstones(spark, tmp_path)
    target = Target(path, ("order_id",), "test", 0)
    planned = write.plan(spark.createDataFrame(
        [("O1", "placed", 9, "d", True), ("O1", "paid", 2, "u", False), ("O2", "placed", 1, "d", True)],
        f"{ORDERS}, {EXCLUDED} boolean"), target)
    assert sorted((r.order_id, r.lsn, r[OUTCOME]) for r in planned.collect()) == [
        ("O1", 2, APPLIED), ("O1", 9, None), ("O2", 1, None)]
    write.commit(planned.drop(EXCLUDED), target)
    assert current(spark, path) == {"O1": ("paid", 2)}
    assert spark.read.format("delta").load(str(tmp_path / "orders_deleted")).count() == 0

    history = History(sequence_by="updated_at")
    path = str(tmp_path / "customers")
    spark.createDataFrame([], history.schema(spark.createDataFrame([], CUSTOMERS).schema)).write.format(
        "delta").save(path)
    placed = datetime(2026, 11, 1)
    planned = history.plan(spark.createDataFrame([("C1", "Austin", placed, True), ("C1", "Boston", placed, False)],
                                                 f"{CUSTOMERS}, {EXCLUDED} boolean"),
                           Target(path, ("customer_id",), "test", 0))
    assert sorted((r.city, r[OUTCOME]) for r in planned.collect()) == [("Austin", None), ("Boston", APPLIED)]

    planned = Append().plan(spark.createDataFrame([("x", True), ("y", False)], f"value string, {EXCLUDED} boolean"),
                            Target(str(tmp_path / "lines"), (), "test", 0))
    assert sorted((r.value, r[OUTCOME]) for r in planned.collect()) == [("x", None), ("y", APPLIED)]


def commit_with(spark: SparkSession, path: str, user_metadata: str | None) -> None:
    writer = spark.range(1).write.format("delta").mode("append")
    (writer.option("userMetadata", user_metadata) if user_metadata else writer).save(path)


def test_the_newest_wanted_user_metadata_is_read_from_the_log_without_a_spark_job(spark: SparkSession,
                                                                                  tmp_path: Path) -> None:
    path = str(tmp_path / "rebuilt")
    for user_metadata in ["run 1", None, "run 2", *[None] * 10, "other"]:  # version 0 to 13
        commit_with(spark, path, user_metadata)
    group = "latest-user-metadata"
    spark.sparkContext.setJobGroup(group, "reading the log alone")
    try:
        assert latest_user_metadata(spark, path, lambda text: text.startswith("run")) == "run 2"
        assert latest_user_metadata(spark, path, lambda text: text == "run 1") == "run 1"
        assert latest_user_metadata(spark, path, lambda text: text == "other") == "other"
        assert latest_user_metadata(spark, path, lambda text: text == "never") is None
        assert list(spark.sparkContext.statusTracker().getJobIdsForGroup(group)) == []
    finally:
        spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)


def test_user_metadata_in_commits_no_longer_kept_is_not_found(spark: SparkSession, tmp_path: Path) -> None:
    path = str(tmp_path / "cleaned")
    for user_metadata in ["run 1", None, None, "run 2", None]:  # version 0 to 4
        commit_with(spark, path, user_metadata)
    spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('delta.checkpointInterval' = '1')")  # version 5
    for version in range(3):  # as the log's cleanup leaves it: the checkpoint holds the state
        Path(path, "_delta_log", f"{version:020d}.json").unlink()
    assert spark.read.format("delta").load(path).count() == 5
    assert latest_user_metadata(spark, path, lambda text: text == "run 1") is None
    assert latest_user_metadata(spark, path, lambda text: text.startswith("run")) == "run 2"
