"""Where each table stands now: its last commit and its age, rows in the last minute, a stream's rates.

Meant for a second terminal beside a running stream, so it reads by path only: the
tables' Delta logs (no Spark job) and the run log, ``ops.runs``, where a stream logs
every micro-batch and every gold refresh. It never opens the catalog, which a local
root's running stream holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runlog import RUNS
from lakehouse.lib.writes import delta_log

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class TableStatus:
    table: str
    version: int
    committed_at: datetime  # UTC
    rows_written: int  # in the last minute, by the runs and micro-batches that ended in it
    rows_read: int
    seconds: float  # the time those runs took

    def age(self, now: datetime) -> timedelta:
        return now - self.committed_at

    @property
    def input_rate(self) -> float:
        """Rows a second that arrived over the last minute."""
        return self.rows_read / WINDOW.total_seconds()

    @property
    def processing_rate(self) -> float | None:
        """Rows a second while processing; None when nothing ran in the last minute."""
        return self.rows_read / self.seconds if self.seconds else None


def table_status(spark: SparkSession, settings: Settings, now: datetime) -> list[TableStatus]:
    """Every declared table that exists under the root, in declaration order (bronze, silver, gold)."""
    recent = _recent_runs(spark, settings, now)
    found = []
    for table in registry.select("all"):
        path = settings.table_path(table.name)
        if not DeltaTable.isDeltaTable(spark, path):
            continue
        snapshot = delta_log(spark, path)[1]
        committed = datetime.fromtimestamp(snapshot.timestamp() / 1000, tz=timezone.utc)
        written, read, seconds = recent.get(table.name, (0, 0, 0.0))
        found.append(TableStatus(table.name, int(snapshot.version()), committed, written, read, seconds))
    return found


def _recent_runs(spark: SparkSession, settings: Settings, now: datetime) -> dict[str, tuple[int, int, float]]:
    path = settings.table_path(RUNS)
    if not DeltaTable.isDeltaTable(spark, path):
        return {}
    since = (now - WINDOW).replace(tzinfo=None)  # the session's zone is UTC
    rows = (spark.read.format("delta").load(path).where(F.col("finished_at") > F.lit(since))
            .groupBy("table").agg(F.sum("rows_written").alias("written"), F.sum("rows_read").alias("read"),
                                  F.sum("seconds").alias("seconds"))
            .collect())
    return {row.table: (int(row.written), int(row.read), float(row.seconds)) for row in rows}
