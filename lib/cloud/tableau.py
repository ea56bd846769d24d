"""Tableau data sources (``.tds``) for the gold tables, over Athena, described from the declarations.

One file per gold table: an Athena connection to the configured region, database and
query-result folder, the table as its one relation, and a ``column`` per stored column with
its Tableau type and role and its description from the table's ``Columns`` block. Key columns
and text are dimensions, the other numbers measures. The grain is a comment at its top.
"""
from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from pyspark.sql.types import (BooleanType, DataType, DateType, DecimalType, DoubleType, FloatType, IntegerType,
                               LongType, ShortType, StructType, TimestampType)

from lakehouse.lib.config import Settings
from lakehouse.lib.registry import Table
from lakehouse.lib.table_docs import describe, write_per_gold_table

NUMBERS = {IntegerType: "integer", LongType: "integer", ShortType: "integer", DoubleType: "real",
           FloatType: "real", DecimalType: "real"}


def datatype(spark_type: DataType) -> str:
    if isinstance(spark_type, tuple(NUMBERS)):
        return NUMBERS[type(spark_type)]
    if isinstance(spark_type, DateType):
        return "date"
    if isinstance(spark_type, TimestampType):
        return "datetime"
    if isinstance(spark_type, BooleanType):
        return "boolean"
    return "string"


def data_source(settings: Settings, table: Table, schema: StructType) -> str:
    athena = settings.athena
    doc = describe(table)
    root = ElementTree.Element("datasource", {"formatted-name": table.name, "inline": "true", "version": "18.1"})
    connection = ElementTree.SubElement(root, "connection", {
        "class": "athena", "server": f"athena.{athena.region}.amazonaws.com", "port": "443",
        "dbname": "AwsDataCatalog", "schema": athena.database, "s3-staging-dir": athena.output_location or "",
        "username": ""})
    ElementTree.SubElement(connection, "relation", {
        "name": table.short_name, "table": f"[{athena.database}].[{table.short_name}]", "type": "table"})
    for field in schema.fields:
        kind = datatype(field.dataType)
        measure = kind in ("integer", "real") and field.name not in table.key
        column = ElementTree.SubElement(root, "column", {
            "name": f"[{field.name}]", "caption": field.name.replace("_", " ").capitalize(), "datatype": kind,
            "role": "measure" if measure else "dimension",
            "type": "quantitative" if measure else ("ordinal" if kind in ("date", "datetime") else "nominal")})
        if field.name in doc.columns:
            text = ElementTree.SubElement(ElementTree.SubElement(column, "desc"), "formatted-text")
            ElementTree.SubElement(text, "run").text = doc.columns[field.name]
    root.insert(0, ElementTree.Comment(f" Grain: {doc.grain.replace('--', '-')} "))
    ElementTree.indent(root)
    return "<?xml version='1.0' encoding='utf-8' ?>\n" + ElementTree.tostring(root, "unicode") + "\n"


def write_data_sources(settings: Settings, schemas: dict[str, StructType], out: Path) -> list[Path]:
    """One ``<table>.tds`` per gold table into ``out``, ``schemas`` giving each table's stored columns."""
    return write_per_gold_table(out, ".tds", lambda table: data_source(settings, table, schemas[table.name]))
