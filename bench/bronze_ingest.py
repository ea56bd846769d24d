"""Figures 1 and 2: the pipeline's bronze ingest of clickstream vs plain Spark reading the same files.

Candidate: ``run_tables`` on ``bronze.clickstream`` in batch mode (line reading, JSON
parsing, rescued fields, lineage, Delta append, checkpoint, run log). Baselines, each in
pairs of its own against the candidate:

- 1, the plainest job with the same promise of keeping bad lines: Spark's JSON reader in
  PERMISSIVE mode, every expected field a string plus a corrupt-record column, appended to
  a Delta table that, like bronze, keeps no per-column statistics on text;
- 2, the plainest copy at all: the same reader without the corrupt-record column, to Parquet.

Every run writes to a fresh folder.
"""
from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
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

TITLE = "Bronze ingest: pipeline vs plain Spark JSON (PERMISSIVE) to Delta (clickstream)"
TARGET = 1.5
PARQUET_TITLE = "Bronze ingest: pipeline vs plain Spark JSON to Parquet (clickstream)"
PARQUET_TARGET = None
TABLE = "bronze.clickstream"
CORRUPT = "_corrupt_record"


def plain_read(spark: SparkSession, landing: str, keep_bad_lines: bool) -> DataFrame:
    """Every expected field as a string; with ``keep_bad_lines``, a line that does not parse in ``_corrupt_record``."""
    fields = [StructField(name, StringType()) for name in names(FIELDS)]
    reader = spark.read.option("recursiveFileLookup", "true")
    if keep_bad_lines:
        fields.append(StructField(CORRUPT, StringType()))
        reader = reader.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT)
    return reader.schema(StructType(fields)).json(f"{landing}/clickstream")


def delta_side(spark: SparkSession, settings: Settings) -> Side:
    def setup(pair: int) -> Run:
        output = workspace.runs_folder(settings) / f"bronze-plain-delta-{pair}"
        columns = ", ".join(f"`{name}` string" for name in [*names(FIELDS), CORRUPT])
        spark.sql(f"CREATE TABLE delta.`{output}` ({columns}) USING DELTA "
                  "TBLPROPERTIES ('delta.dataSkippingNumIndexedCols' = '0')")
        return lambda: (plain_read(spark, settings.paths.landing, keep_bad_lines=True)
                        .write.format("delta").mode("append").save(str(output)))

    return Side("plain Spark JSON reader (PERMISSIVE, corrupt-record column) to Delta", setup)


def parquet_side(spark: SparkSession, settings: Settings) -> Side:
    def setup(pair: int) -> Run:
        output: Path = workspace.runs_folder(settings) / f"bronze-plain-parquet-{pair}"
        return lambda: plain_read(spark, settings.paths.landing, keep_bad_lines=False).write.parquet(str(output))

    return Side("plain Spark JSON reader to Parquet", setup)


def pipeline_side(spark: SparkSession, settings: Settings, label: str) -> Side:
    table = registry.get(TABLE)

    def setup(pair: int) -> Run:
        folder = workspace.runs_folder(settings) / f"bronze-pipeline-{label}-{pair}"
        lake = workspace.at_lakehouse(settings, folder)
        workspace.point_catalog_at(spark, lake, [table])
        return lambda: run_tables(Pipeline(spark, lake, f"bench-bronze-{label}-{pair}"), [table], "batch")

    return Side(f"pipeline, {TABLE} (batch)", setup)


def measure(spark: SparkSession, settings: Settings, pairs: int, console: Console) -> list[Comparison]:
    figures = []
    for title, target, baseline, label in [
        (TITLE, TARGET, delta_side(spark, settings), "delta"),
        (PARQUET_TITLE, PARQUET_TARGET, parquet_side(spark, settings), "parquet"),
    ]:
        candidate = pipeline_side(spark, settings, label)
        baseline_seconds, candidate_seconds = timed_pairs(
            pairs, baseline, candidate, on_pair=pair_printer(console, f"bronze ingest vs {label}", pairs))
        figures.append(Comparison(title, baseline.name, candidate.name, target, baseline_seconds, candidate_seconds))
    return figures
