"""Customer retention by weekly cohort: of the customers who first bought in a week, how many
bought again N weeks later.

Grain: one row per cohort week x ``weeks_since_first`` in which at least one customer of the
cohort placed a revenue order. Weeks start on Monday (UTC). Source: ``revenue_lines``
(live orders with at least one line). Key: ``cohort_week``, ``weeks_since_first``.
Rebuilt whole when an input changed (a first order moves whole cohorts).

A customer's cohort is the week of their first revenue order; cancelling or returning
that order moves them to the week of their next one. Orders without a ``customer_id`` are
left out. Customers are counted by ``customer_id`` inside the function; no identifier is
stored. Weeks in which nobody of a cohort bought have no row (retention 0).

Columns
  cohort_week        Monday of the week of the customers' first revenue order
  weeks_since_first  whole weeks from the cohort week to the activity week (0 = cohort week)
  week               Monday of the activity week
  cohort_customers   customers in the cohort
  active_customers   of them, customers with a revenue order in ``week``
  retention_rate     active_customers / cohort_customers (double; 1.0 at week 0)
"""
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.gold.revenue_lines import revenue_lines
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

COLUMNS = ("cohort_week", "weeks_since_first", "week", "cohort_customers", "active_customers", "retention_rate")


def week_of(date: Column) -> Column:
    """Monday of the date's week."""
    return F.to_date(F.date_trunc("week", date))


@table("gold.cohort_retention_weekly", source=("silver.order_items", "silver.orders", "silver.fx_rates"),
       key=["cohort_week", "weeks_since_first"], write=Overwrite())
def cohort_retention_weekly(order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame) -> DataFrame:
    """One row per cohort week (first revenue order) x weeks since, with any customer of the cohort active."""
    active_weeks = (revenue_lines(order_items, orders, fx_rates)
                    .where(F.col("customer_id").isNotNull() & F.col("order_date").isNotNull())
                    .select("customer_id", week_of(F.col("order_date")).alias("week")).distinct())
    first_week = F.min("week").over(Window.partitionBy("customer_id"))
    retention = (active_weeks.withColumn("cohort_week", first_week)
                 .groupBy("cohort_week", "week").agg(F.count(F.lit(1)).alias("active_customers")))
    # Every customer of a cohort is active in its first week, so week 0's count is the cohort's size.
    is_first_week = F.col("week") == F.col("cohort_week")
    cohort_size = F.max(F.when(is_first_week, F.col("active_customers"))).over(Window.partitionBy("cohort_week"))
    retention = retention.withColumn("cohort_customers", cohort_size)
    return retention.withColumns({
        "weeks_since_first": (F.datediff("week", "cohort_week") / 7).cast("int"),
        "retention_rate": F.col("active_customers") / F.col("cohort_customers"),
    }).select(*COLUMNS)
