"""customer_features: one row per customer as of the data's last date, from what was known then; figures by hand."""
from __future__ import annotations

from datetime import date
from typing import Callable

from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession

from lakehouse.gold.customer_features import customer_features, features_as_of

Build = Callable[..., DataFrame]
EXPECTED = ("customer_key string, as_of_date date, recency_days int, frequency bigint, monetary_usd decimal(18,2), "
            "sessions_30d bigint, avg_rating double, tenure_days int, country string")


def click(event_id: str, customer_id: str | None, session_id: str, day: str) -> dict[str, object]:
    return {"event_id": event_id, "customer_id": customer_id, "session_id": session_id, "event_type": "page_view",
            "event_ts": f"{day} 12:00:00", "event_date": day}


def test_customer_features(silver: Build, rows: Build) -> None:
    customers = silver(
        "customers",
        # C1 moved from DE to FR: only the current version counts
        {"customer_id": "C1", "customer_key": "K1", "country": "DE", "signup_ts": "2024-01-01 10:00:00",
         "valid_from": "2024-01-01 10:00:00", "valid_to": "2024-02-01 00:00:00", "is_current": False},
        {"customer_id": "C1", "customer_key": "K1", "country": "FR", "signup_ts": "2024-01-01 10:00:00",
         "valid_from": "2024-02-01 00:00:00", "is_current": True},
        {"customer_id": "C2", "customer_key": "K2", "country": "US", "signup_ts": "2024-02-29 23:00:00",
         "is_current": True},
        {"customer_id": "C4", "customer_key": "K4", "country": "GB", "signup_ts": "2024-03-01 00:00:00",
         "is_current": True},
    )
    fx_rates = silver("fx_rates", {"date": "2024-03-05", "currency": "EUR", "usd_per_unit": 1.10})
    orders = silver(
        "orders",
        {"order_id": "O1", "customer_id": "C1", "status": "paid", "currency": "USD", "order_date": "2024-03-01"},
        {"order_id": "O2", "customer_id": "C1", "status": "delivered", "currency": "EUR", "order_date": "2024-03-05"},
        # cancelled later: no revenue, no recency, but its date still belongs to the data
        {"order_id": "O3", "customer_id": "C1", "status": "cancelled", "currency": "USD", "order_date": "2024-03-08"},
        {"order_id": "O5", "customer_id": "C2", "status": "shipped", "currency": "USD", "order_date": "2024-02-15"},
        # O6 (C2, 03-09) was deleted: absent here, its line counts nowhere
    )
    order_items = silver(
        "order_items",
        {"order_id": "O1", "line_no": 1, "quantity": 1, "net_amount": "20.00"},
        {"order_id": "O2", "line_no": 1, "quantity": 1, "net_amount": "6.00"},
        {"order_id": "O2", "line_no": 2, "quantity": 2, "net_amount": "4.00"},
        {"order_id": "O3", "line_no": 1, "quantity": 1, "net_amount": "99.00"},
        {"order_id": "O5", "line_no": 1, "quantity": 1, "net_amount": "5.00"},
        {"order_id": "O6", "line_no": 1, "quantity": 1, "net_amount": "70.00"},
    )
    clickstream = silver(
        "clickstream",
        click("e1", "C1", "S1", "2024-03-10"),  # the latest date in the data: as_of_date
        click("e2", "C1", "S1", "2024-03-10"),
        click("e3", "C1", "S3", "2024-02-10"),  # first day of the 30 (03-10 minus 29 days, 2024 is a leap year)
        click("e4", "C1", "S2", "2024-02-09"),  # one day too early
        click("e5", None, "S9", "2024-03-09"),
    )
    reviews = silver(
        "reviews",
        {"review_id": "R1", "customer_id": "C1", "rating": 4, "review_date": "2024-03-02"},
        {"review_id": "R2", "customer_id": "C1", "rating": 2, "review_date": "2024-03-03"},
        {"review_id": "R3", "customer_id": "C1", "rating": 5, "review_date": "2024-03-11"},  # after as_of_date
    )

    result = customer_features(customers, order_items, orders, fx_rates, clickstream, reviews)

    expected = rows(
        EXPECTED,
        # last revenue order 03-05: 5 days; O1 20.00 + O2 10.00 EUR x 1.10; signup 01-01: 31 + 29 + 9 days
        {"customer_key": "K1", "as_of_date": "2024-03-10", "recency_days": 5, "frequency": 2,
         "monetary_usd": "31.00", "sessions_30d": 2, "avg_rating": 3.0, "tenure_days": 69, "country": "FR"},
        # last order 02-15: 14 + 10 days; signed up 02-29 (UTC)
        {"customer_key": "K2", "as_of_date": "2024-03-10", "recency_days": 24, "frequency": 1,
         "monetary_usd": "5.00", "sessions_30d": 0, "avg_rating": None, "tenure_days": 10, "country": "US"},
        {"customer_key": "K4", "as_of_date": "2024-03-10", "recency_days": None, "frequency": 0,
         "monetary_usd": "0.00", "sessions_30d": 0, "avg_rating": None, "tenure_days": 9, "country": "GB"},
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)
    assert "customer_id" not in result.columns


def test_a_feature_ignores_what_came_one_second_after_its_as_of_date(spark: SparkSession, silver: Build,
                                                                     rows: Build) -> None:
    """As of 03-10: what happened at 03-10 23:59:59 counts, what happened at 03-11 00:00:00 does not."""
    customers = silver(
        "customers",
        # C1 moved to FR one second after the as-of date: still DE then
        {"customer_id": "C1", "customer_key": "K1", "country": "DE", "signup_ts": "2024-01-01 10:00:00",
         "valid_from": "2024-01-01 10:00:00", "valid_to": "2024-03-11 00:00:00", "is_current": False},
        {"customer_id": "C1", "customer_key": "K1", "country": "FR", "signup_ts": "2024-01-01 10:00:00",
         "valid_from": "2024-03-11 00:00:00", "is_current": True},
        {"customer_id": "C2", "customer_key": "K2", "country": "US", "signup_ts": "2024-03-11 00:00:00",
         "valid_from": "2024-03-11 00:00:00", "is_current": True},  # signed up one second late: no row
        {"customer_id": "C3", "customer_key": "K3", "country": "GB", "signup_ts": "2024-03-10 23:59:59",
         "valid_from": "2024-03-10 23:59:59", "is_current": True},
        # C4's first version known was written after the as-of date: it stands for the days before it too
        {"customer_id": "C4", "customer_key": "K4", "country": "NL", "signup_ts": "2024-03-01 08:00:00",
         "valid_from": "2024-03-20 12:00:00", "valid_to": "2024-04-01 00:00:00", "is_current": False},
        {"customer_id": "C4", "customer_key": "K4", "country": "ES", "signup_ts": "2024-03-01 08:00:00",
         "valid_from": "2024-04-01 00:00:00", "is_current": True},
    )
    orders = silver(
        "orders",
        {"order_id": "O1", "customer_id": "C1", "status": "paid", "currency": "USD", "order_date": "2024-03-01",
         "updated_at": "2024-03-01 09:00:00"},
        # returned one second after the as-of date: live then
        {"order_id": "O2", "customer_id": "C1", "status": "returned", "currency": "USD", "order_date": "2024-03-05",
         "updated_at": "2024-03-11 00:00:00"},
        # cancelled on the as-of date's last second: not live then
        {"order_id": "O3", "customer_id": "C1", "status": "cancelled", "currency": "USD", "order_date": "2024-03-06",
         "updated_at": "2024-03-10 23:59:59"},
        {"order_id": "O4", "customer_id": "C1", "status": "paid", "currency": "USD", "order_date": "2024-03-11",
         "order_ts": "2024-03-11 00:00:00", "updated_at": "2024-03-11 00:00:00"},
        {"order_id": "O5", "customer_id": "C3", "status": "paid", "currency": "USD", "order_date": "2024-03-10",
         "order_ts": "2024-03-10 23:59:59", "updated_at": "2024-03-10 23:59:59"},
    )
    order_items = silver(
        "order_items",
        *({"order_id": order, "line_no": 1, "quantity": 1, "net_amount": amount}
          for order, amount in (("O1", "20.00"), ("O2", "10.00"), ("O3", "99.00"), ("O4", "50.00"), ("O5", "7.00"))),
    )
    clickstream = silver(
        "clickstream",
        {"event_id": "e1", "customer_id": "C1", "session_id": "S1", "event_type": "page_view",
         "event_ts": "2024-03-10 23:59:59", "event_date": "2024-03-10"},
        {"event_id": "e2", "customer_id": "C1", "session_id": "S2", "event_type": "page_view",
         "event_ts": "2024-03-11 00:00:00", "event_date": "2024-03-11"},
    )
    reviews = silver(
        "reviews",
        {"review_id": "R1", "customer_id": "C1", "rating": 4, "created_ts": "2024-03-10 23:59:59",
         "review_date": "2024-03-10"},
        {"review_id": "R2", "customer_id": "C1", "rating": 1, "created_ts": "2024-03-11 00:00:00",
         "review_date": "2024-03-11"},
    )
    as_of = spark.createDataFrame([(date(2024, 3, 10),)], "as_of_date date")

    result = features_as_of(as_of, customers, order_items, orders, silver("fx_rates"), clickstream, reviews)

    expected = rows(
        EXPECTED,
        # O1 20.00 + O2 10.00 (O3 cancelled in time, O4 too late); last revenue order 03-05
        {"customer_key": "K1", "as_of_date": "2024-03-10", "recency_days": 5, "frequency": 2,
         "monetary_usd": "30.00", "sessions_30d": 1, "avg_rating": 4.0, "tenure_days": 69, "country": "DE"},
        {"customer_key": "K3", "as_of_date": "2024-03-10", "recency_days": 0, "frequency": 1,
         "monetary_usd": "7.00", "sessions_30d": 0, "avg_rating": None, "tenure_days": 0, "country": "GB"},
        {"customer_key": "K4", "as_of_date": "2024-03-10", "recency_days": None, "frequency": 0,
         "monetary_usd": "0.00", "sessions_30d": 0, "avg_rating": None, "tenure_days": 9, "country": "NL"},
    )
    assert_df_equality(result, expected, ignore_row_order=True, ignore_nullable=True)
