"""Bronze-shaped inline rows for silver transformations, and the rules a row failed."""
from __future__ import annotations

from typing import Sequence

import pytest
from pyspark.sql import DataFrame, SparkSession

from lakehouse.lib import registry
from lakehouse.lib.rules import FAILED_RULES, WARNED_RULES, with_results

METADATA = "_rescued string, _parse_error string, _raw string, _origin string, _ingested_at timestamp"


@pytest.fixture(scope="session")
def bronze(spark: SparkSession):
    def build(fields: Sequence[str], rows: Sequence[dict]) -> DataFrame:
        schema = ", ".join(f"`{name}` string" for name in fields) + ", " + METADATA
        values = [tuple(row.get(name) for name in fields) + (row.get("_rescued"), row.get("_parse_error"),
                                                             "raw", "file:/landing/x", None) for row in rows]
        return spark.createDataFrame(values, schema)

    return build


def failed(table_name: str, bronze_rows: DataFrame, key: str) -> dict[str, set[str]]:
    """Each row's failed rules (quarantine and warn), by the row's key."""
    declared = registry.get(table_name)
    checked = with_results(declared.transform(bronze_rows), declared.rules)
    return {r[key]: set(r[FAILED_RULES]) | set(r[WARNED_RULES]) for r in checked.collect()}
