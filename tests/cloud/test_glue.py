"""``lakehouse catalog sync``: every gold table in the Glue Data Catalog as Athena reads Delta, against moto's Glue
on loopback, read back with boto3."""
from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import StructType

from lakehouse.lib import registry
from lakehouse.lib.cloud import glue, s3_server
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline
from lakehouse.lib.table_docs import describe

from .conftest import AWS_ENV

GOLD = [table.name for table in registry.select("gold")]


@pytest.fixture(scope="module")
def schemas(spark: SparkSession, settings: Settings) -> dict[str, StructType]:
    """The stored columns, from the declarations (what `lakehouse catalog sync` derives on a local session)."""
    pipeline = Pipeline(spark, settings, "glue")
    return {name: pipeline.stored_schema(registry.get(name)) for name in GOLD}


@pytest.fixture(scope="module")
def catalog(server: s3_server.Server, s3_settings: Settings, schemas: dict[str, StructType],
            monkeypatch_module: pytest.MonkeyPatch) -> Any:
    """The server's Glue, synced once; its client is made as the command makes it (credentials from the
    environment)."""
    for variable, value in AWS_ENV.items():
        monkeypatch_module.setenv(variable, value)
    client = glue.client(s3_settings)
    first = glue.sync(s3_settings, schemas, client)
    assert {item.outcome for item in first} == {"created"} and [item.name for item in first] == GOLD
    return client


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def stored(catalog: Any, settings: Settings, name: str) -> dict[str, Any]:
    return catalog.get_table(DatabaseName=settings.athena.database, Name=name.split(".")[1])["Table"]


def test_the_database_is_created(catalog: Any, s3_settings: Settings) -> None:
    assert catalog.get_database(Name="retail_lakehouse")["Database"]["Name"] == s3_settings.athena.database
    listed = catalog.get_tables(DatabaseName="retail_lakehouse")["TableList"]
    assert sorted(table["Name"] for table in listed) == sorted(name.split(".")[1] for name in GOLD)


@pytest.mark.parametrize("name", GOLD)
def test_each_gold_table_is_delta_at_its_s3_folder_with_typed_described_columns(
        name: str, catalog: Any, s3_settings: Settings, schemas: dict[str, StructType]) -> None:
    table = stored(catalog, s3_settings, name)
    short = name.split(".")[1]
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Parameters"]["table_type"] == "DELTA"
    assert table["StorageDescriptor"]["Location"] == f"s3://lakehouse-lake/lakehouse/gold/{short}/"
    assert table["PartitionKeys"] == []
    comments = describe(registry.get(name)).columns
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        (field.name, field.dataType.simpleString()) for field in schemas[name].fields]
    for column in table["StorageDescriptor"]["Columns"]:
        assert column["Comment"] and len(column["Comment"].encode()) <= 255
        assert comments[column["Name"]].startswith(column["Comment"].removesuffix(" …"))


def test_daily_sales_reads_as_written_by_hand(catalog: Any, s3_settings: Settings) -> None:
    columns = {c["Name"]: (c["Type"], c["Comment"])
               for c in stored(catalog, s3_settings, "gold.daily_sales")["StorageDescriptor"]["Columns"]}
    assert columns["date"] == ("date", "order date (UTC) of the order")
    assert columns["revenue_usd"][0] == "decimal(18,2)"
    assert columns["units"][0] == "bigint"


def test_a_long_description_is_cut_to_glues_255_bytes_at_a_word(catalog: Any, s3_settings: Settings) -> None:
    columns = {c["Name"]: c["Comment"]
               for c in stored(catalog, s3_settings, "gold.server_health_minute")["StorageDescriptor"]["Columns"]}
    assert len(describe(registry.get("gold.server_health_minute")).columns["p95_response_ms"].encode()) > 255
    assert columns["p95_response_ms"].endswith(" …") and len(columns["p95_response_ms"].encode()) <= 255


def test_a_second_sync_changes_nothing(catalog: Any, s3_settings: Settings, schemas: dict[str, StructType]) -> None:
    before = {name: stored(catalog, s3_settings, name) for name in GOLD}
    again = glue.sync(s3_settings, schemas, catalog)
    assert {item.outcome for item in again} == {"unchanged"}
    assert {name: stored(catalog, s3_settings, name) for name in GOLD} == before


def test_a_table_changed_by_hand_is_put_back(catalog: Any, s3_settings: Settings,
                                            schemas: dict[str, StructType]) -> None:
    table = registry.get("gold.daily_sales")
    edited = glue.table_input(s3_settings, table, schemas[table.name])
    edited["Parameters"] = {"EXTERNAL": "TRUE"}
    edited["StorageDescriptor"]["Location"] = "s3://elsewhere/daily_sales/"
    catalog.update_table(DatabaseName="retail_lakehouse", TableInput=edited)
    outcomes = {item.name: item.outcome for item in glue.sync(s3_settings, schemas, catalog)}
    assert outcomes["gold.daily_sales"] == "updated"
    assert set(outcomes.values()) == {"updated", "unchanged"}
    put_back = stored(catalog, s3_settings, "gold.daily_sales")
    assert put_back["Parameters"]["table_type"] == "DELTA"
    assert put_back["StorageDescriptor"]["Location"] == "s3://lakehouse-lake/lakehouse/gold/daily_sales/"
