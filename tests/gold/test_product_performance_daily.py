"""product_performance_daily: views, carts, sales and reviews per product and day, by hand."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.product_performance_daily import product_performance_daily

Build = Callable[..., DataFrame]
EXPECTED = ("date date, product_id string, category string, views bigint, add_to_carts bigint, units_sold bigint, "
            "revenue_usd decimal(18,2), reviews bigint, avg_rating double")


def test_product_performance_daily(silver: Build, rows: Build) -> None:
    clickstream = silver(
        "clickstream",
        {"event_id": "e1", "event_type": "product_view", "product_id": "P1", "session_id": "S1",
         "event_ts": "2024-03-01 09:00:00", "event_date": "2024-03-01"},
        # a view that landed four days late counts on the day it happened
        {"event_id": "e2", "event_type": "product_view", "product_id": "P1", "session_id": "S2",
         "event_ts": "2024-03-01 09:30:00", "event_date": "2024-03-01", "_ingested_at": "2024-03-05 00:00:00"},
        {"event_id": "e3", "event_type": "add_to_cart", "product_id": "P1", "session_id": "S1",
         "event_ts": "2024-03-01 09:01:00", "event_date": "2024-03-01"},
        {"event_id": "e4", "event_type": "page_view", "session_id": "S1",
         "event_ts": "2024-03-01 08:59:00", "event_date": "2024-03-01"},
        {"event_id": "e5", "event_type": "product_view", "product_id": "P2", "session_id": "S3",
         "event_ts": "2024-03-02 10:00:00", "event_date": "2024-03-02"},
    )
    fx_rates = silver("fx_rates", {"date": "2024-03-01", "currency": "EUR", "usd_per_unit": 1.0837})
    orders = silver(
        "orders",
        {"order_id": "O1", "status": "paid", "currency": "USD", "order_date": "2024-03-01"},
        {"order_id": "O2", "status": "delivered", "currency": "EUR", "order_date": "2024-03-01"},
        {"order_id": "O3", "status": "cancelled", "currency": "USD", "order_date": "2024-03-01"},
    )
    order_items = silver(
        "order_items",
        {"order_id": "O1", "line_no": 1, "product_id": "P1", "quantity": 2, "net_amount": "20.00"},
        {"order_id": "O1", "line_no": 2, "product_id": "P2", "quantity": 1, "net_amount": "5.00"},
        {"order_id": "O2", "line_no": 1, "product_id": "P1", "quantity": 1, "net_amount": "90.00"},
        {"order_id": "O3", "line_no": 1, "product_id": "P1", "quantity": 5, "net_amount": "50.00"},
        {"order_id": "O4", "line_no": 1, "product_id": "P1", "quantity": 3, "net_amount": "30.00"},  # deleted order
    )
    reviews = silver(
        "reviews",
        {"review_id": "R1", "product_id": "P1", "rating": 3, "review_date": "2024-03-01"},
        # P3 has nothing but reviews on 03-02
        {"review_id": "R2", "product_id": "P3", "rating": 4, "review_date": "2024-03-02"},
        {"review_id": "R3", "product_id": "P3", "rating": 5, "review_date": "2024-03-02"},
    )
    products = silver(
        "products",
        {"product_id": "P1", "category": "shoes"},  # was "boots" before its last update
        {"product_id": "P2", "category": "bags"},
        {"product_id": "P3", "category": "hats"},
    )

    result = product_performance_daily(clickstream, order_items, orders, fx_rates, reviews, products)

    expected = rows(
        EXPECTED,
        # units 2 + 1; revenue 20.00 + 90.00 EUR x 1.0837 (97.533) = 117.533
        {"date": "2024-03-01", "product_id": "P1", "category": "shoes", "views": 2, "add_to_carts": 1,
         "units_sold": 3, "revenue_usd": "117.53", "reviews": 1, "avg_rating": 3.0},
        {"date": "2024-03-01", "product_id": "P2", "category": "bags", "views": 0, "add_to_carts": 0,
         "units_sold": 1, "revenue_usd": "5.00", "reviews": 0, "avg_rating": None},
        {"date": "2024-03-02", "product_id": "P2", "category": "bags", "views": 1, "add_to_carts": 0,
         "units_sold": 0, "revenue_usd": "0.00", "reviews": 0, "avg_rating": None},
        {"date": "2024-03-02", "product_id": "P3", "category": "hats", "views": 0, "add_to_carts": 0,
         "units_sold": 0, "revenue_usd": "0.00", "reviews": 2, "avg_rating": 4.5},
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)
