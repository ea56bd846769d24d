"""Figures 3 and 4: silver with every rule and the quarantine split, then also with its table-level checks,
vs the same silver without rules.

Both sides read the same, already built ``bronze.clickstream`` (copied into a fresh
lakehouse each time, with the ``silver.products`` its reference check reads) and run
``silver.clickstream`` in batch mode. The candidate is the declaration as it is; the
baseline is ``dataclasses.replace(table, rules=())`` with its output made what the checked
table stores (lineage columns dropped, personal data pseudonymised, both of which the runner
does for checked tables only), so both write the same columns and the difference is
checking, splitting and quarantining. Figure 3 validates no table-level check on either
side; figure 4's candidate validates them after the run, as every batch run does
(``quality.validate_tables``), and its time includes waiting for them.
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
CHECKS_TITLE = "Silver with rules, quarantine split and table-level checks vs without rules (clickstream)"
CHECKS_TARGET = 1.25
SOURCE = "bronze.clickstream"
TABLE = "silver.clickstream"
PRODUCTS = ("bronze.products", "silver.products")  # what the reference check product_id_found_in_products reads
PASSES = ("Passes over the data: without rules, the bronze input is read once and written; with rules, it is "
          "read once into one cached batch, checked and planned, that the counts, the split and both writes reuse; "
          "the table-level checks then read the stored silver table once into a cache, and each of GX's "
          "expectations passes over that cache (its aggregate ones together), the reference check also over "
          "silver.products.")


def as_stored(table: Table, key: bytes) -> Transform:
    """The transformation, its output as the checked table stores it, without any check."""
    def stored(*inputs: DataFrame) -> DataFrame:
        return pseudonymise(table.transform(*inputs).drop(*NOT_STORED), table.pseudonyms, key)

    return stored


def without_rules(table: Table, settings: Settings) -> Table:
    return replace(table, rules=(), transform=as_stored(table, settings.pseudonym_key()))


def validating(settings: Settings, validate_tables: bool) -> Settings:
    quality = settings.quality.model_copy(update={"validate_tables": validate_tables})
    return settings.model_copy(update={"quality": quality})


def built_bronze(spark: SparkSession, settings: Settings) -> Settings:
    """A lakehouse holding ``bronze.clickstream`` and the product catalog built from the bench's landing zone,
    once."""
    lake = validating(workspace.at_lakehouse(settings, workspace.runs_folder(settings) / "silver-bronze"), False)
    tables = [registry.get(name) for name in (SOURCE, *PRODUCTS)]
    workspace.point_catalog_at(spark, lake, tables)
    run_tables(Pipeline(spark, lake, "bench-silver-bronze"), tables, "batch")
    return lake


def lake_with_bronze(spark: SparkSession, bronze: Settings, folder: Path, table: Table,
                     validate_tables: bool = False) -> Settings:
    """A fresh lakehouse with a copy of the built tables, its catalog pointed at it."""
    shutil.rmtree(folder, ignore_errors=True)  # figures 3 and 4 use the same folders, one after the other
    lake = validating(workspace.at_lakehouse(bronze, folder), validate_tables)
    for name in (SOURCE, PRODUCTS[1]):
        shutil.copytree(bronze.table_path(name), lake.table_path(name))
    workspace.point_catalog_at(spark, lake, [table])
    return lake


def silver_side(spark: SparkSession, bronze: Settings, table: Table, label: str,
                validate_tables: bool = False) -> Side:
    def setup(pair: int) -> Run:
        folder = workspace.runs_folder(bronze) / f"silver-{label}-{pair}"
        lake = lake_with_bronze(spark, bronze, folder, table, validate_tables)
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


def measure_with_checks(spark: SparkSession, settings: Settings, pairs: int, console: Console) -> Comparison:
    """Figure 4: the same pair, the candidate also validating its table-level checks after the run."""
    table = registry.get(TABLE)
    bronze = built_bronze(spark, settings)
    baseline = silver_side(spark, bronze, without_rules(table, settings), "without-rules")
    candidate = silver_side(spark, bronze, table, "with-rules-and-checks", validate_tables=True)
    baseline_seconds, candidate_seconds = timed_pairs(pairs, baseline, candidate,
                                                      on_pair=pair_printer(console, "silver checks", pairs))
    checks = ", ".join(check.name for check in table.table_checks)
    return Comparison(CHECKS_TITLE, baseline.name, candidate.name, CHECKS_TARGET, baseline_seconds,
                      candidate_seconds, (f"{TABLE}'s table-level checks: {checks}.", PASSES))
