"""Revenue lines: which lines count, and the rate each is priced at (values worked out by hand)."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.revenue_lines import revenue_lines

Build = Callable[..., DataFrame]
EXPECTED = "order_id string, line_no int, rate_date date, usd_per_unit decimal(20,12), revenue_usd decimal(18,2)"


def test_live_lines_priced_at_the_order_dates_rate_or_the_nearest_earlier_one(silver: Build, rows: Build) -> None:
    fx_rates = silver(
        "fx_rates",
        {"date": "2024-03-01", "currency": "EUR", "usd_per_unit": 1.10},
        {"date": "2024-03-02", "currency": "EUR", "usd_per_unit": 1.20},
        {"date": "2024-03-05", "currency": "EUR", "usd_per_unit": 1.50},
        # A USD row is ignored: one dollar is one dollar.
        {"date": "2024-03-03", "currency": "USD", "usd_per_unit": 0.5},
    )
    orders = silver(
        "orders",
        {"order_id": "O-stale", "status": "paid", "currency": "EUR", "order_date": "2024-03-03"},
        {"order_id": "O-early", "status": "paid", "currency": "EUR", "order_date": "2024-02-28"},
        {"order_id": "O-usd", "status": "delivered", "currency": "USD", "order_date": "2024-03-03"},
        {"order_id": "O-norate", "status": "shipped", "currency": "CHF", "order_date": "2024-03-03"},
        {"order_id": "O-nostatus", "status": None, "currency": "EUR", "order_date": "2024-03-05"},
        {"order_id": "O-cancelled", "status": "cancelled", "currency": "USD", "order_date": "2024-03-03"},
        {"order_id": "O-returned", "status": "returned", "currency": "USD", "order_date": "2024-03-03"},
    )
    order_items = silver(
        "order_items",
        {"order_id": "O-stale", "line_no": 1, "quantity": 1, "net_amount": "10.00"},
        {"order_id": "O-early", "line_no": 1, "quantity": 1, "net_amount": "10.00"},
        {"order_id": "O-usd", "line_no": 1, "quantity": 1, "net_amount": "10.00"},
        {"order_id": "O-norate", "line_no": 1, "quantity": 1, "net_amount": "10.00"},
        {"order_id": "O-nostatus", "line_no": 1, "quantity": 1, "net_amount": "10.00"},
        {"order_id": "O-cancelled", "line_no": 1, "quantity": 1, "net_amount": "10.00"},
        {"order_id": "O-returned", "line_no": 1, "quantity": 1, "net_amount": "10.00"},
        {"order_id": "O-deleted", "line_no": 1, "quantity": 1, "net_amount": "10.00"},
    )

    lines = revenue_lines(order_items, orders, fx_rates).select(
        "order_id", "line_no", "rate_date", "usd_per_unit", F.col("revenue_usd").cast("decimal(18,2)"))

    expected = rows(
        EXPECTED,
        # no rate on 03-03: the latest earlier one (03-02, 1.20), not the later 03-05
        {"order_id": "O-stale", "line_no": 1, "rate_date": "2024-03-02", "usd_per_unit": "1.2",
         "revenue_usd": "12.00"},
        # no earlier rate at all: the earliest later one
        {"order_id": "O-early", "line_no": 1, "rate_date": "2024-03-01", "usd_per_unit": "1.1",
         "revenue_usd": "11.00"},
        {"order_id": "O-usd", "line_no": 1, "rate_date": "2024-03-03", "usd_per_unit": "1",
         "revenue_usd": "10.00"},
        # a currency without any rate: kept, unpriced
        {"order_id": "O-norate", "line_no": 1, "rate_date": None, "usd_per_unit": None, "revenue_usd": None},
        {"order_id": "O-nostatus", "line_no": 1, "rate_date": "2024-03-05", "usd_per_unit": "1.5",
         "revenue_usd": "15.00"},
    )
    assert_df_equality(lines, expected, ignore_row_order=True, ignore_nullable=True)
