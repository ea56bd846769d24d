"""Sales by day, shipping country and product category.

Grain: one row per order date (UTC) x ``shipping_country`` x product ``category``.
Source: ``silver.order_items``, ``silver.orders``, ``silver.products``, ``silver.fx_rates``,
through ``revenue_lines`` (live orders only, USD at the order date's rate; a missing rate
falls back to the currency's latest earlier rate, see that module).
Key: ``date``, ``country``, ``category``. Updated incrementally: a run recomputes only the order dates that upstream changes touch.

Columns
  date            order date (UTC) of the order
  country         the order's ``shipping_country``; ``unknown`` when the order has none
  category        the product's *current* category (``silver.products`` is current state):
                  a product whose category changed has all its history reported under the
                  new one; ``unknown`` for a product missing from the catalog
  orders          distinct orders with at least one line in that category
  units           sum of line quantities
  revenue_usd     sum of line revenue in USD, rounded to cents (decimal(18,2)); NULL only
                  if every line of the group was unpriceable
  unpriced_lines  extra: lines whose currency has no rate at all, so they are missing from
                  ``revenue_usd`` (0 in a healthy load)
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.revenue_lines import revenue_lines, round_usd, touched_order_dates, touched_product_order_dates
from lakehouse.lib.incremental import ByKey, Changes
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

UNKNOWN = "unknown"
COLUMNS = ("date", "country", "category", "orders", "units", "revenue_usd", "unpriced_lines")


def touched_dates(changes: Changes) -> DataFrame:
    """Dates whose sales a change may alter: order, line and rate changes, and re-categorised products."""
    return touched_order_dates(changes).unionByName(touched_product_order_dates(changes))


@table("gold.daily_sales", source=("silver.order_items", "silver.orders", "silver.products", "silver.fx_rates"),
       key=["date", "country", "category"], write=Overwrite(), refresh=ByKey("date", touched_dates))
def daily_sales(order_items: DataFrame, orders: DataFrame, products: DataFrame, fx_rates: DataFrame) -> DataFrame:
    """One row per order date (UTC) x shipping country x product category."""
    categories = products.select("product_id", "category")
    lines = (revenue_lines(order_items, orders, fx_rates)
             .join(categories, on="product_id", how="left")
             .select(F.col("order_date").alias("date"),
                     F.coalesce(F.col("shipping_country"), F.lit(UNKNOWN)).alias("country"),
                     F.coalesce(F.col("category"), F.lit(UNKNOWN)).alias("category"),
                     "order_id", "quantity", "revenue_usd"))
    is_unpriced = F.col("revenue_usd").isNull()
    return (lines.groupBy("date", "country", "category")
            .agg(F.count_distinct("order_id").alias("orders"),
                 F.sum("quantity").alias("units"),
                 round_usd(F.sum("revenue_usd")).alias("revenue_usd"),
                 F.count_if(is_unpriced).alias("unpriced_lines"))
            .select(*COLUMNS))
