"""Figure 1: the pipeline's bronze ingest of clickstream vs plain Spark reading the same files.

Baseline: ``spark.read.schema(<the bronze fields, all strings>).json(<landing>/clickstream)``
(recursive file lookup) written to Parquet. Candidate: ``run_tables`` on ``bronze.clickstream``
in batch mode (line reading, JSON parsing, rescued fields, lineage, Delta append, checkpoint,
run log). Both write to a fresh folder in every pair.
"""
from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql.types import StringType, StructField, StructType
from rich.console import Console

from bench import workspace
from bench.pairs import Comparison, Run, Side, timed_pairs
from bench.progress import pair_printer
from lakehouse.bronze.clickstream import FIELDS
from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.fields import names
from lakehouse.lib.runner import Pipeline, run_tables

TITLE = "Bronze ingest: pipeline vs plain Spark (clickstream JSON)"
TARGET = 1.15
TABLE = "bronze.clickstream"


def plain_ingest(spark: SparkSession, landing: str, output: Path) -> None:
    """The plainest way to land the same files: every expected field as a string, into Parquet."""
    schema = StructType([StructField(name, StringType()) for name in names(FIELDS)])
    (spark.read.schema(schema).option("recursiveFileLookup", "true").json(f"{landing}/clickstream")
     .write.parquet(str(output)))


def plain_side(spark: SparkSession, settings: Settings) -> Side:
    def setup(pair: int) -> Run:
        output = workspace.runs_folder(settings) / f"bronze-plain-{pair}"
        return lambda: plain_ingest(spark, settings.paths.landing, output)

    return Side("plain Spark to Parquet", setup)


def pipeline_side(spark: SparkSession, settings: Settings) -> Side:
    table = registry.get(TABLE)

    def setup(pair: int) -> Run:
        lake = workspace.at_lakehouse(settings, workspace.runs_folder(settings) / f"bronze-pipeline-{pair}")
        workspace.point_catalog_at(spark, lake, [table])
        return lambda: run_tables(Pipeline(spark, lake, f"bench-bronze-{pair}"), [table], "batch")

    return Side(f"pipeline, {TABLE} (batch)", setup)


def measure(spark: SparkSession, settings: Settings, pairs: int, console: Console) -> Comparison:
    baseline, candidate = plain_side(spark, settings), pipeline_side(spark, settings)
    baseline_seconds, candidate_seconds = timed_pairs(pairs, baseline, candidate,
                                                      on_pair=pair_printer(console, "bronze ingest", pairs))
    return Comparison(TITLE, baseline.name, candidate.name, TARGET, baseline_seconds, candidate_seconds)
