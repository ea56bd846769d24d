"""Churn labels on the feature snapshots, and the split that keeps the holdout's future out of training.

A customer churned after an as-of date D when they placed no live order (current status
neither cancelled nor returned, as ``gold/revenue_lines.py`` defines it) with an
``order_date`` from D+1 to D+N, N being ``churn.horizon_days``. A snapshot is labelled only
once its window is over: D+N on or before the latest as-of date of the snapshots (the
latest date in the data).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.revenue_lines import live_orders


def labelled_snapshots(history: DataFrame, customers: DataFrame, orders: DataFrame, horizon_days: int) -> DataFrame:
    """``gold.customer_features_history`` rows whose window is over, with ``churned`` (boolean, never NULL)."""
    last = history.agg(F.max("as_of_date").alias("_last"))
    keys = customers.select("customer_id", "customer_key").distinct()
    placed = (live_orders(orders).where(F.col("order_date").isNotNull()).join(keys, on="customer_id", how="inner")
              .select("customer_key", F.col("order_date").alias("_placed")))
    window_over = F.date_add("as_of_date", horizon_days) <= F.col("_last")
    snapshots = history.crossJoin(last).where(window_over).drop("_last")
    in_window = (F.col("_placed") > F.col("as_of_date")) & (F.col("_placed") <= F.date_add("as_of_date", horizon_days))
    bought = (snapshots.select("customer_key", "as_of_date").join(placed, on="customer_key", how="inner")
              .where(in_window).select("customer_key", "as_of_date").distinct().withColumn("_bought", F.lit(True)))
    return (snapshots.join(bought, on=["customer_key", "as_of_date"], how="left")
            .withColumn("churned", F.col("_bought").isNull()).drop("_bought"))


@dataclass(frozen=True)
class Split:
    """Training and holdout snapshots: no training window reaches past the holdout's as-of date."""

    train: DataFrame
    holdout: DataFrame
    holdout_date: datetime.date


def split(labelled: DataFrame, horizon_days: int) -> Split:
    """The latest labelled snapshot is the holdout; training takes the snapshots whose window ends by its date.

    A training label is then known before the holdout's features are: the model never learns
    from the weeks it is judged on. Snapshots in between (window overlapping the holdout) are
    in neither.
    """
    latest = labelled.agg(F.max("as_of_date")).first()[0]
    if latest is None:
        raise ValueError(f"no feature snapshot is {horizon_days} days older than the data's last date: "
                         f"land more days or lower churn.horizon_days")
    holdout = labelled.where(F.col("as_of_date") == F.lit(latest))
    train = labelled.where(F.date_add("as_of_date", horizon_days) <= F.lit(latest))
    return Split(train, holdout, latest)
