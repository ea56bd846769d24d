"""How many times the checked silver run reads each input row: once, when the checked batch is cached.

The transformation's input passes through a Python UDF that counts every row it sees in an
accumulator; rows counted divided by rows read is how often Spark computed the input.
Counting slows the run down, so this is a separate, untimed run.
"""
from __future__ import annotations

from dataclasses import replace

from pyspark import Accumulator
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType

from lakehouse.lib.config import Settings
from lakehouse.lib.registry import Table, Transform
from lakehouse.lib.runner import Pipeline, run_tables


def counting_input(transform: Transform, counter: Accumulator) -> Transform:
    """The same transformation, its input counted row by row each time Spark computes it."""
    def count_row(_: int) -> bool:
        counter.add(1)
        return True

    seen = F.udf(count_row, BooleanType()).asNondeterministic()

    def counted(source: DataFrame) -> DataFrame:
        return transform(source.where(seen(F.lit(1))))

    return counted


def reads_per_row(spark: SparkSession, lake: Settings, table: Table) -> str:
    """One line saying how many times each input row was computed in a checked run of ``table``."""
    counter = spark.sparkContext.accumulator(0)
    counted = replace(table, transform=counting_input(table.transform, counter))
    run = run_tables(Pipeline(spark, lake, "bench-read-once"), [counted], "batch")[0]
    times = counter.value / run.rows_read if run.rows_read else float("nan")
    return (f"{table.name} with rules reads its input once per batch: {counter.value:,} rows computed for "
            f"{run.rows_read:,} rows read in {run.batches} batch(es), {times:.2f} times each "
            f"(the checked batch is cached, see Pipeline._checked_batch).")
