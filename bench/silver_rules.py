"""Figure 3: silver with every rule and the quarantine split vs the same silver without rules.

Both sides read the same, already built ``bronze.clickstream`` (copied into a fresh
lakehouse each time) and run ``silver.clickstream`` in batch mode. The candidate is the
declaration as it is; the baseline is ``dataclasses.replace(table, rules=())`` with its
output made what the checked table stores (lineage columns dropped, personal data
pseudonymised, both of which the runner does for checked tables only), so both write the
same columns and the difference is checking, splitting and quarantining.
"""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from rich.console import Console

from bench import read_once, workspace
from bench.pairs import Comparison, Run, Side, timed_pairs
from bench.progress import pair_printer
from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.pseudonyms import pseudonymise
from lakehouse.lib.registry import Table, Transform
from lakehouse.lib.runner import NOT_STORED, Pipeline, run_tables

TITLE = "Silver with rules and quarantine split vs without rules (clickstream)"
TARGET = 1.2
SOURCE = "bronze.clickstream"
TABLE = "silver.clickstream"


def as_stored(table: Table, key: bytes) -> Transform:
    """The transformation, its output as the checked table stores it, without any check."""
    def stored(*inputs: DataFrame) -> DataFrame:
        return pseudonymise(table.transform(*inputs).drop(*NOT_STORED), table.pseudonyms, key)

    return stored


def without_rules(table: Table, settings: Settings) -> Table:
    return replace(table, rules=(), transform=as_stored(table, settings.pseudonym_key()))


def built_bronze(spark: SparkSession, settings: Settings) -> Settings:
    """A lakehouse holding ``bronze.clickstream`` built from the bench's landing zone, once."""
    lake = workspace.at_lakehouse(settings, workspace.runs_folder(settings) / "silver-bronze")
    source = registry.get(SOURCE)
    workspace.point_catalog_at(spark, lake, [source])
    run_tables(Pipeline(spark, lake, "bench-silver-bronze"), [source], "batch")
    return lake


def lake_with_bronze(spark: SparkSession, bronze: Settings, folder: Path, table: Table) -> Settings:
    """A fresh lakehouse with a copy of the built bronze table, its catalog pointed at it."""
    lake = workspace.at_lakehouse(bronze, folder)
    shutil.copytree(bronze.table_path(SOURCE), lake.table_path(SOURCE))
    workspace.point_catalog_at(spark, lake, [table])
    return lake


def silver_side(spark: SparkSession, bronze: Settings, table: Table, label: str) -> Side:
    def setup(pair: int) -> Run:
        folder = workspace.runs_folder(bronze) / f"silver-{label}-{pair}"
        lake = lake_with_bronze(spark, bronze, folder, table)
        return lambda: run_tables(Pipeline(spark, lake, f"bench-silver-{label}-{pair}"), [table], "batch")

    return Side(f"{TABLE} {label.replace('-', ' ')}", setup)


def read_once_note(spark: SparkSession, bronze: Settings, table: Table) -> str:
    lake = lake_with_bronze(spark, bronze, workspace.runs_folder(bronze) / "silver-read-once", table)
    return read_once.reads_per_row(spark, lake, table)


def measure(spark: SparkSession, settings: Settings, pairs: int, console: Console) -> Comparison:
    table = registry.get(TABLE)
    bronze = built_bronze(spark, settings)
    baseline = silver_side(spark, bronze, without_rules(table, settings), "without-rules")
    candidate = silver_side(spark, bronze, table, "with-rules")
    baseline_seconds, candidate_seconds = timed_pairs(pairs, baseline, candidate,
                                                      on_pair=pair_printer(console, "silver rules", pairs))
    note = read_once_note(spark, bronze, table)
    return Comparison(TITLE, baseline.name, candidate.name, TARGET, baseline_seconds, candidate_seconds, (note,))
