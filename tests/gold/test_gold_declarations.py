"""Gold's view of silver matches silver, and every gold table can be shaped by the runner without data."""
from __future__ import annotations

from typing import Mapping

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import StructType

from lakehouse.lib import registry
from lakehouse.lib.config import Settings
from lakehouse.lib.runner import Pipeline

GOLD_TABLES = {
    "gold.daily_sales": ("date", "country", "category", "orders", "units", "revenue_usd"),
    "gold.funnel_daily": ("date", "device", "sessions", "product_view_sessions", "add_to_cart_sessions",
                          "checkout_sessions", "purchase_sessions", "conversion_rate"),
    "gold.product_performance_daily": ("date", "product_id", "category", "views", "add_to_carts", "units_sold",
                                       "revenue_usd", "reviews", "avg_rating"),
    "gold.search_terms_daily": ("date", "query", "searches", "zero_result_searches", "clicks"),
    "gold.server_health_minute": ("minute", "requests", "errors_5xx", "error_rate", "p95_response_ms",
                                  "bytes_sent"),
    "gold.inventory_current": ("product_id", "warehouse_id", "qty_on_hand", "last_event_ts", "low_stock"),
    "gold.customer_features": ("customer_key", "as_of_date", "recency_days", "frequency", "monetary_usd",
                               "sessions_30d", "avg_rating", "tenure_days", "country"),
    "gold.customer_features_history": ("customer_key", "as_of_date", "recency_days", "frequency", "monetary_usd",
                                       "sessions_30d", "avg_rating", "tenure_days", "country"),
    "gold.basket_size_daily": ("date", "country", "orders", "units", "revenue_usd"),
    "gold.cohort_retention_weekly": ("cohort_week", "weeks_since_first", "cohort_customers", "active_customers",
                                     "retention_rate"),
    "gold.sales_minute": ("minute", "date", "orders", "units", "revenue_usd", "unpriced_lines"),
}


def shape(schema: StructType) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in schema.fields]


@pytest.fixture(scope="module")
def pipeline(spark: SparkSession, settings: Settings) -> Pipeline:
    return Pipeline(spark, settings, "test-gold")


SILVER_TABLES = ("clickstream", "customers", "fx_rates", "inventory", "order_items", "orders", "products", "reviews",
                 "search", "server_logs")


@pytest.mark.parametrize("name", SILVER_TABLES)
def test_test_inputs_have_the_stored_silver_schema(pipeline: Pipeline, silver_schemas: Mapping[str, str],
                                                   name: str) -> None:
    stored = pipeline.stored_schema(registry.get(f"silver.{name}"))
    assert shape(StructType.fromDDL(silver_schemas[name])) == shape(stored)


@pytest.mark.parametrize("name", sorted(GOLD_TABLES))
def test_gold_table_is_declared_with_the_contract_columns(pipeline: Pipeline, name: str) -> None:
    table = registry.get(name)
    columns = pipeline.stored_schema(table).names
    assert set(GOLD_TABLES[name]) <= set(columns)
    assert "customer_id" not in columns
    assert set(table.key) <= set(columns)
    assert not table.is_stream, "a gold table is rebuilt from its inputs' current contents"
    assert table.grain.startswith("One row per")
