"""A fresh 1% change, landed as new files the way the sources would deliver it.

Orders: a status-change event (Debezium ``u`` envelope, ``lsn`` above every one so far) for
1% of the orders in ``silver.orders``, the most recent ones (those still moving through
placed, paid, shipped, delivered). Clickstream: 1% more events, copies of random events of
the latest day with new event ids. Recent, because that is what a routine incremental run
sees; a change spread evenly over all dates would touch every gold row.
"""
from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.config import Settings
from lakehouse.lib.fields import Field
from lakehouse.silver.orders import ROW as ORDER_ROW

SHARE = 0.01
NEXT_STATUS = {"placed": "paid", "paid": "shipped", "shipped": "delivered", "delivered": "returned"}
ISO_UTC = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"  # the session's time zone is UTC


@dataclass(frozen=True)
class LandedChange:
    orders: int
    events: int


def table(spark: SparkSession, settings: Settings, name: str) -> DataFrame:
    return spark.read.format("delta").load(settings.table_path(name))


def share_of(frame: DataFrame) -> int:
    return max(1, round(frame.count() * SHARE))


def as_text(field: Field) -> Column:
    """A stored column as the text its change event carried."""
    if field.type == "timestamp":
        return F.date_format(field.name, ISO_UTC).alias(field.name)
    return F.col(field.name).cast("string").alias(field.name)


def row_image(row: dict[str, str | None]) -> dict[str, object]:
    """JSON values as the source database's connector writes them: amounts as numbers."""
    decimals = {field.name for field in ORDER_ROW if field.type == "decimal"}
    return {name: float(value) if name in decimals and value is not None else value for name, value in row.items()}


def latest_orders(spark: SparkSession, settings: Settings) -> list[dict[str, str | None]]:
    orders = table(spark, settings, "silver.orders")
    moving = orders.where(F.col("status").isin(*NEXT_STATUS)).orderBy(F.desc("order_ts"), "order_id")
    return [row.asDict() for row in moving.limit(share_of(orders)).select(*map(as_text, ORDER_ROW)).collect()]


def next_position(spark: SparkSession, settings: Settings) -> tuple[int, int]:
    """(lsn, ts_ms) just after the latest change either change-captured table has seen."""
    orders = table(spark, settings, "silver.orders").select("lsn", "changed_at")
    items = table(spark, settings, "silver.order_items").select("lsn", "changed_at")
    latest = orders.unionByName(items).agg(F.max("lsn"), F.max(F.unix_millis("changed_at"))).first()
    return int(latest[0]) + 1, int(latest[1]) + 60_000


def status_changes(spark: SparkSession, settings: Settings) -> list[str]:
    lsn, ts_ms = next_position(spark, settings)
    updated_at = spark.range(1).select(F.date_format(F.timestamp_millis(F.lit(ts_ms)), ISO_UTC)).first()[0]
    events = []
    for position, before in enumerate(latest_orders(spark, settings)):
        after = {**before, "status": NEXT_STATUS[before["status"]], "updated_at": updated_at}
        events.append(json.dumps({"op": "u", "ts_ms": ts_ms + position,
                                  "source": {"table": "orders", "lsn": lsn + position},
                                  "before": row_image(before), "after": row_image(after)}))
    return events


def more_events(spark: SparkSession, settings: Settings, seed: int) -> list[str]:
    """Copies of random clean events of the latest day, each with a new ``event_id``."""
    bronze = table(spark, settings, "bronze.clickstream")
    clean = bronze.where("_parse_error IS NULL AND event_ts RLIKE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'")
    day = F.substring("event_ts", 1, 10)
    latest_day = clean.agg(F.max(day)).first()[0]
    sample = clean.where(day == latest_day).orderBy(F.rand(seed)).limit(share_of(bronze))
    ids = random.Random(seed)
    copies = []
    for row in sample.select("_raw").collect():
        event = json.loads(row["_raw"])
        event["event_id"] = str(uuid.UUID(int=ids.getrandbits(128), version=4))
        copies.append(json.dumps(event))
    return copies


def land(path: Path, lines: list[str]) -> None:
    """Write under a hidden name, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    hidden = path.with_name(f".{path.name}.tmp")
    hidden.write_text("".join(f"{line}\n" for line in lines))
    hidden.rename(path)


def land_change(spark: SparkSession, settings: Settings, number: int) -> LandedChange:
    """Land change number ``number`` for the lakehouse of ``settings``; it still has to be run."""
    orders, events = status_changes(spark, settings), more_events(spark, settings, seed=number)
    landing = Path(settings.paths.landing)
    land(landing / "orders" / "bench-changes" / f"change-{number:03d}.jsonl", orders)
    land(landing / "clickstream" / "bench-changes" / f"change-{number:03d}.jsonl", events)
    return LandedChange(len(orders), len(events))
