"""Athena DDL for the gold tables: each read natively as a Delta table, described from its declaration.

Athena reads a Delta table's columns from its transaction log, and its ``CREATE EXTERNAL TABLE``
for Delta takes nothing but ``LOCATION`` and ``table_type``; so the grain and the column
descriptions go into the comment above each statement, for whoever runs or reads it.
"""
from __future__ import annotations

from pathlib import Path

from lakehouse.lib.config import Settings
from lakehouse.lib.registry import Table
from lakehouse.lib.table_docs import describe, write_per_gold_table


def location(settings: Settings, table: Table) -> str:
    """The table's folder as S3 names it: Hadoop's ``s3a://`` is ``s3://`` to Glue and Athena."""
    path = settings.table_path(table.name)
    return ("s3://" + path.removeprefix("s3a://") if path.startswith("s3a://") else path) + "/"


def ddl(settings: Settings, table: Table) -> str:
    doc = describe(table)
    width = max(map(len, doc.columns), default=0)
    lines = [f"-- {table.name}: {doc.grain}", "-- Columns (read from the Delta log):",
             *[f"--   {name:<{width}}  {text}" for name, text in doc.columns.items()]]
    statement = (f"CREATE EXTERNAL TABLE `{settings.athena.database}`.`{table.short_name}`\n"
                 f"LOCATION '{location(settings, table)}'\n"
                 "TBLPROPERTIES ('table_type' = 'DELTA');")
    return "\n".join([*lines, statement]) + "\n"


def write_ddl(settings: Settings, out: Path) -> list[Path]:
    """One ``<table>.sql`` per gold table into ``out``."""
    return write_per_gold_table(out, ".sql", lambda table: ddl(settings, table))
