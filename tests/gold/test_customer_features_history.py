"""customer_features_history: weekly snapshots back from the data's last date, each from what was known then."""
from __future__ import annotations

from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame

from lakehouse.gold.customer_features import customer_features
from lakehouse.gold.customer_features_history import customer_features_history

Build = Callable[..., DataFrame]


def test_snapshots_every_seven_days_back_to_the_first_date_each_as_known_then(silver: Build, rows: Build) -> None:
    customers = silver(
        "customers",
        {"customer_id": "C1", "customer_key": "K1", "country": "DE", "signup_ts": "2024-02-01 08:00:00",
         "is_current": True},
        {"customer_id": "C2", "customer_key": "K2", "country": "US", "signup_ts": "2024-03-04 08:00:00",
         "is_current": True},  # after the 03-03 snapshot: only in the last one
    )
    orders = silver(
        "orders",
        {"order_id": "O1", "customer_id": "C1", "status": "paid", "currency": "USD", "order_date": "2024-02-20"},
        {"order_id": "O2", "customer_id": "C1", "status": "paid", "currency": "USD", "order_date": "2024-03-01"},
    )
    order_items = silver("order_items", {"order_id": "O1", "line_no": 1, "quantity": 1, "net_amount": "10.00"},
                         {"order_id": "O2", "line_no": 1, "quantity": 1, "net_amount": "5.00"})
    clickstream = silver("clickstream", {"event_id": "e1", "customer_id": "C2", "session_id": "S1",
                                         "event_type": "page_view", "event_ts": "2024-03-10 12:00:00",
                                         "event_date": "2024-03-10"})
    inputs = (customers, order_items, orders, silver("fx_rates"), clickstream, silver("reviews"))

    history = customer_features_history(*inputs)

    # data from 02-20 to 03-10: snapshots on 03-10, 03-03 and 02-25 (02-18 is before the first date)
    expected = rows(
        "customer_key string, as_of_date date, recency_days int, frequency bigint, monetary_usd decimal(18,2), "
        "sessions_30d bigint",
        {"customer_key": "K1", "as_of_date": "2024-02-25", "recency_days": 5, "frequency": 1,
         "monetary_usd": "10.00", "sessions_30d": 0},
        {"customer_key": "K1", "as_of_date": "2024-03-03", "recency_days": 2, "frequency": 2,
         "monetary_usd": "15.00", "sessions_30d": 0},
        {"customer_key": "K1", "as_of_date": "2024-03-10", "recency_days": 9, "frequency": 2,
         "monetary_usd": "15.00", "sessions_30d": 0},
        {"customer_key": "K2", "as_of_date": "2024-03-10", "recency_days": None, "frequency": 0,
         "monetary_usd": "0.00", "sessions_30d": 1},
    )
    assert_df_equality(history.select(*expected.columns), expected, ignore_row_order=True, ignore_nullable=True)
    latest = history.where("as_of_date = DATE'2024-03-10'")
    assert_df_equality(latest, customer_features(*inputs), ignore_row_order=True, ignore_nullable=True)
