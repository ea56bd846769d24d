"""daily_sales on a small day of orders; every expected figure worked out by hand in the comments."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.daily_sales import daily_sales

Build = Callable[..., DataFrame]
EXPECTED = ("date date, country string, category string, orders bigint, units bigint, revenue_usd decimal(18,2), "
            "unpriced_lines bigint")


def test_daily_sales(silver: Build, rows: Build) -> None:
    products = silver(
        "products",
        # P1 was a boot until 03-02; silver holds its current category, which all its sales use.
        {"product_id": "P1", "category": "shoes", "updated_at": "2024-03-02 08:00:00"},
        {"product_id": "P2", "category": "bags"},
    )
    fx_rates = silver(
        "fx_rates",
        {"date": "2024-03-01", "currency": "EUR", "usd_per_unit": 1.0837},
        {"date": "2024-03-01", "currency": "GBP", "usd_per_unit": 1.25},
        # no USD rows (USD is 1); no EUR rate on 03-02 (03-01's is used); no JPY rate ever
    )
    orders = silver(
        "orders",
        {"order_id": "O1", "status": "paid", "currency": "USD", "shipping_country": "US",
         "order_ts": "2024-03-01 10:00:00", "order_date": "2024-03-01"},
        {"order_id": "O2", "status": "delivered", "currency": "EUR", "shipping_country": "DE",
         "order_ts": "2024-03-01 23:30:00", "order_date": "2024-03-01"},
        # placed on 03-01, cancelled afterwards: its current status keeps it out
        {"order_id": "O3", "status": "cancelled", "currency": "USD", "shipping_country": "US",
         "order_ts": "2024-03-01 11:00:00", "order_date": "2024-03-01", "updated_at": "2024-03-03 09:00:00"},
        {"order_id": "O5", "status": "returned", "currency": "USD", "shipping_country": "US",
         "order_ts": "2024-03-01 12:00:00", "order_date": "2024-03-01"},
        {"order_id": "O6", "status": "shipped", "currency": "EUR", "shipping_country": "DE",
         "order_ts": "2024-03-02 09:00:00", "order_date": "2024-03-02"},
        {"order_id": "O7", "status": "placed", "currency": "USD", "shipping_country": "US",
         "order_ts": "2024-03-01 15:00:00", "order_date": "2024-03-01"},
        {"order_id": "O8", "status": "paid", "currency": "JPY", "shipping_country": "JP",
         "order_ts": "2024-03-02 01:00:00", "order_date": "2024-03-02"},
        # O4 was deleted: silver.orders no longer holds it
    )
    order_items = silver(
        "order_items",
        {"order_id": "O1", "line_no": 1, "product_id": "P1", "quantity": 2, "unit_price": "10.00",
         "discount": "0.00", "net_amount": "20.00"},
        {"order_id": "O1", "line_no": 2, "product_id": "P2", "quantity": 1, "unit_price": "5.50",
         "discount": "0.50", "net_amount": "5.00"},
        {"order_id": "O2", "line_no": 1, "product_id": "P1", "quantity": 1, "unit_price": "100.00",
         "discount": "10.00", "net_amount": "90.00"},
        {"order_id": "O3", "line_no": 1, "product_id": "P1", "quantity": 5, "unit_price": "10.00",
         "net_amount": "50.00"},
        {"order_id": "O4", "line_no": 1, "product_id": "P1", "quantity": 3, "unit_price": "10.00",
         "net_amount": "30.00"},
        {"order_id": "O5", "line_no": 1, "product_id": "P2", "quantity": 1, "unit_price": "7.00",
         "net_amount": "7.00"},
        {"order_id": "O6", "line_no": 1, "product_id": "P2", "quantity": 2, "unit_price": "20.00",
         "net_amount": "40.00"},
        {"order_id": "O7", "line_no": 1, "product_id": "P1", "quantity": 1, "unit_price": "3.33",
         "net_amount": "3.33"},
        {"order_id": "O7", "line_no": 2, "product_id": "P9", "quantity": 1, "unit_price": "1.00",
         "net_amount": "1.00"},
        {"order_id": "O8", "line_no": 1, "product_id": "P2", "quantity": 1, "unit_price": "1000.00",
         "net_amount": "1000.00"},
    )

    result = daily_sales(order_items, orders, products, fx_rates)

    expected = rows(
        EXPECTED,
        # O1 line 1 (20.00) + O7 line 1 (3.33)
        {"date": "2024-03-01", "country": "US", "category": "shoes", "orders": 2, "units": 3,
         "revenue_usd": "23.33", "unpriced_lines": 0},
        {"date": "2024-03-01", "country": "US", "category": "bags", "orders": 1, "units": 1,
         "revenue_usd": "5.00", "unpriced_lines": 0},
        # P9 is not in the catalog
        {"date": "2024-03-01", "country": "US", "category": "unknown", "orders": 1, "units": 1,
         "revenue_usd": "1.00", "unpriced_lines": 0},
        # 90.00 EUR x 1.0837 = 97.533
        {"date": "2024-03-01", "country": "DE", "category": "shoes", "orders": 1, "units": 1,
         "revenue_usd": "97.53", "unpriced_lines": 0},
        # 40.00 EUR x 1.0837 (03-01's rate, none on 03-02) = 43.348
        {"date": "2024-03-02", "country": "DE", "category": "bags", "orders": 1, "units": 2,
         "revenue_usd": "43.35", "unpriced_lines": 0},
        # JPY has no rate at all: the order and units count, its revenue is flagged, not guessed
        {"date": "2024-03-02", "country": "JP", "category": "bags", "orders": 1, "units": 1,
         "revenue_usd": None, "unpriced_lines": 1},
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)


def test_daily_sales_of_nothing_is_empty(silver: Build) -> None:
    result = daily_sales(silver("order_items"), silver("orders"), silver("products"), silver("fx_rates"))
    assert result.collect() == []
