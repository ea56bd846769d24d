"""Silver inputs for gold tests: a few dicts become a DataFrame with the stored silver schema.

Columns a test does not name are NULL. Values may be written as text: ``"2024-03-01 23:59:30"``
for a timestamp (UTC), ``"2024-03-01"`` for a date, ``"12.50"`` for a decimal. The schemas are
written out here, by hand, from the stored silver tables; ``test_gold_declarations.py`` checks
them against what the runner derives, so a silver change that gold has not followed fails loudly.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Mapping, Sequence

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DataType, DateType, DecimalType, StructType, TimestampType

LINEAGE = "_rescued string, _origin string, _ingested_at timestamp, _warnings array<string>"
SILVER_SCHEMAS = {
    "clickstream": "event_id string, event_ts timestamp, event_type string, session_id string, "
                   "customer_id string, product_id string, order_id string, page_url string, referrer string, "
                   "device string, user_agent string, ip string, ip_network string, event_date date, " + LINEAGE,
    "customers": "customer_id string, email string, first_name string, last_name string, phone string, "
                 "birth_date string, country string, city string, postal_code string, signup_ts timestamp, "
                 "marketing_opt_in boolean, updated_at timestamp, " + LINEAGE + ", customer_key string, "
                 "valid_from timestamp, valid_to timestamp, is_current boolean",
    "fx_rates": "date date, currency string, usd_per_unit double, " + LINEAGE,
    "inventory": "event_id string, event_ts timestamp, product_id string, warehouse_id string, "
                 "qty_on_hand int, qty_delta int, reason string, " + LINEAGE,
    "order_items": "order_id string, line_no int, product_id string, quantity int, unit_price decimal(18,2), "
                   "discount decimal(18,2), net_amount decimal(18,2), op string, lsn bigint, "
                   "changed_at timestamp, " + LINEAGE,
    "orders": "order_id string, customer_id string, order_ts timestamp, status string, currency string, "
              "total_amount decimal(18,2), shipping_country string, updated_at timestamp, order_date date, "
              "op string, lsn bigint, changed_at timestamp, " + LINEAGE,
    "products": "product_id string, sku string, name string, category string, subcategory string, brand string, "
                "list_price decimal(18,2), currency string, active boolean, updated_at timestamp, " + LINEAGE,
    "reviews": "review_id string, product_id string, customer_id string, order_id string, rating int, "
               "title string, body string, language string, created_ts timestamp, review_date date, " + LINEAGE,
    "search": "search_id string, search_ts timestamp, session_id string, customer_id string, query string, "
              "results_count int, clicked_product_id string, clicked_position int, query_normalised string, "
              "search_date date, " + LINEAGE,
    "server_logs": "ts timestamp, minute timestamp, ip string, ip_network string, request string, method string, path string, "
                   "protocol string, status int, bytes_sent bigint, referrer string, user_agent string, "
                   "request_time double, response_ms double, " + LINEAGE,
}

Build = Callable[..., DataFrame]


def value_of(value: Any, data_type: DataType) -> Any:
    """Text written in a test as the Python value Spark expects; timestamps are UTC instants."""
    if not isinstance(value, str):
        return value
    if isinstance(data_type, TimestampType):
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
    if isinstance(data_type, DateType):
        return date.fromisoformat(value)
    if isinstance(data_type, DecimalType):
        return Decimal(value)
    return value


def frame(spark: SparkSession, schema: str | StructType, rows: Sequence[Mapping[str, Any]]) -> DataFrame:
    """Rows as dicts over any schema; names a row does not give are NULL, unknown names are an error."""
    struct = schema if isinstance(schema, StructType) else StructType.fromDDL(schema)
    for row in rows:
        unknown = set(row) - set(struct.names)
        if unknown:
            raise KeyError(f"not in the schema: {sorted(unknown)}")
    data = [tuple(value_of(row.get(f.name), f.dataType) for f in struct.fields) for row in rows]
    return spark.createDataFrame(data, struct)


@pytest.fixture(scope="session")
def silver_schemas() -> Mapping[str, str]:
    return SILVER_SCHEMAS


@pytest.fixture
def silver(spark: SparkSession) -> Build:
    """``silver("orders", {...}, {...})``: a silver table's stored shape holding these rows."""

    def build(table: str, *rows: Mapping[str, Any]) -> DataFrame:
        return frame(spark, SILVER_SCHEMAS[table], rows)

    return build


@pytest.fixture
def rows(spark: SparkSession) -> Build:
    """``rows("date date, n bigint", {...})``: expected rows, written by hand, in a given schema."""

    def build(schema: str | StructType, *values: Mapping[str, Any]) -> DataFrame:
        return frame(spark, schema, values)

    return build
