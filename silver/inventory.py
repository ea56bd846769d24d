"""Stock movements, typed and deduplicated by ``event_id``.

Grain: one row per stock movement (``event_id``), the first delivery kept.
"""
from pyspark.sql import DataFrame

from lakehouse.bronze.inventory import FIELDS
from lakehouse.lib.fields import LINEAGE, field_rules, names, typed
from lakehouse.lib.quality.checks import Fresh, References
from lakehouse.lib.registry import table
from lakehouse.lib.rules import at_least, is_in, matches, record_is_parseable
from lakehouse.lib.writes import InsertNew

REASONS = ("sale", "restock", "adjustment", "return")

RULES = (
    record_is_parseable(),
    *field_rules(FIELDS),
    at_least("qty_on_hand", 0),
    is_in("reason", REASONS),
    matches("product_id", "^P[0-9]+$", "product_id"),
)
CHECKS = (
    Fresh(column="event_ts"),
    References(column="product_id", table="silver.products"),
)


@table("silver.inventory", source="bronze.inventory", key=["event_id"], rules=RULES, checks=CHECKS,
       write=InsertNew(), event_time="event_ts")
def inventory(bronze: DataFrame) -> DataFrame:
    """One row per stock movement (event_id), the first delivery kept."""
    return typed(bronze, FIELDS).select(*names(FIELDS), *LINEAGE)
