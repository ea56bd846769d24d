"""Baskets by day and shipping country: how many orders, how big, how valuable.

Grain: one row per order date (UTC) x ``shipping_country``. Source: ``revenue_lines``
(live orders of ``silver.orders`` with their ``silver.order_items``, USD at the order
date's rate). Key: ``date``, ``country``. Updated incrementally: a run recomputes only the order dates that upstream changes touch.

``daily_sales`` counts an order once per category it touches, so its ``orders`` do not add
up across categories; this table counts each order once, and describes the basket.

Columns
  date                 order date (UTC)
  country              ``shipping_country``; ``unknown`` when the order has none
  orders               revenue orders (live orders with at least one line)
  units                units over those orders
  revenue_usd          their revenue in USD, rounded to cents (decimal(18,2))
  avg_units_per_order  mean units per order (double)
  avg_lines_per_order  mean order lines per order (double)
  avg_order_value_usd  mean order revenue in USD, rounded to cents (decimal(18,2)), over
                       the orders that could be priced
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.revenue_lines import revenue_lines, round_usd, touched_order_dates
from lakehouse.lib.incremental import ByKey
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

UNKNOWN = "unknown"
COLUMNS = ("date", "country", "orders", "units", "revenue_usd", "avg_units_per_order", "avg_lines_per_order",
           "avg_order_value_usd")


@table("gold.basket_size_daily", source=("silver.order_items", "silver.orders", "silver.fx_rates"),
       key=["date", "country"], write=Overwrite(), refresh=ByKey("date", touched_order_dates))
def basket_size_daily(order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame) -> DataFrame:
    """One row per order date (UTC) x shipping country."""
    baskets = (revenue_lines(order_items, orders, fx_rates)
               .groupBy("order_id", "order_date", "shipping_country")
               .agg(F.sum("quantity").alias("units"), F.count(F.lit(1)).alias("lines"),
                    F.sum("revenue_usd").alias("revenue_usd")))
    return (baskets.groupBy(F.col("order_date").alias("date"),
                            F.coalesce(F.col("shipping_country"), F.lit(UNKNOWN)).alias("country"))
            .agg(F.count(F.lit(1)).alias("orders"),
                 F.sum("units").alias("units"),
                 round_usd(F.sum("revenue_usd")).alias("revenue_usd"),
                 F.avg("units").alias("avg_units_per_order"),
                 F.avg("lines").alias("avg_lines_per_order"),
                 round_usd(F.avg("revenue_usd")).alias("avg_order_value_usd"))
            .select(*COLUMNS))
