"""basket_size_daily: orders and basket averages per day and country, by hand."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.basket_size_daily import basket_size_daily

Build = Callable[..., DataFrame]
EXPECTED = ("date date, country string, orders bigint, units bigint, revenue_usd decimal(18,2), "
            "avg_units_per_order double, avg_lines_per_order double, avg_order_value_usd decimal(18,2)")


def test_basket_size_daily(silver: Build, rows: Build) -> None:
    fx_rates = silver("fx_rates", {"date": "2024-03-01", "currency": "EUR", "usd_per_unit": 1.0837})
    orders = silver(
        "orders",
        {"order_id": "O1", "status": "paid", "currency": "USD", "shipping_country": "US", "order_date": "2024-03-01"},
        {"order_id": "O7", "status": "placed", "currency": "USD", "shipping_country": "US",
         "order_date": "2024-03-01"},
        {"order_id": "O2", "status": "paid", "currency": "EUR", "shipping_country": "DE", "order_date": "2024-03-01"},
        {"order_id": "O3", "status": "returned", "currency": "USD", "shipping_country": "US",
         "order_date": "2024-03-01"},
    )
    order_items = silver(
        "order_items",
        {"order_id": "O1", "line_no": 1, "quantity": 2, "net_amount": "20.00"},
        {"order_id": "O1", "line_no": 2, "quantity": 1, "net_amount": "5.00"},
        {"order_id": "O7", "line_no": 1, "quantity": 1, "net_amount": "3.33"},
        {"order_id": "O2", "line_no": 1, "quantity": 1, "net_amount": "90.00"},
        {"order_id": "O3", "line_no": 1, "quantity": 9, "net_amount": "90.00"},
    )

    expected = rows(
        EXPECTED,
        # O1 (3 units, 2 lines, 25.00) and O7 (1 unit, 1 line, 3.33): mean value 28.33 / 2 = 14.165
        {"date": "2024-03-01", "country": "US", "orders": 2, "units": 4, "revenue_usd": "28.33",
         "avg_units_per_order": 2.0, "avg_lines_per_order": 1.5, "avg_order_value_usd": "14.17"},
        {"date": "2024-03-01", "country": "DE", "orders": 1, "units": 1, "revenue_usd": "97.53",
         "avg_units_per_order": 1.0, "avg_lines_per_order": 1.0, "avg_order_value_usd": "97.53"},
    )
    assert_df_equality(basket_size_daily(order_items, orders, fx_rates), expected, ignore_row_order=True,
                       ignore_nullable=True)
