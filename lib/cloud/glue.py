"""The gold tables in the AWS Glue Data Catalog, where Athena reads each natively as a Delta table.

Athena takes a Glue table whose ``table_type`` parameter is ``DELTA`` as a Delta table at its
location and reads the columns from the Delta log; the columns written here are for whoever
browses the catalog (Glue's console, Lake Formation, Tableau's column list), typed from the
stored schema and described from the table's declaration (lib/table_docs.py), the same source
as the Athena DDL. ``sync`` is idempotent: a table already as declared is left alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from pyspark.sql.types import StructType

from lakehouse.lib import registry
from lakehouse.lib.cloud.athena import location
from lakehouse.lib.config import Settings
from lakehouse.lib.registry import Table
from lakehouse.lib.table_docs import describe

# Glue's limits: a column comment of at most 255 bytes, a table description of at most 2048.
COMMENT_BYTES = 255
DESCRIPTION_BYTES = 2048
PARAMETERS = {"table_type": "DELTA", "EXTERNAL": "TRUE"}


@dataclass(frozen=True)
class Synced:
    name: str
    outcome: Literal["created", "updated", "unchanged"]


def shortened(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-8 bytes, cut at a word with an ellipsis when longer."""
    if len(text.encode()) <= limit:
        return text
    kept = text.encode()[:limit - len(" …".encode())].decode(errors="ignore")
    return kept.rsplit(" ", 1)[0] + " …"


def table_input(settings: Settings, table: Table, schema: StructType) -> dict[str, Any]:
    """Glue's ``TableInput`` for one gold table: Delta at its S3 folder, Hive-typed columns with comments."""
    doc = describe(table)
    folder = location(settings, table)
    return {
        "Name": table.short_name,
        "Description": shortened(doc.grain, DESCRIPTION_BYTES),
        "TableType": "EXTERNAL_TABLE",
        "Parameters": dict(PARAMETERS),
        "PartitionKeys": [],  # Athena wants the list, empty, on a table without partitions
        "StorageDescriptor": {
            "Location": folder,
            "Columns": [{"Name": field.name, "Type": field.dataType.simpleString(),
                         "Comment": shortened(doc.columns.get(field.name, ""), COMMENT_BYTES)}
                        for field in schema.fields],
            "SerdeInfo": {"Parameters": {"path": folder}},
        },
    }


def _as_declared(found: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """``found`` (GetTable's table) holds what ``wanted`` declares; fields Glue adds of its own do not count."""
    storage = found.get("StorageDescriptor", {})
    return (all(found.get(key) == value for key, value in wanted.items() if key != "StorageDescriptor")
            and all(storage.get(key) == value for key, value in wanted["StorageDescriptor"].items()))


def sync(settings: Settings, schemas: Mapping[str, StructType], glue: Any) -> list[Synced]:
    """Create ``athena.database`` if missing, then create, update or leave each gold table as declared.

    ``glue`` is a boto3 Glue client; ``schemas`` gives each gold table's stored columns.
    """
    database = settings.athena.database
    try:
        glue.get_database(Name=database)
    except glue.exceptions.EntityNotFoundException:
        glue.create_database(DatabaseInput={"Name": database, "Description": "Gold tables of the retail lakehouse "
                                                                          "(lakehouse catalog sync)"})
    synced = []
    for table in registry.select("gold"):
        wanted = table_input(settings, table, schemas[table.name])
        try:
            found = glue.get_table(DatabaseName=database, Name=table.short_name)["Table"]
        except glue.exceptions.EntityNotFoundException:
            glue.create_table(DatabaseName=database, TableInput=wanted)
            synced.append(Synced(table.name, "created"))
            continue
        if _as_declared(found, wanted):
            synced.append(Synced(table.name, "unchanged"))
        else:
            glue.update_table(DatabaseName=database, TableInput=wanted)
            synced.append(Synced(table.name, "updated"))
    return synced


def client(settings: Settings) -> Any:
    """A Glue client for ``athena.region`` (and ``athena.glue_endpoint``, a local server's); credentials from
    the AWS SDK's default chain."""
    import boto3

    return boto3.client("glue", region_name=settings.athena.region, endpoint_url=settings.athena.glue_endpoint)
