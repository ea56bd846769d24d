"""cohort_retention_weekly: weekly cohorts by first revenue order, by hand (2024-03-04 is a Monday)."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.cohort_retention_weekly import cohort_retention_weekly

Build = Callable[..., DataFrame]
EXPECTED = ("cohort_week date, weeks_since_first int, week date, cohort_customers bigint, active_customers bigint, "
            "retention_rate double")


def test_cohort_retention_weekly(silver: Build, rows: Build) -> None:
    placed = [
        ("O1", "C1", "2024-03-04", "paid"),       # Monday: C1's cohort week
        ("O2", "C1", "2024-03-06", "paid"),       # same week again: still one active customer
        ("O3", "C1", "2024-03-12", "delivered"),  # week +1
        ("O4", "C2", "2024-03-10", "paid"),       # Sunday: still the week of 03-04
        ("O5", "C2", "2024-03-25", "shipped"),    # week +3
        ("O6", "C3", "2024-03-05", "cancelled"),  # does not make C3 a customer of the 03-04 cohort
        ("O7", "C3", "2024-03-13", "paid"),       # C3's first revenue order: cohort 03-11
    ]
    orders = silver("orders", *[{"order_id": order_id, "customer_id": customer_id, "order_date": day,
                                 "status": status, "currency": "USD"} for order_id, customer_id, day, status in placed])
    order_items = silver(
        "order_items",
        *[{"order_id": order_id, "line_no": 1, "quantity": 1, "net_amount": "10.00"} for order_id, *_ in placed],
        {"order_id": "O8", "line_no": 1, "quantity": 1, "net_amount": "10.00"},  # C4's order O8 was deleted
    )

    expected = rows(
        EXPECTED,
        {"cohort_week": "2024-03-04", "weeks_since_first": 0, "week": "2024-03-04", "cohort_customers": 2,
         "active_customers": 2, "retention_rate": 1.0},
        {"cohort_week": "2024-03-04", "weeks_since_first": 1, "week": "2024-03-11", "cohort_customers": 2,
         "active_customers": 1, "retention_rate": 0.5},
        {"cohort_week": "2024-03-04", "weeks_since_first": 3, "week": "2024-03-25", "cohort_customers": 2,
         "active_customers": 1, "retention_rate": 0.5},
        {"cohort_week": "2024-03-11", "weeks_since_first": 0, "week": "2024-03-11", "cohort_customers": 1,
         "active_customers": 1, "retention_rate": 1.0},
    )
    assert_df_equality(cohort_retention_weekly(order_items, orders, silver("fx_rates")), expected,
                       ignore_row_order=True, ignore_nullable=True)
