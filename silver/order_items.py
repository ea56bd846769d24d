"""Order lines as they stand now, from the transaction database's change events.

Grain: one row per order line (``order_id``, ``line_no``); the highest ``lsn`` wins and
deletes remove the line (tombstones in ``silver.order_items_deleted``). ``net_amount``
is ``quantity * unit_price - discount`` in the order's currency.
"""
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.lib.changes import CHANGE, IS_DELETE, op_is_known, row_images
from lakehouse.lib.fields import LINEAGE, Field, field_rules, names, typed
from lakehouse.lib.quality.checks import References
from lakehouse.lib.registry import table
from lakehouse.lib.rules import Rule, at_least, matches, record_is_parseable
from lakehouse.lib.writes import ApplyChanges

ROW = (
    Field("order_id", required=True),
    Field("line_no", "integer", required=True),
    Field("product_id", required=True),
    Field("quantity", "integer", required=True),
    Field("unit_price", "decimal", required=True),
    Field("discount", "decimal"),
)
COLUMNS = (*names(ROW), "net_amount", *names(CHANGE))

RULES = (
    record_is_parseable(),
    *field_rules((*ROW, *CHANGE)),
    op_is_known(),
    at_least("line_no", 1),
    at_least("quantity", 1),
    at_least("unit_price", 0),
    at_least("discount", 0),
    Rule("discount_at_most_line_amount",
         "discount IS NULL OR quantity IS NULL OR unit_price IS NULL OR discount <= quantity * unit_price"),
    matches("product_id", "^P[0-9]+$", "product_id"),
)
CHECKS = (
    References(column="order_id", table="silver.orders"),  # a line whose order is unknown (or deleted)
    References(column="product_id", table="silver.products"),
)


@table("silver.order_items", source="bronze.order_items", key=["order_id", "line_no"], rules=RULES, checks=CHECKS,
       write=ApplyChanges(sequence_by="lsn", deleted_when=IS_DELETE, tombstones="order_items_deleted"))
def order_items(bronze: DataFrame) -> DataFrame:
    """One row per order line change event, typed; applying them leaves one row per order line."""
    changes = typed(row_images(bronze, ROW), (*ROW, *CHANGE))
    net = (F.col("quantity") * F.col("unit_price") - F.coalesce("discount", F.lit(0))).cast("decimal(18,2)")
    return changes.withColumn("net_amount", net).select(*COLUMNS, *LINEAGE)
