"""Landed lines built inline, shaped as the landing reader gives them."""
from __future__ import annotations

from typing import Callable

import pytest
from pyspark.sql import DataFrame, SparkSession

from lakehouse.lib.sources.landing import LINE_SCHEMA

Lines = Callable[..., DataFrame]


@pytest.fixture
def lines(spark: SparkSession) -> Lines:
    """``lines("a", "b", origin=..., block_start=...)``: one row per line of one file part, in order."""

    def build(*raw: str, origin: str = "file:/landing/x/part-1", block_start: int = 0) -> DataFrame:
        return spark.createDataFrame([(line, origin, None, None, block_start, None) for line in raw], LINE_SCHEMA)

    return build
