"""A refresh's touched dates reach the reads of its inputs: Delta skips every file whose date range misses them.

``Pipeline.rebuild`` filters a table's output by the touched values; Catalyst must carry that
filter through the table's joins and aggregations down to each input scan that reads the
input's date, or the refresh reads every file of that input whatever the change; and the input
must be clustered by that column (``cluster_by``), or a lakehouse built in one batch holds every
date in every file even after ``lakehouse maintain``. Checked on the physical plan of each gold
table refreshed by ``date``, over empty Delta tables of silver's stored shapes.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import DateType, StructType

from lakehouse.lib import incremental, registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline
from tests.gold.conftest import SILVER_SCHEMAS

# Each silver table's date column, the one a gold table's ``date`` comes from.
DATES = {"orders": "order_date", "clickstream": "event_date", "reviews": "review_date", "search": "search_date"}
TOUCHED = date(2026, 11, 21)
REFRESHED_BY_DATE = sorted(t.name for t in registry.select("gold") if t.refresh and t.refresh.column == "date")
SCAN = re.compile(r"FileScan parquet \[(?P<columns>[^\]]*)\].*DataFilters: \[(?P<filters>[^\]]*)\].*"
                  r"Location: \w+\(\d+ paths?\)\[[^\]]*/silver/(?P<table>\w+)\]")


@pytest.fixture(scope="module")
def silver_tables(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The silver tables these gold tables read, empty, as Delta tables under ``<folder>/silver``."""
    folder = tmp_path_factory.mktemp("refresh-reads")
    for name in {name.split(".")[1] for table in REFRESHED_BY_DATE for name in registry.get(table).inputs}:
        spark.createDataFrame([], StructType.fromDDL(SILVER_SCHEMAS[name])).write.format("delta").save(
            str(folder / "silver" / name))
    return folder


@pytest.fixture
def full_plans(spark: SparkSession) -> Iterator[None]:
    """Plans printed with their filters whole (Spark cuts them at 100 characters)."""
    spark.conf.set("spark.sql.maxMetadataStringLength", "10000")
    yield
    spark.conf.unset("spark.sql.maxMetadataStringLength")


@pytest.mark.usefixtures("full_plans")
@pytest.mark.parametrize("name", REFRESHED_BY_DATE)
def test_the_touched_dates_filter_every_read_of_an_inputs_date(spark: SparkSession, settings: Settings,
                                                                silver_tables: Path, name: str) -> None:
    table = registry.get(name)
    pipeline = Pipeline(spark, settings, "test-refresh-reads")
    inputs = [spark.read.format("delta").load(str(silver_tables / "silver" / input_name.split(".")[1]))
              for input_name in table.inputs]
    touched = incremental.touched_predicate(spark.createDataFrame([(TOUCHED,)], "date date"), "date",
                                            DateType())  # as Pipeline.rebuild makes it
    refreshed = pipeline.valid_rows(table, pipeline.output(table, *inputs)).where(touched)
    plan = refreshed._jdf.queryExecution().executedPlan().toString()
    scans = [found for found in map(SCAN.search, plan.splitlines()) if found]
    assert scans, plan
    dated = [(scan["table"], scan["filters"]) for scan in scans
             if re.search(rf"\b{DATES.get(scan['table'], '-')}#", scan["columns"])]
    assert dated, f"{name} reads no input's date:\n{plan}"
    unfiltered = [read for read, filters in dated
                  if not re.search(rf"\({DATES[read]}#\d+ = {TOUCHED}\)", filters)]
    assert unfiltered == [], f"{name} reads {unfiltered} whole:\n{plan}"
    filtered_by = {(scan["table"], column) for scan in scans
                   for column in re.findall(rf"\((\w+)#\d+ = {TOUCHED}\)", scan["filters"])}
    unclustered = {(read, column) for read, column in filtered_by
                   if registry.get(f"silver.{read}").cluster_by[:1] != (column,)}
    assert unclustered == set(), f"{name}: inputs not clustered by the column the touched dates filter"
