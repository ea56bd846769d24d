"""Delta tables at ``<root>/<layer>/<table>``, registered in the catalog as ``<layer>.<table>``."""
from __future__ import annotations

from typing import Mapping

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql.types import StructType

from lakehouse.lib.config import Settings

# Readers other than Spark (Athena, Trino, delta-rs) read these; keep to widely supported features.
SILVER_PROPERTIES = {"delta.enableChangeDataFeed": "true"}


_ensured: set[tuple[str, str]] = set()


def ensure(spark: SparkSession, settings: Settings, name: str, schema: StructType,
           properties: Mapping[str, str] | None = None) -> str:
    """Create the table if it does not exist (empty, with this schema) and register it; return its path.

    Once a table is known to exist at a path, later calls in the same application return at once.
    """
    layer = name.split(".")[0]
    path = settings.table_path(name)
    if (spark.sparkContext.applicationId, path) in _ensured:
        return path
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {layer}")
    builder = DeltaTable.createIfNotExists(spark).tableName(name).location(path).addColumns(schema)
    for key, value in (properties or {}).items():
        builder = builder.property(key, value)
    builder.execute()
    _ensured.add((spark.sparkContext.applicationId, path))
    return path
