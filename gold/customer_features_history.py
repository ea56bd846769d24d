"""Weekly snapshots of the customer features, each as it was known then: what the churn model trains on.

Grain: one row per customer and as-of date (``customer_key``, ``as_of_date``). The as-of
dates go back from the latest date in the data (``gold.customer_features``' own as_of_date)
in steps of 7 days, down to the first order or event date. Sources: those of
``gold.customer_features``. Key: ``customer_key``, ``as_of_date``. Rebuilt whole when an
input changed (the latest date moves every snapshot).

Each snapshot is ``features_as_of`` at its date, the code that computes
``gold.customer_features``: nothing placed, seen, reviewed or written after the end of
the as-of date enters it (``gold/customer_features.py`` says how). The latest snapshot is
``gold.customer_features`` row for row. Labels are not here: whether a customer churned
after a date is known only later, and ``lakehouse train`` labels the snapshots whose
window has passed.

Columns
  customer_key  the customer's pseudonym
  as_of_date    the date the snapshot describes
  recency_days  days from the last revenue order up to ``as_of_date`` to ``as_of_date``; NULL
                when the customer had no revenue order by then
  frequency     distinct revenue orders placed up to ``as_of_date``
  monetary_usd  their revenue in USD, rounded to cents (decimal(18,2)); 0 when none
  sessions_30d  distinct sessions of the customer in the 30 days ending on ``as_of_date``
  avg_rating    mean rating of the customer's reviews up to ``as_of_date``; NULL if none
  tenure_days   days from the signup date (UTC) to ``as_of_date``
  country       the customer's country in the version valid at the end of ``as_of_date``
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.customer_features import data_dates, features_as_of
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

SNAPSHOT_EVERY_DAYS = 7


def snapshot_dates(orders: DataFrame, clickstream: DataFrame) -> DataFrame:
    """One row per as-of date: the latest date in the data, then every 7 days back to the first."""
    span = data_dates(orders, clickstream).agg(F.max("date").alias("last"), F.min("date").alias("first"))
    step = F.expr(f"INTERVAL -{SNAPSHOT_EVERY_DAYS} DAYS")
    return (span.where(F.col("last").isNotNull())
            .select(F.explode(F.sequence("last", "first", step)).alias("as_of_date")))


@table("gold.customer_features_history",
       source=("silver.customers", "silver.order_items", "silver.orders", "silver.fx_rates", "silver.clickstream",
               "silver.reviews"),
       key=["customer_key", "as_of_date"], write=Overwrite())
def customer_features_history(customers: DataFrame, order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame,
                              clickstream: DataFrame, reviews: DataFrame) -> DataFrame:
    """One row per customer and weekly as-of date, each from what was known by the end of that date."""
    return features_as_of(snapshot_dates(orders, clickstream), customers, order_items, orders, fx_rates, clickstream,
                          reviews)
