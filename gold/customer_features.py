"""Features of every customer, for the churn model and for segmenting.

Grain: one row per customer (``silver.customers``) signed up by ``as_of_date``, as of
one date. Sources: ``silver.customers``, the revenue lines of ``silver.order_items`` /
``silver.orders`` / ``silver.fx_rates``, ``silver.clickstream``, ``silver.reviews``.
Key: ``customer_key``. Rebuilt whole when an input changed (``as_of_date`` moves every row).

The customer is named by ``customer_key``, the pseudonym; ``customer_id`` is used to join
and never leaves this function. A customer known only from orders or events (not in
``silver.customers``) has no row.

as_of_date is taken from the data, never from the clock: the latest ``order_date`` of
``silver.orders`` (any status) or ``event_date`` of ``silver.clickstream``. The same inputs
always give the same table, and a backfill is computed as of its own data.

Every feature is computed as it was known at the end of ``as_of_date`` (``features_as_of``,
which ``gold.customer_features_history`` computes at past dates with the same code, so the
churn model trains on exactly what it scores):
  - orders placed, events and reviews after ``as_of_date`` are left out;
  - an order's status counts only if it was written by then (``updated_at`` up to the end of
    ``as_of_date``, or unknown): an order cancelled or returned later counted as live then;
  - the customer's country is that of the version valid at the end of ``as_of_date``; the
    first version known stands for the time before it, back to signup (the CRM's first
    export shows each customer as last edited, often after a past ``as_of_date``);
  - a customer who signed up after ``as_of_date`` has no row.
Silver keeps the current state of orders and their lines: an order deleted later, or a line
changed later, is seen as it is now.

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
from pyspark.sql import Column, DataFrame
from pyspark.sql import Window
from pyspark.sql import functions as F

from lakehouse.gold.revenue_lines import EXCLUDED_STATUSES, revenue_lines, round_usd
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

SESSION_WINDOW_DAYS = 30
COLUMNS = ("customer_key", "as_of_date", "recency_days", "frequency", "monetary_usd", "sessions_30d",
           "avg_rating", "tenure_days", "country")


def data_dates(orders: DataFrame, clickstream: DataFrame) -> DataFrame:
    """Every order date (any status) and event date of the inputs, as ``date``: the dates the data covers."""
    return orders.select(F.col("order_date").alias("date")).unionByName(
        clickstream.select(F.col("event_date").alias("date")))


def as_of_date(orders: DataFrame, clickstream: DataFrame) -> DataFrame:
    """One row: the latest order date or event date in the inputs (NULL when both are empty)."""
    return data_dates(orders, clickstream).agg(F.max("date").alias("as_of_date"))


def known_by(moment: str) -> Column:
    """Written by the end of ``as_of_date`` (true when ``moment`` is NULL: nothing says it came later)."""
    return F.coalesce(F.col(moment) < F.date_add("as_of_date", 1).cast("timestamp"), F.lit(True))


def customers_at(customers: DataFrame, as_of: DataFrame) -> DataFrame:
    """Per as-of date, each customer signed up by then, in the version valid at the end of that day
    (the first version known for the days before it)."""
    is_first = F.coalesce(F.col("valid_from") == F.min("valid_from").over(Window.partitionBy("customer_id")),
                          F.lit(False))
    is_valid = ((known_by("valid_from") | F.col("_is_first"))
                & ~F.coalesce(F.col("valid_to") < F.date_add("as_of_date", 1), F.lit(False)))
    is_signed_up = F.coalesce(F.to_date("signup_ts") <= F.col("as_of_date"), F.lit(False))
    return (customers.withColumn("_is_first", is_first).join(as_of, how="cross").where(is_valid & is_signed_up)
            .select("customer_id", "customer_key", "country", "signup_ts", "as_of_date"))


def purchases_by_customer(order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame,
                          as_of: DataFrame) -> DataFrame:
    """Per as-of date, one row per customer with revenue orders by then: last order date, order count, revenue.

    Lines are priced once for every order whatever its status; which orders count is then
    decided per as-of date, by the status as it was known at the end of that day.
    """
    lines = revenue_lines(order_items, orders.withColumn("status", F.lit(None).cast("string")), fx_rates)
    is_excluded_then = known_by("updated_at") & F.coalesce(F.col("status").isin(*EXCLUDED_STATUSES), F.lit(False))
    counted = (orders.join(as_of, how="cross").where(F.col("order_date") <= F.col("as_of_date"))
               .where(~is_excluded_then).select("order_id", "as_of_date"))
    return (lines.where(F.col("customer_id").isNotNull()).join(counted, on="order_id", how="inner")
            .groupBy("customer_id", "as_of_date")
            .agg(F.max("order_date").alias("last_order_date"),
                 F.count_distinct("order_id").alias("frequency"),
                 round_usd(F.sum("revenue_usd")).alias("monetary_usd")))


def recent_sessions_by_customer(clickstream: DataFrame, as_of: DataFrame) -> DataFrame:
    """Per as-of date, one row per customer with sessions in the window ending on it."""
    window_start = F.date_sub("as_of_date", SESSION_WINDOW_DAYS - 1)
    is_in_window = F.col("event_date").between(window_start, F.col("as_of_date"))
    return (clickstream.where(F.col("customer_id").isNotNull()).join(as_of, how="cross").where(is_in_window)
            .groupBy("customer_id", "as_of_date").agg(F.count_distinct("session_id").alias("sessions_30d")))


def ratings_by_customer(reviews: DataFrame, as_of: DataFrame) -> DataFrame:
    """Per as-of date, one row per customer with reviews up to it: their mean rating."""
    is_up_to_date = F.col("review_date") <= F.col("as_of_date")
    return (reviews.where(F.col("customer_id").isNotNull()).join(as_of, how="cross").where(is_up_to_date)
            .groupBy("customer_id", "as_of_date").agg(F.avg("rating").alias("avg_rating")))


def features_as_of(as_of: DataFrame, customers: DataFrame, order_items: DataFrame, orders: DataFrame,
                   fx_rates: DataFrame, clickstream: DataFrame, reviews: DataFrame) -> DataFrame:
    """One row per customer and as-of date (``as_of``: one row per date), from what was known by its end."""
    on = ["customer_id", "as_of_date"]
    features = (customers_at(customers, as_of)
                .join(purchases_by_customer(order_items, orders, fx_rates, as_of), on=on, how="left")
                .join(recent_sessions_by_customer(clickstream, as_of), on=on, how="left")
                .join(ratings_by_customer(reviews, as_of), on=on, how="left"))
    return features.withColumns({
        "recency_days": F.datediff("as_of_date", "last_order_date"),
        "frequency": F.coalesce(F.col("frequency"), F.lit(0).cast("long")),
        "monetary_usd": F.coalesce(F.col("monetary_usd"), round_usd(F.lit(0))),
        "sessions_30d": F.coalesce(F.col("sessions_30d"), F.lit(0).cast("long")),
        "tenure_days": F.datediff("as_of_date", F.to_date("signup_ts")),
    }).select(*COLUMNS)


@table("gold.customer_features",
       source=("silver.customers", "silver.order_items", "silver.orders", "silver.fx_rates", "silver.clickstream",
               "silver.reviews"),
       key=["customer_key"], write=Overwrite())
def customer_features(customers: DataFrame, order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame,
                      clickstream: DataFrame, reviews: DataFrame) -> DataFrame:
    """One row per customer (customer_key), as of the latest order or event date in the data."""
    return features_as_of(as_of_date(orders, clickstream), customers, order_items, orders, fx_rates, clickstream,
                          reviews)
