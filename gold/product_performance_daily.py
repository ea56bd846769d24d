"""How each product did each day: attention, sales and reviews side by side.

Grain: one row per date (UTC) x ``product_id``, for every product with any activity that
date in any of the sources: views and carts (``silver.clickstream``, by ``event_date``),
sales (``revenue_lines`` over ``silver.order_items``/``orders``/``fx_rates``, by
``order_date``) or reviews (``silver.reviews``, by ``review_date``). The sources are
combined as a full outer union, so a product with only reviews on a date still appears.
Key: ``date``, ``product_id``. Updated incrementally: a run recomputes only the dates that upstream changes touch.

Rows without a ``product_id`` (none should pass silver for product events) are left out:
they cannot be placed on this grain.

Columns
  date         the date of the activity (UTC)
  product_id   the product
  category     the product's *current* category from ``silver.products`` (a product whose
               category changed is reported under the new one on every date); NULL for a
               product missing from the catalog
  views        ``product_view`` events (events, not sessions)
  add_to_carts ``add_to_cart`` events
  units_sold   units on revenue lines (live orders), by order date
  revenue_usd  revenue in USD rounded to cents (decimal(18,2)), same definition as
               ``daily_sales``; 0 when the product sold nothing that date
  reviews      reviews written that date
  avg_rating   mean rating of those reviews (double, unrounded); NULL when there were none
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.revenue_lines import revenue_lines, round_usd, touched_order_dates
from lakehouse.lib.incremental import ByKey, Changes
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

COLUMNS = ("date", "product_id", "category", "views", "add_to_carts", "units_sold", "revenue_usd", "reviews",
           "avg_rating")


def product_events(clickstream: DataFrame) -> DataFrame:
    """Product views and add-to-carts, one row per event."""
    is_counted = F.col("event_type").isin("product_view", "add_to_cart") & F.col("product_id").isNotNull()
    return clickstream.where(is_counted).select(F.col("event_date").alias("date"), "product_id", "event_type")


def product_sales(order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame) -> DataFrame:
    """Revenue lines, one row per line of a live order, dated by the order date."""
    return (revenue_lines(order_items, orders, fx_rates)
            .select(F.col("order_date").alias("date"), "product_id", "line_no", "quantity", "revenue_usd"))


def product_reviews(reviews: DataFrame) -> DataFrame:
    """Reviews, one row per review, dated by the review date."""
    return (reviews.where(F.col("product_id").isNotNull())
            .select(F.col("review_date").alias("date"), "product_id", "review_id", "rating"))


def touched_dates(changes: Changes) -> DataFrame:
    """Dates a change may alter: sales changes, new events and reviews, and every date of a changed product."""
    products = changes.changed("silver.products").select("product_id").distinct()
    every_date_of_changed_products = (
        product_activity(changes.current("silver.clickstream"), changes.current("silver.order_items"),
                         changes.current("silver.orders"), changes.current("silver.fx_rates"),
                         changes.current("silver.reviews"))
        .join(products, on="product_id", how="left_semi").select("date"))
    return (touched_order_dates(changes)
            .unionByName(changes.changed("silver.clickstream").select(F.col("event_date").alias("date")))
            .unionByName(changes.changed("silver.reviews").select(F.col("review_date").alias("date")))
            .unionByName(every_date_of_changed_products))


def product_activity(clickstream: DataFrame, order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame,
                     reviews: DataFrame) -> DataFrame:
    """Views, carts, sold lines and reviews, one row each, with their date and product."""
    return (product_events(clickstream)
            .unionByName(product_sales(order_items, orders, fx_rates), allowMissingColumns=True)
            .unionByName(product_reviews(reviews), allowMissingColumns=True))


@table("gold.product_performance_daily",
       source=("silver.clickstream", "silver.order_items", "silver.orders", "silver.fx_rates", "silver.reviews",
               "silver.products"),
       key=["date", "product_id"], write=Overwrite(), refresh=ByKey("date", touched_dates))
def product_performance_daily(clickstream: DataFrame, order_items: DataFrame, orders: DataFrame,
                              fx_rates: DataFrame, reviews: DataFrame, products: DataFrame) -> DataFrame:
    """One row per date (UTC) x product_id with any views, carts, sales or reviews that date."""
    activity = product_activity(clickstream, order_items, orders, fx_rates, reviews)
    sold_nothing = F.count("line_no") == 0
    daily = activity.groupBy("date", "product_id").agg(
        F.count_if(F.col("event_type") == "product_view").alias("views"),
        F.count_if(F.col("event_type") == "add_to_cart").alias("add_to_carts"),
        F.coalesce(F.sum("quantity"), F.lit(0).cast("long")).alias("units_sold"),
        F.when(sold_nothing, round_usd(F.lit(0))).otherwise(round_usd(F.sum("revenue_usd"))).alias("revenue_usd"),
        F.count("review_id").alias("reviews"),
        F.avg("rating").alias("avg_rating"),
    )
    categories = products.select("product_id", "category")
    return daily.join(categories, on="product_id", how="left").select(*COLUMNS)
