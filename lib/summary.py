"""What the command line prints: tables of what was written, read or declared."""
from __future__ import annotations

from typing import Iterable

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from rich.console import Console
from rich.table import Table as RichTable

from lakehouse.lib.config import Settings
from lakehouse.lib.registry import Landing, Table
from lakehouse.lib.runlog import TableRun

LAYERS = ("bronze", "silver", "quarantine", "gold", "ops")


TEXT_COLUMNS = {"source", "table", "layer", "rule", "reads", "key", "grain"}


def _table(title: str, *columns: str) -> RichTable:
    table = RichTable(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, justify="left" if column in TEXT_COLUMNS else "right")
    return table


def print_generation(console: Console, summary: object, landing: str) -> None:
    table = _table(f"Landing zone: {landing}", "source", "files", "records", "bad on purpose")
    for source, counts in summary.sources.items():  # type: ignore[attr-defined]
        table.add_row(source, f"{counts.files:,}", f"{counts.records:,}", f"{counts.bad:,}")
    console.print(table)


def print_run(console: Console, runs: Iterable[TableRun]) -> None:
    table = _table("Run", "table", "batches", "read", "written", "quarantined", "duplicate", "seconds")
    for run in runs:
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
        table.add_row(run.table, str(run.batches), f"{run.rows_read:,}", f"{run.rows_written:,}",
                      f"{run.rows_quarantined:,}", f"{run.rows_duplicate:,}", f"{seconds:.1f}")
    console.print(table)


def print_tables(console: Console, tables: Iterable[Table]) -> None:
    table = _table("Declared tables", "table", "reads", "key", "rules", "grain")
    for declared in tables:
        source = f"landing/{declared.source.folder}" if isinstance(declared.source, Landing) else declared.source
        table.add_row(declared.name, source, ", ".join(declared.key) or "-", str(len(declared.rules)),
                      declared.grain)
    console.print(table)


def print_lakehouse(console: Console, spark: SparkSession, settings: Settings) -> None:
    """Rows per table and layer, quarantine by rule, and where everything is."""
    counts = _table(f"Tables under {settings.paths.lakehouse}", "layer", "table", "rows")
    for layer in LAYERS:
        if not spark.catalog.databaseExists(layer):
            continue
        for entry in sorted(spark.catalog.listTables(layer), key=lambda t: t.name):
            rows = spark.table(f"{layer}.{entry.name}").count()
            counts.add_row(layer, entry.name, f"{rows:,}")
    console.print(counts)
    if spark.catalog.databaseExists("quarantine"):
        by_rule = _table("Quarantine by rule", "table", "rule", "rows")
        for entry in sorted(spark.catalog.listTables("quarantine"), key=lambda t: t.name):
            rules = (spark.table(f"quarantine.{entry.name}")
                     .select(F.explode("failed_rules").alias("rule")).groupBy("rule").count()
                     .orderBy(F.desc("count")).collect())
            for row in rules:
                by_rule.add_row(entry.name, row["rule"], f"{row['count']:,}")
        console.print(by_rule)
    console.print(f"Landing zone: {settings.paths.landing}\nTables: {settings.paths.lakehouse}/<layer>/<table>\n"
                  f"Catalog: {settings.paths.metastore} (spark.sql(\"SELECT * FROM silver.orders\"))")
