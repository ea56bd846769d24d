"""Figure 5: gold refreshed incrementally after a 1% change vs gold rebuilt whole.

Everything is built once. Then, before each pair, a fresh 1% change lands (see
``landed_change``) and bronze and silver take it in. The lakehouse is copied: the
candidate, ``Pipeline(..., full_refresh=False)``, refreshes gold in the original, the
baseline, ``full_refresh=True``, rebuilds gold in the copy, so both start from the same
state. The original, refreshed incrementally, carries on to the next pair.
"""
from __future__ import annotations

import shutil
from typing import Callable

from pyspark.sql import SparkSession
from rich.console import Console

from bench import workspace
from bench.landed_change import LandedChange, land_change
from bench.pairs import Comparison, Run, Side, timed_pairs
from bench.progress import pair_printer
from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline, run_tables

TITLE = "Gold after a 1% change: incremental refresh vs full rebuild"
TARGET = 0.3
CHANGED = ("bronze.orders", "bronze.clickstream", "silver.orders", "silver.clickstream")


def build_everything(spark: SparkSession, lake: Settings) -> None:
    tables = registry.select("all")
    workspace.point_catalog_at(spark, lake, tables)
    run_tables(Pipeline(spark, lake, "bench-gold-build"), tables, "batch")


def take_in_change(spark: SparkSession, lake: Settings, pair: int) -> LandedChange:
    """Land change ``pair`` and run bronze and silver over it (not gold)."""
    change = land_change(spark, lake, pair)
    tables = [registry.get(name) for name in CHANGED]
    workspace.point_catalog_at(spark, lake, tables)
    run_tables(Pipeline(spark, lake, f"bench-gold-change-{pair}"), tables, "batch")
    return change


def copy_of(lake: Settings, pair: int) -> Settings:
    folder = workspace.runs_folder(lake) / f"gold-full-{pair}"
    shutil.copytree(lake.paths.lakehouse, folder)
    return workspace.at_lakehouse(lake, folder)


def gold_side(spark: SparkSession, lake_of_pair: Callable[[int], Settings], full_refresh: bool,
              rows_written: dict[str, int]) -> Side:
    """Gold in batch mode; ``rows_written[name]`` keeps what its latest run wrote, to show it did less."""
    gold = registry.select("gold")
    name = f"gold, full_refresh={full_refresh}"

    def setup(pair: int) -> Run:
        lake = lake_of_pair(pair)
        workspace.point_catalog_at(spark, lake, gold)
        pipeline = Pipeline(spark, lake, f"bench-gold-{pair}", full_refresh=full_refresh)

        def run() -> None:
            rows_written[name] = sum(table_run.rows_written for table_run in run_tables(pipeline, gold, "batch"))

        return run

    return Side(name, setup)


def measure(spark: SparkSession, settings: Settings, pairs: int, console: Console) -> Comparison:
    state = workspace.at_lakehouse(settings, workspace.runs_folder(settings) / "gold-incremental")
    with console.status("gold: building every table once"):
        build_everything(spark, state)
    copies: dict[int, Settings] = {}
    changes: list[LandedChange] = []

    def before_pair(pair: int) -> None:
        workspace.forget_tables(spark)  # before its folders go: the catalog may point into the last copy
        for copy in copies.values():
            shutil.rmtree(copy.paths.lakehouse, ignore_errors=True)
        changes.append(take_in_change(spark, state, pair))
        copies.clear()
        copies[pair] = copy_of(state, pair)

    rows_written: dict[str, int] = {}
    baseline = gold_side(spark, copies.__getitem__, True, rows_written)
    candidate = gold_side(spark, lambda pair: state, False, rows_written)
    baseline_seconds, candidate_seconds = timed_pairs(pairs, baseline, candidate, before_pair,
                                                      pair_printer(console, "gold refresh", pairs))
    return Comparison(TITLE, baseline.name, candidate.name, TARGET, baseline_seconds, candidate_seconds,
                      (change_note(changes[-1]), written_note(rows_written, baseline.name, candidate.name)))


def change_note(change: LandedChange) -> str:
    return (f"Each pair's change: {change.orders:,} order status changes (the latest orders) and "
            f"{change.events:,} more clickstream events (the latest day), run through bronze and silver first.")


def written_note(rows_written: dict[str, int], baseline: str, candidate: str) -> str:
    return (f"Gold rows written in the last pair: {rows_written[candidate]:,} incrementally, "
            f"{rows_written[baseline]:,} by the full rebuild.")
