"""Sales by minute: what a second terminal watches move while the stream runs.

Grain: one row per minute (UTC) in which live orders were placed.
Source: ``silver.order_items``, ``silver.orders``, ``silver.fx_rates``, through
``revenue_lines`` (live orders only, USD at the order date's rate, see that module).
Key: ``minute``. Updated incrementally: a run recomputes only the order dates (``date``)
that upstream changes touch.

Columns
  minute          the minute (UTC) the order was placed in: ``order_ts`` truncated
  date            its date (UTC), by which the table is refreshed
  orders          distinct orders placed in the minute
  units           sum of line quantities
  revenue_usd     sum of line revenue in USD, rounded to cents (decimal(18,2)); NULL only
                  if every line of the minute was unpriceable
  unpriced_lines  lines whose currency has no rate at all (0 in a healthy load)
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.revenue_lines import revenue_lines, round_usd, touched_order_dates
from lakehouse.lib.incremental import ByKey
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

COLUMNS = ("minute", "date", "orders", "units", "revenue_usd", "unpriced_lines")


@table("gold.sales_minute", source=("silver.order_items", "silver.orders", "silver.fx_rates"),
       key=["minute"], write=Overwrite(), refresh=ByKey("date", touched_order_dates))
def sales_minute(order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame) -> DataFrame:
    """One row per minute (UTC) with live orders: orders, units and revenue in USD."""
    placed = orders.select("order_id", F.date_trunc("minute", "order_ts").alias("minute"))
    lines = revenue_lines(order_items, orders, fx_rates).join(placed, on="order_id", how="inner")
    # A minute lies within one order date; grouped by both, a refresh's filter on ``date`` reaches the orders' reads.
    return (lines.groupBy("minute", F.col("order_date").alias("date"))
            .agg(F.count_distinct("order_id").alias("orders"),
                 F.sum("quantity").alias("units"),
                 round_usd(F.sum("revenue_usd")).alias("revenue_usd"),
                 F.count_if(F.col("revenue_usd").isNull()).alias("unpriced_lines"))
            .select(*COLUMNS))
