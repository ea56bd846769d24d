"""The gold tables for analysts: every column described once in its declaration, and the Athena DDL and
Tableau data sources made from it, committed as generated."""
from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import StructType

from lakehouse.lib import config, registry
from lakehouse.lib.cloud import athena, tableau
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline
from lakehouse.lib.table_docs import describe

REPO = Path(__file__).resolve().parents[2]
GOLD = [table.name for table in registry.select("gold")]


@pytest.fixture(scope="module")
def prod() -> Settings:
    return config.load("prod")


@pytest.fixture(scope="module")
def schemas(spark: SparkSession, settings: Settings) -> dict[str, StructType]:
    pipeline = Pipeline(spark, settings, "docs")
    return {name: pipeline.stored_schema(registry.get(name)) for name in GOLD}


@pytest.mark.parametrize("name", GOLD)
def test_every_gold_table_declares_its_grain_and_describes_every_stored_column(
        name: str, schemas: dict[str, StructType]) -> None:
    doc = describe(registry.get(name))
    assert doc.grain.startswith("one row per")
    assert list(doc.columns) == schemas[name].names
    assert all(text.strip() for text in doc.columns.values())


def test_the_committed_athena_ddl_is_what_the_declarations_give(prod: Settings, tmp_path: Path) -> None:
    athena.write_ddl(prod, tmp_path)
    fresh = {path.name: path.read_text() for path in tmp_path.iterdir()}
    committed = {path.name: path.read_text() for path in (REPO / "docs" / "athena").iterdir()}
    assert fresh == committed, "run `make catalog-docs` and commit docs/athena"


def test_athena_reads_each_gold_table_as_delta_at_its_s3_folder(prod: Settings) -> None:
    statement = athena.ddl(prod, registry.get("gold.daily_sales"))
    assert statement.endswith("CREATE EXTERNAL TABLE `retail_lakehouse`.`daily_sales`\n"
                              "LOCATION 's3://retail-lakehouse-prod-lake/lakehouse/gold/daily_sales/'\n"
                              "TBLPROPERTIES ('table_type' = 'DELTA');\n")
    assert "--   revenue_usd     sum of line revenue in USD" in statement


def test_the_committed_tableau_data_sources_are_what_the_declarations_give(
        prod: Settings, schemas: dict[str, StructType], tmp_path: Path) -> None:
    tableau.write_data_sources(prod, schemas, tmp_path)
    fresh = {path.name: path.read_text() for path in tmp_path.iterdir()}
    committed = {path.name: path.read_text() for path in (REPO / "docs" / "tableau").iterdir()}
    assert fresh == committed, "run `make catalog-docs` and commit docs/tableau"


@pytest.mark.parametrize("name", GOLD)
def test_each_tableau_data_source_connects_to_athena_with_every_column_described(
        name: str, schemas: dict[str, StructType]) -> None:
    table = registry.get(name)
    root = ElementTree.parse(REPO / "docs" / "tableau" / f"{table.short_name}.tds").getroot()
    connection = root.find("connection")
    assert (root.tag, connection.get("class"), connection.get("server")) == (
        "datasource", "athena", "athena.eu-west-1.amazonaws.com")
    assert connection.get("s3-staging-dir") == "s3://retail-lakehouse-prod-athena-results/"
    assert connection.find("relation").get("table") == f"[retail_lakehouse].[{table.short_name}]"
    columns = {c.get("name"): c for c in root.findall("column")}
    assert list(columns) == [f"[{n}]" for n in schemas[name].names]
    described = describe(table).columns
    assert {n: c.findtext("desc/formatted-text/run") for n, c in columns.items()} == {
        f"[{n}]": text for n, text in described.items()}


def test_tableau_types_and_roles_follow_the_stored_columns(schemas: dict[str, StructType]) -> None:
    root = ElementTree.parse(REPO / "docs" / "tableau" / "daily_sales.tds").getroot()
    kinds = {c.get("name"): (c.get("datatype"), c.get("role")) for c in root.findall("column")}
    assert kinds["[date]"] == ("date", "dimension") and kinds["[country]"] == ("string", "dimension")
    assert kinds["[revenue_usd]"] == ("real", "measure") and kinds["[units]"] == ("integer", "measure")
