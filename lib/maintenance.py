"""Table maintenance: compact small files, vacuum what no kept version needs, checkpoint the log.

Streaming micro-batches and incremental gold refreshes leave many small files, and every reader
(Spark, Athena, Tableau through Athena) pays for each one. ``maintain`` rewrites them into few:
gold tables Z-ordered on the leading columns of their key, the columns dashboards filter by and
refreshes replace by; silver tables that declare ``cluster_by`` (their date, which gold's refreshes
select) clustered by it, incrementally, so a refresh of one day reads that day's files. It then
removes the files that no version within the layer's retention needs, and writes a checkpoint, so
a reader starts from one Parquet file instead of replaying the log. Writing the checkpoint also
drops log entries older than that retention.

Each layer's retention (``maintenance.retain_hours``) becomes the table's
``delta.deletedFileRetentionDuration`` and ``delta.logRetentionDuration``, so VACUUM, Delta's own log
cleanup and time travel all agree on how far back a table can be read.
"""
from __future__ import annotations

from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from lakehouse.lib import catalog, registry
from lakehouse.lib.config import ConfigError, Settings
from lakehouse.lib.writes import delta_log, table_version

LAYERS = ("bronze", "silver", "quarantine", "gold", "ops")
ZORDER_COLUMNS = 2
RETENTION_PROPERTIES = ("delta.deletedFileRetentionDuration", "delta.logRetentionDuration")


@dataclass(frozen=True)
class Maintained:
    """What maintenance did to one table."""

    table: str
    files_before: int
    files_after: int
    zorder_by: tuple[str, ...]
    cluster_by: tuple[str, ...]
    removed_files: int
    retain_hours: float
    log_entries_before: int
    log_entries_after: int
    checkpoint_version: int


def catalogued(spark: SparkSession, selection: str = "all") -> list[str]:
    """The catalog's tables of this root, layer by layer: ``all``, a layer, or one ``layer.table``."""
    layer, _, table = selection.partition(".")
    if selection != "all" and layer not in LAYERS:
        raise ConfigError(f"unknown table or layer '{selection}' (layers: {', '.join(LAYERS)})")
    layers = LAYERS if selection == "all" else (layer,)
    found = [f"{name}.{row.tableName}" for name in layers
             if spark.sql(f"SHOW DATABASES LIKE '{name}'").collect()
             for row in spark.sql(f"SHOW TABLES IN `{name}`").collect()]
    chosen = [name for name in found if not table or name == selection]
    if table and not chosen:
        raise ConfigError(f"no table {selection} in the catalog (run it first, or try `lakehouse tables`)")
    return chosen


def zorder_columns(name: str) -> tuple[str, ...]:
    """A declared gold table's leading key columns; other layers are read by version, by key or by their
    clustering columns, and a gold table a command writes with no declaration (``lakehouse score``'s
    gold.customer_scores) has no key to order by: those are only compacted (or clustered)."""
    declared = _declared(name)
    return declared.key[:ZORDER_COLUMNS] if declared and declared.layer == "gold" else ()


def cluster_columns(name: str) -> tuple[str, ...]:
    declared = _declared(name)
    return declared.cluster_by if declared else ()


def _declared(name: str) -> registry.Table | None:
    try:
        return registry.get(name)
    except KeyError:
        return None


def maintain(spark: SparkSession, settings: Settings, selection: str = "all") -> list[Maintained]:
    return [maintain_table(spark, settings, name) for name in catalogued(spark, selection)]


def maintain_table(spark: SparkSession, settings: Settings, name: str) -> Maintained:
    path = settings.table_path(name)
    hours = getattr(settings.maintenance.retain_hours, name.split(".")[0])
    table = DeltaTable.forPath(spark, path)
    _keep_for(spark, path, hours)
    files_before = table.detail().first().numFiles
    clustered = cluster_columns(name)
    if clustered:  # a table built before it declared them gets them here
        catalog.cluster(spark, path, delta_log(spark, path)[1], clustered)
    columns = zorder_columns(name)
    if columns and files_before > 1:
        table.optimize().executeZOrderBy(*columns)  # Z-order rewrites every file, so only when there are several
    elif not columns:
        # Files below the target size, never one already compacted; on a clustered table, the files not yet
        # clustered, laid out by its clustering columns.
        table.optimize().executeCompaction()
    sql_path = path.replace("`", "``")
    removed = spark.sql(f"VACUUM delta.`{sql_path}` RETAIN {hours} HOURS DRY RUN").count()
    spark.sql(f"VACUUM delta.`{sql_path}` RETAIN {hours} HOURS")
    log_before = _log_entries(spark, path)
    _checkpoint(spark, path)
    return Maintained(
        table=name, files_before=files_before, files_after=table.detail().first().numFiles,
        zorder_by=columns, cluster_by=clustered, removed_files=removed, retain_hours=hours,
        log_entries_before=log_before, log_entries_after=_log_entries(spark, path),
        checkpoint_version=table_version(spark, path),
    )


def _keep_for(spark: SparkSession, path: str, hours: float) -> None:
    """Set the layer's retention on the table, once: a commit only when it differs."""
    wanted = f"interval {hours:g} hours"
    current = DeltaTable.forPath(spark, path).detail().first().properties
    if all(current.get(key) == wanted for key in RETENTION_PROPERTIES):
        return
    settings = ", ".join(f"'{key}' = '{wanted}'" for key in RETENTION_PROPERTIES)
    spark.sql(f"ALTER TABLE delta.`{path.replace('`', '``')}` SET TBLPROPERTIES ({settings})")


def _checkpoint(spark: SparkSession, path: str) -> None:
    """A checkpoint at the latest version, then Delta's cleanup of the log entries past retention.

    Delta does both after every tenth commit; the Python API has neither, so this calls the JVM.
    """
    log, snapshot = delta_log(spark, path)
    log.checkpointAndCleanUpDeltaLog(snapshot, spark._jvm.scala.Option.empty())


def _log_entries(spark: SparkSession, path: str) -> int:
    """Commit files in the table's ``_delta_log`` (checkpoints and checksums aside)."""
    hadoop = spark._jvm.org.apache.hadoop.fs.Path(f"{path}/_delta_log")
    fs = hadoop.getFileSystem(spark._jsc.hadoopConfiguration())
    return sum(1 for status in fs.listStatus(hadoop) if status.getPath().getName().endswith(".json"))
