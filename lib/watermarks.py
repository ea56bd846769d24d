"""Event-time watermarks: the newest event a table has kept, minus how late its source may deliver.

An event older than its table's watermark is late. It is never dropped: it is written and
counted (``stream.late_events: count``, the run's ``rows_late``) or quarantined with the
rule ``late_beyond_watermark`` (``quarantine``). The newest event time is read from the
stored table once per process and then advanced by each batch's valid rows, so the
watermark holds across restarts and whichever way (files or Kafka) an event came.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.registry import Table
from lakehouse.lib.rules import Rule

LATE = "late_beyond_watermark"


class Watermarks:
    """The newest kept event time per table of one process."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._newest: dict[str, datetime | None] = {}
        self._lock = threading.Lock()

    def cutoff(self, table: Table, path: str, delay_seconds: float) -> datetime | None:
        """Events before this are late; None while the table has kept no event."""
        with self._lock:
            if table.name not in self._newest:
                self._newest[table.name] = (self.spark.read.format("delta").load(path)
                                            .agg(F.max(table.event_time)).first()[0])
            newest = self._newest[table.name]
        return None if newest is None else newest - timedelta(seconds=delay_seconds)

    def advance(self, table: Table, newest_in_batch: datetime | None) -> None:
        with self._lock:
            kept = self._newest.get(table.name)
            if newest_in_batch is not None and (kept is None or newest_in_batch > kept):
                self._newest[table.name] = newest_in_batch


def is_late(column: str, cutoff: datetime) -> str:
    """SQL: the event is before ``cutoff`` (as an instant, whatever the Python process's time zone)."""
    return f"`{column}` < timestamp_micros({int(cutoff.timestamp() * 1_000_000)})"


def late_rule(column: str, cutoff: datetime) -> Rule:
    """Holds for an event at or after ``cutoff`` (or without an event time, which other rules judge)."""
    return Rule(LATE, f"`{column}` IS NULL OR NOT ({is_late(column, cutoff)})")
