"""Features of every current customer, for the churn model and for segmenting.

Grain: one row per current customer (``silver.customers`` where ``is_current``), as of
one date. Sources: ``silver.customers``, the revenue lines of ``silver.order_items`` /
``silver.orders`` / ``silver.fx_rates``, ``silver.clickstream``, ``silver.reviews``.
Key: ``customer_key``. Rebuilt whole when an input changed (``as_of_date`` moves every row).

The customer is named by ``customer_key``, the pseudonym; ``customer_id`` is used to join
and never leaves this function. A customer known only from orders or events (not in
``silver.customers``) has no row.

as_of_date is taken from the data, never from the clock: the latest ``order_date`` of
``silver.orders`` (any status) or ``event_date`` of ``silver.clickstream``. The same inputs
always give the same table, and a backfill is computed as of its own data. Reviews written
after ``as_of_date`` are left out.

Columns
  customer_key  the customer's pseudonym
  as_of_date    the date the features describe (same on every row)
  recency_days  days from the last revenue order's ``order_date`` to ``as_of_date``; NULL
                when the customer has no revenue order
  frequency     distinct revenue orders (live orders with at least one line), ever
  monetary_usd  their revenue in USD, rounded to cents (decimal(18,2)); 0 when none
  sessions_30d  distinct sessions with an event carrying the customer's id in the 30 days
                ending on ``as_of_date`` (``as_of_date - 29`` to ``as_of_date``)
  avg_rating    mean rating of the customer's reviews up to ``as_of_date``; NULL if none
  tenure_days   days from the signup date (``signup_ts``, UTC) to ``as_of_date``
  country       the customer's current country
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.revenue_lines import revenue_lines, round_usd
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

SESSION_WINDOW_DAYS = 30
COLUMNS = ("customer_key", "as_of_date", "recency_days", "frequency", "monetary_usd", "sessions_30d",
           "avg_rating", "tenure_days", "country")


def as_of_date(orders: DataFrame, clickstream: DataFrame) -> DataFrame:
    """One row: the latest order date or event date in the inputs (NULL when both are empty)."""
    order_dates = orders.select(F.col("order_date").alias("date"))
    event_dates = clickstream.select(F.col("event_date").alias("date"))
    return order_dates.unionByName(event_dates).agg(F.max("date").alias("as_of_date"))


def purchases_by_customer(order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame) -> DataFrame:
    """One row per customer with revenue orders: last order date, order count, revenue."""
    return (revenue_lines(order_items, orders, fx_rates).where(F.col("customer_id").isNotNull())
            .groupBy("customer_id")
            .agg(F.max("order_date").alias("last_order_date"),
                 F.count_distinct("order_id").alias("frequency"),
                 round_usd(F.sum("revenue_usd")).alias("monetary_usd")))


def recent_sessions_by_customer(clickstream: DataFrame, as_of: DataFrame) -> DataFrame:
    """One row per customer with sessions in the window ending on ``as_of_date``."""
    window_start = F.date_sub("as_of_date", SESSION_WINDOW_DAYS - 1)
    is_in_window = F.col("event_date").between(window_start, F.col("as_of_date"))
    return (clickstream.where(F.col("customer_id").isNotNull()).join(as_of, how="cross").where(is_in_window)
            .groupBy("customer_id").agg(F.count_distinct("session_id").alias("sessions_30d")))


def ratings_by_customer(reviews: DataFrame, as_of: DataFrame) -> DataFrame:
    """One row per customer with reviews up to ``as_of_date``: their mean rating."""
    is_up_to_date = F.col("review_date") <= F.col("as_of_date")
    return (reviews.where(F.col("customer_id").isNotNull()).join(as_of, how="cross").where(is_up_to_date)
            .groupBy("customer_id").agg(F.avg("rating").alias("avg_rating")))


@table("gold.customer_features",
       source=("silver.customers", "silver.order_items", "silver.orders", "silver.fx_rates", "silver.clickstream",
               "silver.reviews"),
       key=["customer_key"], write=Overwrite())
def customer_features(customers: DataFrame, order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame,
                      clickstream: DataFrame, reviews: DataFrame) -> DataFrame:
    """One row per current customer (customer_key), as of the latest order or event date in the data."""
    as_of = as_of_date(orders, clickstream)
    current = customers.where(F.col("is_current")).select("customer_id", "customer_key", "country", "signup_ts")
    features = (current.join(as_of, how="cross")
                .join(purchases_by_customer(order_items, orders, fx_rates), on="customer_id", how="left")
                .join(recent_sessions_by_customer(clickstream, as_of), on="customer_id", how="left")
                .join(ratings_by_customer(reviews, as_of), on="customer_id", how="left"))
    return features.withColumns({
        "recency_days": F.datediff("as_of_date", "last_order_date"),
        "frequency": F.coalesce(F.col("frequency"), F.lit(0).cast("long")),
        "monetary_usd": F.coalesce(F.col("monetary_usd"), round_usd(F.lit(0))),
        "sessions_30d": F.coalesce(F.col("sessions_30d"), F.lit(0).cast("long")),
        "tenure_days": F.datediff("as_of_date", F.to_date("signup_ts")),
    }).select(*COLUMNS)
