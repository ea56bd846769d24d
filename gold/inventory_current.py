"""Stock on hand now, per product and warehouse, from the latest stock movement.

Grain: one row per ``product_id`` x ``warehouse_id`` that has any stock movement.
Source: ``silver.inventory`` (deduplicated by ``event_id``). Key: ``product_id``,
``warehouse_id``. Updated incrementally per product with a new movement, so a movement that arrives late takes its
place by ``event_ts``, whatever order movements landed in.

Columns
  product_id     the product
  warehouse_id   the warehouse
  qty_on_hand    ``qty_on_hand`` of the latest movement by ``event_ts``; movements at the
                 same instant are ordered by ``event_id`` and the greatest one wins
  last_event_ts  ``event_ts`` of that movement
  last_event_id  extra: ``event_id`` of that movement, to trace the figure back
  low_stock      ``qty_on_hand < LOW_STOCK_THRESHOLD`` (10); NULL when the quantity is unknown
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.lib.incremental import ByKey, Changes
from lakehouse.lib.registry import table
from lakehouse.lib.writes import Overwrite

LOW_STOCK_THRESHOLD = 10
COLUMNS = ("product_id", "warehouse_id", "qty_on_hand", "last_event_ts", "last_event_id", "low_stock")


def touched_products(changes: Changes) -> DataFrame:
    """The products with a new stock movement (in any warehouse)."""
    return changes.changed("silver.inventory").select("product_id")


@table("gold.inventory_current", source=("silver.inventory",), key=["product_id", "warehouse_id"],
       write=Overwrite(), refresh=ByKey("product_id", touched_products))
def inventory_current(inventory: DataFrame) -> DataFrame:
    """One row per product_id x warehouse_id: the stock its latest movement left."""
    latest = F.struct("event_ts", "event_id")
    current = inventory.groupBy("product_id", "warehouse_id").agg(
        F.max_by("qty_on_hand", latest).alias("qty_on_hand"),
        F.max_by("event_ts", latest).alias("last_event_ts"),
        F.max_by("event_id", latest).alias("last_event_id"),
    )
    return current.withColumn("low_stock", F.col("qty_on_hand") < LOW_STOCK_THRESHOLD).select(*COLUMNS)
