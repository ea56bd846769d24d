"""Churn labels on a hand-made timeline, and a split whose training windows end by the holdout's date."""
from __future__ import annotations

from datetime import date

from chispa import assert_df_equality
from pyspark.sql import SparkSession

from lakehouse.lib.churn.labels import labelled_snapshots, split

from ..gold.conftest import SILVER_SCHEMAS, frame

HORIZON = 7
SNAPSHOTS = ("2024-03-01", "2024-03-08", "2024-03-15", "2024-03-22")  # 03-22: the data's last date


def test_each_label_says_whether_a_live_order_came_in_the_next_n_days(spark: SparkSession) -> None:
    history = frame(spark, "customer_key string, as_of_date date, frequency bigint",
                    [{"customer_key": key, "as_of_date": day, "frequency": 1} for key in ("K1", "K2", "K3")
                     for day in SNAPSHOTS])
    customers = frame(spark, SILVER_SCHEMAS["customers"], [
        {"customer_id": "C1", "customer_key": "K1", "is_current": False},  # two versions, one key
        {"customer_id": "C1", "customer_key": "K1", "is_current": True},
        {"customer_id": "C2", "customer_key": "K2", "is_current": True},
        {"customer_id": "C3", "customer_key": "K3", "is_current": True},
    ])
    orders = frame(spark, SILVER_SCHEMAS["orders"], [
        {"order_id": "O1", "customer_id": "C1", "status": "paid", "order_date": "2024-03-09"},
        {"order_id": "O2", "customer_id": "C1", "status": "cancelled", "order_date": "2024-03-20"},
        {"order_id": "O3", "customer_id": "C2", "status": "delivered", "order_date": "2024-03-08"},
        {"order_id": "O4", "customer_id": "C2", "status": "shipped", "order_date": "2024-03-22"},
        {"order_id": "O5", "customer_id": "C3", "status": None, "order_date": "2024-03-15"},
        {"order_id": "O6", "customer_id": None, "status": "paid", "order_date": "2024-03-02"},
    ])

    labelled = labelled_snapshots(history, customers, orders, HORIZON)

    expected = frame(spark, "customer_key string, as_of_date date, frequency bigint, churned boolean", [
        # 03-09 is a day past 03-01's window, inside 03-08's; after 03-15 only a cancelled order
        {"customer_key": "K1", "as_of_date": "2024-03-01", "frequency": 1, "churned": True},
        {"customer_key": "K1", "as_of_date": "2024-03-08", "frequency": 1, "churned": False},
        {"customer_key": "K1", "as_of_date": "2024-03-15", "frequency": 1, "churned": True},
        # an order on the as-of date itself belongs to the features, not to the window
        {"customer_key": "K2", "as_of_date": "2024-03-01", "frequency": 1, "churned": False},
        {"customer_key": "K2", "as_of_date": "2024-03-08", "frequency": 1, "churned": True},
        {"customer_key": "K2", "as_of_date": "2024-03-15", "frequency": 1, "churned": False},  # 03-22: last day in
        # an order without a status counts as live, as revenue does
        {"customer_key": "K3", "as_of_date": "2024-03-01", "frequency": 1, "churned": True},
        {"customer_key": "K3", "as_of_date": "2024-03-08", "frequency": 1, "churned": False},
        {"customer_key": "K3", "as_of_date": "2024-03-15", "frequency": 1, "churned": True},
        # 03-22's window is not over: no label
    ])
    assert_df_equality(labelled, expected, ignore_row_order=True, ignore_nullable=True, ignore_column_order=True)


def test_training_windows_end_by_the_holdout_date_and_the_holdout_is_the_latest_labelled(
        spark: SparkSession) -> None:
    dates = ("2024-02-23", *SNAPSHOTS[:3])
    labelled = frame(spark, "customer_key string, as_of_date date, churned boolean",
                     [{"customer_key": "K1", "as_of_date": day, "churned": False} for day in dates])

    chosen = split(labelled, HORIZON + 1)

    assert chosen.holdout_date == date(2024, 3, 15)
    assert [r.as_of_date for r in chosen.holdout.collect()] == [date(2024, 3, 15)]
    # 03-08 + 8 days is 03-16, past the holdout's date: in neither
    assert sorted(r.as_of_date for r in chosen.train.collect()) == [date(2024, 2, 23), date(2024, 3, 1)]
