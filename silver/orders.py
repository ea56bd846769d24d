"""Orders as they stand now, from the transaction database's change events.

Grain: one row per order (``order_id``): the change with the highest ``lsn`` wins,
whatever order events arrive in; a delete removes the order and leaves a tombstone
in ``silver.orders_deleted`` so that an older event arriving later cannot revive it.
Amounts stay in the order's currency; gold converts to USD at the order date's rate.
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.lib.changes import CHANGE, IS_DELETE, op_is_known, row_images
from lakehouse.lib.fields import LINEAGE, Field, field_rules, names, typed
from lakehouse.lib.quality.checks import Fresh, MedianBetween
from lakehouse.lib.registry import table
from lakehouse.lib.rules import at_least, customer_id_is_well_formed, is_in, matches, record_is_parseable
from lakehouse.lib.writes import ApplyChanges

ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
ROW = (
    Field("order_id", required=True),
    Field("customer_id"),
    Field("order_ts", "timestamp"),
    Field("status"),
    Field("currency"),
    Field("total_amount", "decimal"),
    Field("shipping_country"),
    Field("updated_at", "timestamp"),
)
COLUMNS = (*names(ROW), "order_date", *names(CHANGE))

RULES = (
    record_is_parseable(),
    *field_rules((*ROW, *CHANGE)),
    op_is_known(),
    is_in("status", ORDER_STATUSES),
    at_least("total_amount", 0),
    matches("currency", "^[A-Z]{3}$", "currency"),
    matches("shipping_country", "^[A-Z]{2}$", "shipping_country"),
    customer_id_is_well_formed(),
)
CHECKS = (
    Fresh(column="changed_at"),
    MedianBetween(column="total_amount", low=10, high=1000),  # in the order's currency
)


@table("silver.orders", source="bronze.orders", key=["order_id"], rules=RULES, checks=CHECKS,
       write=ApplyChanges(sequence_by="lsn", deleted_when=IS_DELETE, tombstones="orders_deleted"),
       cluster_by=["order_date"])
def orders(bronze: DataFrame) -> DataFrame:
    """One row per order change event, typed; applying them leaves one row per order_id."""
    changes = typed(row_images(bronze, ROW), (*ROW, *CHANGE))
    return changes.withColumn("order_date", F.to_date("order_ts")).select(*COLUMNS, *LINEAGE)
