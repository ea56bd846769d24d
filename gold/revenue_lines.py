"""Revenue, defined once: the lines of live orders, priced in USD at the order date's rate.

Grain: one row per order line (``order_id``, ``line_no``) of an order that silver still
holds and whose current status is neither ``cancelled`` nor ``returned``. Not a stored
table: ``daily_sales``, ``product_performance_daily``, ``customer_features``,
``basket_size_daily`` and ``cohort_retention_weekly`` all build on this function, so
"revenue" means the same thing in every gold table.

Definition
  - A line's net is silver's ``net_amount`` (``quantity * unit_price - coalesce(discount, 0)``),
    in the order's currency.
  - Deleted orders are absent from ``silver.orders``; their lines find no order and count
    nowhere. An order whose status is NULL counts (it is neither cancelled nor returned).
  - USD is worth 1 USD, whether or not ``fx_rates`` has a USD row (a USD row is ignored).
  - Any other currency takes its rate on the order date. When that date has no rate, the
    latest earlier rate of the currency is used; when the currency has no earlier rate, its
    earliest later rate. ``rate_date`` says which date's rate priced the line, so a stale
    rate is visible. Only a currency with no rate at all (or an order with no currency or
    date) leaves ``revenue_usd`` NULL; the line is kept, never dropped.
  - Money stays decimal: the rate is cast to ``decimal(20,12)`` and ``revenue_usd`` is the
    unrounded product; tables round their sums to cents (``round_usd``).

Columns: order_id, line_no, product_id, quantity, net_amount, customer_id, order_date,
shipping_country, currency, rate_date, usd_per_unit, revenue_usd.
"""
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.lib.incremental import Changes

EXCLUDED_STATUSES = ("cancelled", "returned")
BASE_CURRENCY = "USD"
RATE_TYPE = "decimal(20,12)"
MONEY_TYPE = "decimal(18,2)"
COLUMNS = ("order_id", "line_no", "product_id", "quantity", "net_amount", "customer_id", "order_date",
           "shipping_country", "currency", "rate_date", "usd_per_unit", "revenue_usd")


def round_usd(amount: Column) -> Column:
    """A sum of ``revenue_usd`` rounded to cents, as every gold table stores money."""
    return F.round(amount, 2).cast(MONEY_TYPE)


def live_orders(orders: DataFrame) -> DataFrame:
    """Orders that still count: present in silver, status neither cancelled nor returned."""
    is_excluded = F.coalesce(F.col("status").isin(*EXCLUDED_STATUSES), F.lit(False))
    return orders.where(~is_excluded)


def rates_by_order_date(orders: DataFrame, fx_rates: DataFrame) -> DataFrame:
    """One row per (currency, order_date) of the orders: the rate used and the date it is from.

    Resolved on the distinct (currency, date) pairs, not on every line, so the as-of
    lookup stays small. USD is not looked up here; ``revenue_lines`` prices it at 1.
    """
    wanted = (orders.where(F.col("currency") != BASE_CURRENCY)
              .select("currency", "order_date").where(F.col("order_date").isNotNull()).distinct())
    rates = fx_rates.select("currency", F.col("date").alias("rate_date"), "usd_per_unit")
    candidates = wanted.join(rates, on="currency", how="inner")
    is_on_or_before = F.col("rate_date") <= F.col("order_date")
    preference = Window.partitionBy("currency", "order_date").orderBy(
        F.when(is_on_or_before, 0).otherwise(1),
        F.abs(F.datediff("order_date", "rate_date")),
    )
    return (candidates.withColumn("_preference", F.row_number().over(preference))
            .where(F.col("_preference") == 1)
            .select("currency", "order_date", "rate_date", "usd_per_unit"))


def revenue_lines(order_items: DataFrame, orders: DataFrame, fx_rates: DataFrame) -> DataFrame:
    """One row per line of a live order, its net amount converted to USD at the order date's rate."""
    counted = live_orders(orders).select("order_id", "customer_id", "order_date", "shipping_country", "currency")
    lines = order_items.select("order_id", "line_no", "product_id", "quantity", "net_amount")
    priced = (lines.join(counted, on="order_id", how="inner")
              .join(rates_by_order_date(counted, fx_rates), on=["currency", "order_date"], how="left"))
    is_base_currency = F.col("currency") == BASE_CURRENCY
    rate = F.when(is_base_currency, F.lit(1)).otherwise(F.col("usd_per_unit")).cast(RATE_TYPE)
    return (priced.withColumns({
        "rate_date": F.when(is_base_currency, F.col("order_date")).otherwise(F.col("rate_date")),
        "usd_per_unit": rate,
    }).withColumn("revenue_usd", F.col("net_amount") * F.col("usd_per_unit"))
        .select(*COLUMNS))


def touched_order_dates(changes: Changes) -> DataFrame:
    """Order dates (as ``date``) whose revenue lines a change upstream may alter.

    An order's change touches its order date before and after (both images are in the
    change feed, deletes included); a line's change touches its order's date; a rate's
    change touches that currency's orders from the rate's date on (later dates may price
    at it as their latest earlier rate), and all of them when it is the currency's
    earliest rate (earlier dates price at their earliest later rate).
    """
    orders = changes.current("silver.orders").select("order_id", "order_date", "currency")
    by_order = changes.changed("silver.orders").select("order_date")
    by_line = (changes.changed("silver.order_items").select("order_id").distinct()
               .join(orders, on="order_id", how="inner").select("order_date"))
    rates = changes.current("silver.fx_rates")
    first_rate = rates.groupBy("currency").agg(F.min("date").alias("_first_rate"))
    changed_rates = (changes.changed("silver.fx_rates").groupBy("currency").agg(F.min("date").alias("_since"))
                     .join(first_rate, on="currency", how="left"))
    priced_at_changed_rate = (F.col("order_date") >= F.col("_since")) | (F.col("_since") <= F.col("_first_rate"))
    by_rate = (orders.join(changed_rates, on="currency", how="inner")
               .where(priced_at_changed_rate).select("order_date"))
    return by_order.unionByName(by_line).unionByName(by_rate).select(F.col("order_date").alias("date"))


def touched_product_order_dates(changes: Changes) -> DataFrame:
    """Order dates (as ``date``) with a line of a product whose catalog row changed (its category, say)."""
    products = changes.changed("silver.products").select("product_id").distinct()
    orders = changes.current("silver.orders").select("order_id", "order_date")
    return (changes.current("silver.order_items").join(products, on="product_id", how="left_semi")
            .join(orders, on="order_id", how="inner").select(F.col("order_date").alias("date")))
