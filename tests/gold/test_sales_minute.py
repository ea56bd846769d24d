"""sales_minute on a few minutes of orders; every expected figure worked out by hand in the comments."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.sales_minute import sales_minute

Build = Callable[..., DataFrame]
EXPECTED = ("minute timestamp, date date, orders bigint, units bigint, revenue_usd decimal(18,2), "
            "unpriced_lines bigint")


def test_sales_minute(silver: Build, rows: Build) -> None:
    fx_rates = silver("fx_rates", {"date": "2024-03-01", "currency": "EUR", "usd_per_unit": 1.0837})
    orders = silver(
        "orders",
        {"order_id": "O1", "status": "paid", "currency": "USD", "order_ts": "2024-03-01 10:00:05",
         "order_date": "2024-03-01"},
        {"order_id": "O2", "status": "paid", "currency": "EUR", "order_ts": "2024-03-01 10:00:59",
         "order_date": "2024-03-01"},
        {"order_id": "O3", "status": "placed", "currency": "USD", "order_ts": "2024-03-01 10:01:00",
         "order_date": "2024-03-01"},
        # cancelled: counts nowhere, so minute 10:02 has no row
        {"order_id": "O4", "status": "cancelled", "currency": "USD", "order_ts": "2024-03-01 10:02:00",
         "order_date": "2024-03-01"},
        {"order_id": "O5", "status": "paid", "currency": "JPY", "order_ts": "2024-03-01 23:59:59",
         "order_date": "2024-03-01"},
    )
    order_items = silver(
        "order_items",
        {"order_id": "O1", "line_no": 1, "product_id": "P1", "quantity": 2, "net_amount": "20.00"},
        {"order_id": "O1", "line_no": 2, "product_id": "P2", "quantity": 1, "net_amount": "5.00"},
        {"order_id": "O2", "line_no": 1, "product_id": "P1", "quantity": 1, "net_amount": "90.00"},
        {"order_id": "O3", "line_no": 1, "product_id": "P1", "quantity": 4, "net_amount": "3.33"},
        {"order_id": "O4", "line_no": 1, "product_id": "P1", "quantity": 9, "net_amount": "99.00"},
        {"order_id": "O5", "line_no": 1, "product_id": "P1", "quantity": 1, "net_amount": "500.00"},
    )

    result = sales_minute(order_items, orders, fx_rates)

    expected = rows(
        EXPECTED,
        # O1: 20.00 + 5.00 USD; O2: 90.00 EUR x 1.0837 = 97.533; 25.00 + 97.533 = 122.533
        {"minute": "2024-03-01 10:00:00", "date": "2024-03-01", "orders": 2, "units": 4, "revenue_usd": "122.53",
         "unpriced_lines": 0},
        {"minute": "2024-03-01 10:01:00", "date": "2024-03-01", "orders": 1, "units": 4, "revenue_usd": "3.33",
         "unpriced_lines": 0},
        # JPY has no rate: the order and its units count, its revenue is flagged
        {"minute": "2024-03-01 23:59:00", "date": "2024-03-01", "orders": 1, "units": 1, "revenue_usd": None,
         "unpriced_lines": 1},
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)
