"""Incremental rebuilds of tables of several inputs: only the rows that what changed upstream touches.

Each input's Change Data Feed since the versions the last rebuild saw says what changed;
the table's ``ByKey.touched`` turns that into values of one of its columns (dates,
minutes, products); the transformation runs on the current inputs filtered to those
values, and one commit replaces exactly those rows. The input versions a rebuild saw are
stored in that same commit (Delta ``userMetadata``), so progress and data cannot drift.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Mapping

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, DateType, StringType, TimestampType

from lakehouse.lib.writes import latest_user_metadata, table_version

CHANGE_FEED_COLUMNS = ("_change_type", "_commit_version", "_commit_timestamp")
METADATA_KEY = "inputs"


class Changes:
    """What changed in each input since the last rebuild (every image: inserts, deletes, before and after
    updates), and each input as it is now."""

    def __init__(self, changed: Mapping[str, DataFrame], current: Mapping[str, DataFrame]) -> None:
        self._changed = changed
        self._current = current

    def changed(self, name: str) -> DataFrame:
        return self._changed[name]

    def current(self, name: str) -> DataFrame:
        return self._current[name]


@dataclass(frozen=True)
class ByKey:
    """Rebuild only the rows whose ``column`` holds a value that ``touched`` returns for the changes."""

    column: str
    touched: Callable[[Changes], DataFrame]


def input_versions(spark: SparkSession, paths: Mapping[str, str]) -> dict[str, int]:
    return {name: table_version(spark, path) for name, path in paths.items()}


def versions_seen(spark: SparkSession, path: str) -> dict[str, int] | None:
    """The input versions the table's latest rebuild recorded, or None if it has none.

    Searched through the whole kept history: maintenance (OPTIMIZE, VACUUM, properties) commits
    in between rebuilds, and a rebuild must not be forgotten behind them.
    """
    latest = latest_user_metadata(spark, path, lambda text: text != "")
    return json.loads(latest).get(METADATA_KEY) if latest else None


def metadata(versions: Mapping[str, int]) -> str:
    return json.dumps({METADATA_KEY: dict(versions)}, sort_keys=True)


def changes_since(spark: SparkSession, path: str, seen: int, now: int) -> DataFrame:
    """Rows of every commit after ``seen`` up to ``now``, from the Change Data Feed, in the stored schema."""
    if seen >= now:
        return spark.read.format("delta").load(path).limit(0)
    feed = (spark.read.format("delta").option("readChangeFeed", "true")
            .option("startingVersion", seen + 1).option("endingVersion", now).load(path))
    return feed.drop(*CHANGE_FEED_COLUMNS)


def _literal(column: Column, data_type: DataType) -> Column:
    """A value as SQL literal text, so the same predicate filters the rebuild and bounds the replace."""
    if isinstance(data_type, DateType):
        return F.concat(F.lit("DATE'"), F.date_format(column, "yyyy-MM-dd"), F.lit("'"))
    if isinstance(data_type, TimestampType):
        return F.concat(F.lit("TIMESTAMP'"), F.date_format(column, "yyyy-MM-dd HH:mm:ss.SSSSSS"), F.lit("'"))
    if isinstance(data_type, StringType):
        return F.concat(F.lit("'"), F.replace(F.replace(column, F.lit("\\"), F.lit("\\\\")),
                                              F.lit("'"), F.lit("\\'")), F.lit("'"))
    return column.cast("string")


def touched_predicate(touched: DataFrame, column: str, data_type: DataType) -> str:
    """``date IN (DATE'2026-11-20', ...)`` for the touched values; ``false`` when nothing is touched."""
    values = touched.where(F.col(column).isNotNull()).select(column).distinct()
    literals = [row[0] for row in values.select(_literal(F.col(column), data_type)).collect()]
    return f"`{column}` IN ({', '.join(sorted(literals))})" if literals else "false"
